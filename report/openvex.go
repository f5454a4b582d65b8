package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

func init() {
	Renderers["openvex"] = WriteOpenVEX
}

// OpenVEX 0.2.0 (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md).
const (
	openVEXContext = "https://openvex.dev/ns/v0.2.0"
	// openVEXIDPrefix is the @id prefix of documents named by their content, the convention of
	// openvex/go-vex and vexctl.
	openVEXIDPrefix = "https://openvex.dev/docs/public/vex-"
)

type vexDocument struct {
	Context    string         `json:"@context"`
	ID         string         `json:"@id"`
	Author     string         `json:"author"`
	Role       string         `json:"role,omitempty"`
	Timestamp  string         `json:"timestamp"`
	Version    int            `json:"version"`
	Tooling    string         `json:"tooling,omitempty"`
	Statements []vexStatement `json:"statements"`
}

type vexStatement struct {
	Vulnerability   vexVulnerability `json:"vulnerability"`
	Products        []vexProduct     `json:"products"`
	Status          string           `json:"status"`
	StatusNotes     string           `json:"status_notes,omitempty"`
	Justification   string           `json:"justification,omitempty"`
	ImpactStatement string           `json:"impact_statement,omitempty"`
	ActionStatement string           `json:"action_statement,omitempty"`
}

type vexVulnerability struct {
	ID          string   `json:"@id,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

type vexProduct struct {
	ID string `json:"@id"`
}

// WriteOpenVEX writes the findings as an OpenVEX 0.2.0 document with one statement per
// finding: the vulnerability (primary ID, with the other advisories and aliases as aliases),
// the package's purl as the product, and
//
//   - status "affected" with the fix advice as action_statement, for an active finding;
//   - status "not_affected" with the ignore file's reason as impact_statement, for a finding
//     the ignore file accepts (no justification: the ignore file does not say which of the
//     spec's justifications applies).
//
// The author is "Hallmark", the timestamp the scan time, the version 1; the @id is derived
// from the content (a SHA-256 of the document written without it), so the same result gives
// the same document; the document is encoded twice (for that digest, then to w), its
// statements in chunks, on all cores, and is not held whole in memory. A package without
// purl is named by a "urn:hallmark:package:" IRI.
// A scan without findings gives a document with no statements, which says nothing: OpenVEX's
// JSON schema requires at least one statement, so such a document does not validate against it.
func WriteOpenVEX(w io.Writer, r *Result) error {
	doc, findings, err := openVEXParts(r)
	if err != nil {
		return err
	}
	// "statements" is the only top-level list.
	statements := &jsonList{indent: "  ", name: "statements", n: len(findings), encode: func(i int, enc *json.Encoder) error {
		st := vexStatementOf(findings[i])
		return enc.Encode(&st)
	}}
	return writeHashed(w, func(sum []byte) any {
		if sum != nil {
			doc.ID = openVEXIDPrefix + hex.EncodeToString(sum)
		}
		return &doc
	}, []*jsonList{statements})
}

// openVEXParts returns the OpenVEX document of the result without @id and with its
// statements left empty, and the findings its statements are made of (vexStatementOf), in
// order: one per distinct statement.
func openVEXParts(r *Result) (vexDocument, []*Finding, error) {
	doc := vexDocument{
		Context:    openVEXContext,
		Author:     "Hallmark",
		Role:       "Automated vulnerability scanner",
		Timestamp:  r.Created.UTC().Format(time.RFC3339),
		Version:    1,
		Tooling:    strings.TrimSpace(cmp.Or(r.Tool.Name, "hallmark") + " " + r.Tool.Version),
		Statements: []vexStatement{},
	}
	var kept []*Finding
	seen := map[[sha256.Size]byte]bool{}
	for _, f := range sortedFindings(r.Findings) {
		st := vexStatementOf(f)
		key, err := json.Marshal(st)
		if err != nil {
			return doc, nil, fmt.Errorf("openvex: encoding a statement: %w", err)
		}
		sum := sha256.Sum256(key)
		if seen[sum] {
			continue // the same package version found twice: one statement says it
		}
		seen[sum] = true
		kept = append(kept, f)
	}
	return doc, kept, nil
}

func vexStatementOf(f *Finding) vexStatement {
	var aliases []string
	for _, id := range append(append([]string{}, f.Advisories...), f.Aliases...) {
		if id != f.ID {
			aliases = append(aliases, id)
		}
	}
	slices.Sort(aliases)
	st := vexStatement{
		Vulnerability: vexVulnerability{
			Name:        f.ID,
			Description: f.Summary,
			Aliases:     slices.Compact(aliases),
		},
		Products: []vexProduct{{ID: productIRI(f.Package)}},
	}
	if strings.HasPrefix(f.URL, "https://") {
		st.Vulnerability.ID = f.URL
	}
	if ig := f.Ignored; ig != nil {
		st.Status = "not_affected"
		st.ImpactStatement = ig.Reason
		if ig.Expires != "" {
			st.StatusNotes = "Accepted in the ignore file " + ig.Source + " until " + ig.Expires + "."
			if ig.Source == "" {
				st.StatusNotes = "Accepted in the ignore file until " + ig.Expires + "."
			}
		}
		return st
	}
	if x := f.VEX; x != nil {
		// A VEX statement applied to the finding is carried over as it was made.
		st.Status = x.Status
		st.Justification = x.Justification
		st.ImpactStatement = x.ImpactStatement
		st.ActionStatement = x.ActionStatement
		st.StatusNotes = x.StatusNotes
		if st.Status == "affected" && st.ActionStatement == "" {
			st.ActionStatement = fixAdvice(f)
		}
		if st.Status == "not_affected" && st.Justification == "" && st.ImpactStatement == "" {
			st.ImpactStatement = "Stated not affected by " + x.Document + "."
		}
		return st
	}
	st.Status = "affected"
	st.ActionStatement = fixAdvice(f)
	return st
}

// productIRI names a package: its purl, or a URN made of its ecosystem, name and version.
func productIRI(p Package) string {
	if p.PURL != "" {
		return p.PURL
	}
	esc := func(s string) string {
		return strings.NewReplacer("%", "%25", " ", "%20", ":", "%3A", "/", "%2F").Replace(s)
	}
	return "urn:hallmark:package:" + esc(p.Ecosystem) + ":" + esc(p.Name) + ":" + esc(p.Version)
}
