package policy

import _ "embed"

// JSONSchema is the JSON Schema (draft 2020-12) of the evidence document
// "hallmark.evidence/v1": policy/schema/evidence-v1.schema.json, documented in
// docs/policy.md. It refers to report.JSONSchema (SchemaID there) for the members findings
// share with the scan result.
//
//go:embed schema/evidence-v1.schema.json
var JSONSchema []byte

// SchemaID is the $id of JSONSchema.
const SchemaID = "https://github.com/hallmark-dev/hallmark/policy/schema/evidence-v1.schema.json"
