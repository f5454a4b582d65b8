package vex

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
)

// OpenVEX 0.2.0 documents.
const (
	// Context is the @context of OpenVEX 0.2.0 documents.
	Context = "https://openvex.dev/ns/v0.2.0"
	// idPrefix is the @id prefix of documents named by their content, the convention of
	// go-vex and vexctl.
	idPrefix = "https://openvex.dev/docs/public/vex-"
)

// ParseOpenVEX parses an OpenVEX 0.2.0 document and checks every statement against the
// spec's rules (see Statement). Older OpenVEX versions are refused with a message saying so.
func ParseOpenVEX(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxDocumentSize)
	}
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonError(data, err))
	}
	if doc.Context != Context {
		if strings.HasPrefix(doc.Context, "https://openvex.dev/ns") {
			return nil, fmt.Errorf("%w: OpenVEX @context %q: only %s (OpenVEX 0.2.0) is supported; convert the document with 'vexctl merge' first", ErrInvalid, doc.Context, Context)
		}
		return nil, fmt.Errorf("%w: @context %q is not OpenVEX 0.2.0 (%s)", ErrInvalid, doc.Context, Context)
	}
	if len(doc.Statements) > MaxStatements {
		return nil, fmt.Errorf("%w: more than %d statements", ErrInvalid, MaxStatements)
	}
	for i := range doc.Statements {
		// The product limits before the statement is converted (check repeats them for
		// every format).
		s := &doc.Statements[i]
		if err := checkProductCounts(len(s.Products), func(j int) int { return len(s.Products[j].Subcomponents) }); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, statementRef(s, i), err)
		}
		st := openVEXStatement(&doc, i, "", 0)
		if err := st.check(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, st.Ref, err)
		}
	}
	return &doc, nil
}

// jsonError adds the line of a syntax or type error.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	return fmt.Errorf("line %d: %w", 1+bytes.Count(data[:off], []byte("\n")), err)
}

// statementRef is where statement i is in its document: its @id, else its JSON path.
func statementRef(s *OpenVEXStatement, i int) string {
	if s.ID != "" {
		return s.ID
	}
	return fmt.Sprintf("statements[%d]", i)
}

// openVEXStatement converts statement i of doc; the timestamp falls back to the document's.
func openVEXStatement(doc *Document, i int, name string, _ int) Statement {
	s := &doc.Statements[i]
	st := Statement{
		Vulnerability: s.Vulnerability.Name, Status: s.Status,
		Justification: s.Justification, ImpactStatement: s.ImpactStatement,
		ActionStatement: s.ActionStatement, StatusNotes: s.StatusNotes,
		Format: FormatOpenVEX, Document: name, DocumentID: doc.ID,
		Ref: statementRef(s, i),
	}
	if s.Vulnerability.ID != "" {
		st.Aliases = append(st.Aliases, s.Vulnerability.ID)
	}
	st.Aliases = append(st.Aliases, s.Vulnerability.Aliases...)
	switch {
	case s.Timestamp != nil && !s.Timestamp.IsZero():
		st.Timestamp = *s.Timestamp
	case doc.Timestamp != nil:
		st.Timestamp = *doc.Timestamp
	}
	for _, p := range s.Products {
		prod := Product{IDs: componentIDs(p.Component)}
		for _, sc := range p.Subcomponents {
			prod.Subcomponents = append(prod.Subcomponents, componentIDs(sc)...)
		}
		st.Products = append(st.Products, prod)
	}
	return st
}

// componentIDs lists the identifiers of an OpenVEX component: @id, identifiers, and hashes
// as "ALGO:HEX" (sha-256 written sha256, as image digests are).
func componentIDs(c Component) []string {
	var ids []string
	if c.ID != "" {
		ids = append(ids, c.ID)
	}
	for _, t := range slices.Sorted(mapKeys(c.Identifiers)) {
		ids = append(ids, c.Identifiers[t])
	}
	for _, a := range slices.Sorted(mapKeys(c.Hashes)) {
		ids = append(ids, strings.ReplaceAll(a, "-", "")+":"+c.Hashes[a])
	}
	return ids
}

