package vex

import (
	"encoding/json"
	"time"
)

// The OpenVEX 0.2.0 data model (spec section "Data Model"; JSON schema
// openvex_json_schema.json). It mirrors github.com/openvex/go-vex's pkg/vex types, which
// cannot be used yet: go-vex v0.2.9 imports github.com/in-toto/attestation, which this
// module's go.sum does not list. Statement versions and suppliers are not modelled.

// Document is an OpenVEX document.
type Document struct {
	Context     string             `json:"@context"`
	ID          string             `json:"@id"`
	Author      string             `json:"author"`
	Role        string             `json:"role,omitempty"`
	Timestamp   *time.Time         `json:"timestamp"`
	LastUpdated *time.Time         `json:"last_updated,omitempty"`
	Version     int                `json:"version"`
	Tooling     string             `json:"tooling,omitempty"`
	Statements  []OpenVEXStatement `json:"statements"`
}

// OpenVEXStatement is one statement of a Document.
type OpenVEXStatement struct {
	ID                       string           `json:"@id,omitempty"`
	Vulnerability            Vulnerability    `json:"vulnerability"`
	Timestamp                *time.Time       `json:"timestamp,omitempty"`
	LastUpdated              *time.Time       `json:"last_updated,omitempty"`
	Products                 []OpenVEXProduct `json:"products,omitempty"`
	Status                   string           `json:"status"`
	StatusNotes              string           `json:"status_notes,omitempty"`
	Justification            string           `json:"justification,omitempty"`
	ImpactStatement          string           `json:"impact_statement,omitempty"`
	ActionStatement          string           `json:"action_statement,omitempty"`
	ActionStatementTimestamp *time.Time       `json:"action_statement_timestamp,omitempty"`
}

// Vulnerability names a vulnerability.
type Vulnerability struct {
	ID          string   `json:"@id,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

// Component is software named by an IRI, identifiers (purl, cpe22, cpe23) or hashes.
type Component struct {
	ID          string            `json:"@id,omitempty"`
	Identifiers map[string]string `json:"identifiers,omitempty"`
	Hashes      map[string]string `json:"hashes,omitempty"`
}

// OpenVEXProduct is a statement's product, possibly limited to some subcomponents.
type OpenVEXProduct struct {
	Component
	Subcomponents []Component `json:"subcomponents,omitempty"`
}

// timeJSON writes times in UTC, whole seconds (RFC 3339).
func timeJSON(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// MarshalJSON writes the timestamps in UTC.
func (d Document) MarshalJSON() ([]byte, error) {
	type plain Document
	return json.Marshal(struct {
		plain
		Timestamp   *string `json:"timestamp"`
		LastUpdated *string `json:"last_updated,omitempty"`
	}{plain(d), timeJSON(d.Timestamp), timeJSON(d.LastUpdated)})
}

// MarshalJSON writes the timestamps in UTC.
func (s OpenVEXStatement) MarshalJSON() ([]byte, error) {
	type plain OpenVEXStatement
	return json.Marshal(struct {
		plain
		Timestamp                *string `json:"timestamp,omitempty"`
		LastUpdated              *string `json:"last_updated,omitempty"`
		ActionStatementTimestamp *string `json:"action_statement_timestamp,omitempty"`
	}{plain(s), timeJSON(s.Timestamp), timeJSON(s.LastUpdated), timeJSON(s.ActionStatementTimestamp)})
}
