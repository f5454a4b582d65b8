package report

import _ "embed"

// JSONSchema is the JSON Schema (draft 2020-12) of the "hallmark.scan/v1" contract that
// WriteJSON writes: report/schema/scan-v1.schema.json, documented in docs/scan-json.md.
//
//go:embed schema/scan-v1.schema.json
var JSONSchema []byte

// SchemaID is the $id of JSONSchema.
const SchemaID = "https://github.com/hallmark-dev/hallmark/report/schema/scan-v1.schema.json"