func mapKeys[K ~string, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// OpenVEXStatements returns the statements of an OpenVEX document read from the file name.
func OpenVEXStatements(doc *Document, name string) []Statement {
	out := make([]Statement, 0, len(doc.Statements))
	for i := range doc.Statements {
		out = append(out, openVEXStatement(doc, i, name, i))
	}
	return out
}

// StatementOptions are the values of one statement to write ('hallmark vex create' and
// 'vex add').
type StatementOptions struct {
	// Products are purls or other IRIs.
	Products        []string
	Vulnerability   string
	Status          string
	Justification   string
	ImpactStatement string
	ActionStatement string
	StatusNotes     string
}

// NewStatement makes a statement stamped with now, enforcing the spec's rules: a known
// status; not_affected needs one of the five justifications or an impact statement;
// affected needs an action statement; a justification or impact statement only with
// not_affected, an action statement only with affected; products are valid purls or
// absolute IRIs.
func NewStatement(o StatementOptions, now time.Time) (OpenVEXStatement, error) {
	if len(o.Products) == 0 {
		return OpenVEXStatement{}, errors.New("a statement needs a product (a purl such as pkg:npm/lodash@4.17.20)")
	}
	if o.Vulnerability == "" || strings.ContainsAny(o.Vulnerability, " \t\r\n") {
		return OpenVEXStatement{}, fmt.Errorf("vulnerability %q: want an ID such as CVE-2021-23337 or GHSA-35jh-r3h4-6jhm", o.Vulnerability)
	}
	t := now.UTC().Truncate(time.Second)
	st := OpenVEXStatement{
		Vulnerability:   Vulnerability{Name: o.Vulnerability},
		Timestamp:       &t,
		Status:          o.Status,
		StatusNotes:     o.StatusNotes,
		Justification:   o.Justification,
		ImpactStatement: o.ImpactStatement,
		ActionStatement: o.ActionStatement,
	}
	for _, p := range o.Products {
		if err := checkIRI(p); err != nil {
			return OpenVEXStatement{}, err
		}
		st.Products = append(st.Products, OpenVEXProduct{Component: Component{ID: p}})
	}
	if err := validate(&st); err != nil {
		return OpenVEXStatement{}, err
	}
	return st, nil
}

// checkIRI accepts a purl that parses or an absolute IRI without spaces.
func checkIRI(s string) error {
	if strings.HasPrefix(s, "pkg:") {
		if _, err := packageurl.FromString(s); err != nil {
			return fmt.Errorf("product %q: not a valid purl: %v", s, err)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("product %q: want a purl (pkg:TYPE/NAME@VERSION) or an absolute IRI", s)
	}
	return nil
}

// Create makes a document by author (default "Unknown Author") issued at now, with one
// statement; its @id is derived from its content when written.
func Create(author string, now time.Time, st OpenVEXStatement) *Document {
	t := now.UTC().Truncate(time.Second)
	return &Document{
		Context: Context, Author: cmp.Or(author, "Unknown Author"),
		Timestamp: &t, Version: 1, Tooling: "hallmark",
		Statements: []OpenVEXStatement{st},
	}
}

// Add appends a statement to doc: the document's version is incremented and last_updated
// set to now; its @id and issue timestamp stay (it is the same document, changed).
func Add(doc *Document, now time.Time, st OpenVEXStatement) error {
	if len(doc.Statements) >= MaxStatements {
		return fmt.Errorf("the document already has %d statements", len(doc.Statements))
	}
	t := now.UTC().Truncate(time.Second)
	doc.Statements = append(doc.Statements, st)
	doc.Version = max(doc.Version, 0) + 1
	doc.LastUpdated = &t
	return nil
}

// Write writes doc as indented JSON. A document without @id gets one derived from its
// content (SHA-256 of the document written without it), so the same input gives the same
// document. A document of more than MaxStatements statements (Merge splits statements per
// product, so it can make one) is refused, with nothing written: it could not be read back.
func Write(w io.Writer, doc *Document) error {
	if n := len(doc.Statements); n > MaxStatements {
		return fmt.Errorf("the document would have %d statements, more than the limit of %d a VEX document read here may have: split it (merge fewer documents at a time)", n, MaxStatements)
	}
	if doc.ID == "" {
		body, err := encode(doc)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		doc.ID = idPrefix + hex.EncodeToString(sum[:])
	}
	body, err := encode(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

func encode(doc *Document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// validate enforces the spec's rules on a statement to be written: those of check, and
// that a justification or impact statement goes only with not_affected and an action
// statement only with affected.
func validate(s *OpenVEXStatement) error {
	st := Statement{
		Vulnerability: s.Vulnerability.Name, Status: s.Status, Justification: s.Justification,
		ImpactStatement: s.ImpactStatement, ActionStatement: s.ActionStatement,
		Products: make([]Product, len(s.Products)),
	}
	if err := st.check(); err != nil {
		return err
	}
	if s.Status != StatusNotAffected && (s.Justification != "" || s.ImpactStatement != "") {
		return fmt.Errorf("status %s takes no justification or impact statement (only not_affected does)", s.Status)
	}
	if s.Status != StatusAffected && s.ActionStatement != "" {
		return fmt.Errorf("status %s takes no action statement (only affected does)", s.Status)
	}
	return nil
}
