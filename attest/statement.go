package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// StatementType is the _type of an in-toto Statement v1
// (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).
const StatementType = "https://in-toto.io/Statement/v1"

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// PredicateTypes maps the short names accepted by "hallmark attest --type" to predicate type
// URIs. The names follow cosign's; "slsaprovenance" is SLSA v1.0 (cosign's is v0.2, available
// here as "slsaprovenance02").
var PredicateTypes = map[string]string{
	"slsaprovenance":   "https://slsa.dev/provenance/v1",
	"slsaprovenance1":  "https://slsa.dev/provenance/v1",
	"slsaprovenance02": "https://slsa.dev/provenance/v0.2",
	"openvex":          "https://openvex.dev/ns/v0.2.0",
	"cyclonedx":        "https://cyclonedx.org/bom",
	"spdx":             "https://spdx.dev/Document",
	"spdxjson":         "https://spdx.dev/Document",
	"vuln":             "https://cosign.sigstore.dev/attestation/vuln/v1",
}

// PredicateType resolves a --type value: a short name from PredicateTypes, or an absolute URI
// used as is.
func PredicateType(name string) (string, error) {
	if uri, ok := PredicateTypes[name]; ok {
		return uri, nil
	}
	if u, err := url.Parse(name); err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") {
		return name, nil
	}
	names := make([]string, 0, len(PredicateTypes))
	for n := range PredicateTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return "", fmt.Errorf("unknown predicate type %q: use one of %s, or a URI", name, strings.Join(names, ", "))
}

// Statement is an in-toto Statement v1: what is attested (Subject), about which artifacts.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate,omitempty"`
}

// Subject is a ResourceDescriptor naming an artifact and its digests (algorithm → lowercase
// hex). Hallmark writes name and digest only.
type Subject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// NewStatement builds a statement after checking that predicate is one JSON object.
func NewStatement(predicateType string, predicate []byte, subjects []Subject) (*Statement, error) {
	if len(subjects) == 0 {
		return nil, errors.New("a statement needs at least one subject")
	}
	if len(predicate) > MaxPredicateSize {
		return nil, fmt.Errorf("predicate larger than %d bytes", MaxPredicateSize)
	}
	trimmed := bytes.TrimSpace(predicate)
	if !json.Valid(trimmed) || len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("the predicate is not a JSON object")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, trimmed); err != nil {
		return nil, err
	}
	return &Statement{Type: StatementType, Subject: subjects, PredicateType: predicateType, Predicate: compact.Bytes()}, nil
}

// ParseStatement decodes an in-toto Statement v1 and checks its type and subjects.
func ParseStatement(data []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	if st.Type != StatementType && st.Type != "https://in-toto.io/Statement/v0.1" {
		return nil, fmt.Errorf("in-toto statement: unknown _type %q", st.Type)
	}
	if len(st.Subject) == 0 {
		return nil, errors.New("in-toto statement: no subject")
	}
	return &st, nil
}
