package vex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ReadFile reads the VEX document at path (OpenVEX, CycloneDX JSON or CSAF JSON, told apart
// by their content) and returns its statements.
func ReadFile(ctx context.Context, path string) ([]Statement, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	st, err := Parse(data, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// readLimited reads a file of at most MaxDocumentSize bytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", path, ErrInvalid, MaxDocumentSize)
	}
	return data, nil
}

// Parse reads a VEX document of any supported format; name is recorded in the statements.
func Parse(data []byte, name string) ([]Statement, error) {
	var probe struct {
		Context   string          `json:"@context"`
		BOMFormat string          `json:"bomFormat"`
		Document  json.RawMessage `json:"document"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonError(data, err))
	}
	switch {
	case probe.Context != "":
		doc, err := ParseOpenVEX(data)
		if err != nil {
			return nil, err
		}
		return OpenVEXStatements(doc, name), nil
	case probe.BOMFormat == "CycloneDX":
		return ParseCycloneDX(data, name)
	case len(probe.Document) > 0 && bytes.Contains(probe.Document, []byte(`"csaf_version"`)):
		return ParseCSAF(data, name)
	}
	return nil, fmt.Errorf("%w: not OpenVEX (@context), CycloneDX (bomFormat) or CSAF (document.csaf_version) JSON", ErrInvalid)
}

// ReadOpenVEX reads an OpenVEX document file (for 'hallmark vex add' and 'vex merge').
func ReadOpenVEX(path string) (*Document, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	doc, err := ParseOpenVEX(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}
