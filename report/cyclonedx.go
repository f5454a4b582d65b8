package report

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
)

func init() {
	Renderers["cyclonedx-json"] = WriteCycloneDX
}

// WriteCycloneDX writes the scanned inventory as a CycloneDX 1.6 JSON BOM (format/cyclonedx's
// encoding, with the scan time as metadata.timestamp and the scanner as tool) carrying the
// findings in its vulnerabilities array, as CycloneDX's "BOM with embedded VDR"
// (https://cyclonedx.org/docs/1.6/json/#vulnerabilities). Each finding is one entry:
//
//   - id and source: the primary OSV advisory; references: the other advisories and aliases
//     (CVE IDs point at NVD, GHSA IDs at GitHub, others at OSV);
//   - ratings: the finding's severity, with the CVSS method and vector when there is one;
//   - description: the summary; recommendation: the fix advice;
//   - affects: the component's bom-ref with its version "affected" and the fixed versions
//     "unaffected";
//   - analysis: for a finding accepted by the ignore file, state "not_affected" with the reason
//     as detail (no justification: the ignore file does not say which one applies).
//
// The result must carry its inventory (WriteJSON writes it; scan.Run sets it). The output is
// deterministic: the serial number is derived from the content. The document is encoded
// twice (for that digest, then to w), its components, dependencies and vulnerabilities in
// chunks, on all cores, and is not held whole in memory.
func WriteCycloneDX(w io.Writer, r *Result) error {
	p, err := cycloneDXPartsOf(r)
	if err != nil {
		return err
	}
	// Each list is a top-level member, whose key no other top-level member has.
	var lists []*jsonList
	if p.bom.Components != nil {
		lists = append(lists, &jsonList{indent: "  ", name: "components", n: len(p.components), encode: func(i int, enc *json.Encoder) error {
			return enc.Encode(&p.components[i])
		}})
	}
	if p.bom.Dependencies != nil {
		lists = append(lists, &jsonList{indent: "  ", name: "dependencies", n: len(p.dependencies), encode: func(i int, enc *json.Encoder) error {
			return enc.Encode(&p.dependencies[i])
		}})
	}
	if p.bom.Vulnerabilities != nil {
		lists = append(lists, &jsonList{indent: "  ", name: "vulnerabilities", n: len(p.findings), encode: func(i int, enc *json.Encoder) error {
			v := cdxVulnerability(p.findings[i])
			return enc.Encode(&v)
		}})
	}
	// The serial number is derived from the whole document, vulnerabilities included, the
	// way format/cyclonedx derives it from an SBOM: a SHA-256 of the document written without
	// serial number, as an RFC 9562 version 8 UUID.
	err = writeHashed(w, func(sum []byte) any {
		p.bom.SerialNumber = ""
		if sum != nil {
			p.bom.SerialNumber = contentUUID(sum)
		}
		return p.bom
	}, lists)
	if err != nil {
		return fmt.Errorf("cyclonedx: encoding: %w", err)
	}
	return nil
}

// errSBOMNotRead ends format/cyclonedx's encoding when its output cannot be read.
var errSBOMNotRead = errors.New("cyclonedx: the SBOM was not read")

// placeholderSerial is the serial number format/cyclonedx is given for the SBOM it encodes,
// so that it does not derive one that WriteCycloneDX replaces anyway.
const placeholderSerial = "urn:uuid:00000000-0000-0000-0000-000000000000"

// cycloneDXParts is a CycloneDX BOM in parts: the BOM with its long lists (components,
// dependencies, vulnerabilities) empty where they are written and nil where they are not,
// and what those lists are made of.
type cycloneDXParts struct {
	bom *cdx.BOM
	// components and dependencies are format/cyclonedx's, as it encoded them but compact;
	// refs are the components' bom-refs.
	components, dependencies []json.RawMessage
	refs                     map[string]bool
	// findings are the findings, in order, each a vulnerability (cdxVulnerability).
	findings []*Finding
}

// cycloneDXPartsOf returns in parts format/cyclonedx's BOM of the result's inventory with the
// vulnerabilities of its findings.
func cycloneDXPartsOf(r *Result) (*cycloneDXParts, error) {
	if r.Inventory == nil {
		return nil, errors.New("cyclonedx: the scan result has no inventory to describe; scan the target again")
	}
	// format/cyclonedx's encoding is read back as it is written, its long lists element by
	// element: neither the document nor its copy in a decoder's buffer is held.
	pr, pw := io.Pipe()
	encoded := make(chan error, 1)
	go func() {
		err := cyclonedx.Encode(pw, r.Inventory, cyclonedx.EncodeOptions{
			SpecVersion:  "1.6",
			Timestamp:    r.Created,
			SerialNumber: placeholderSerial,
			ToolName:     r.Tool.Name,
			ToolVersion:  r.Tool.Version,
		})
		pw.CloseWithError(err)
		encoded <- err
	}()
	p, err := readBOM(pr)
	if err == nil {
		_, err = io.Copy(io.Discard, pr) // the end of the encoding, until it returns
	}
	pr.CloseWithError(errSBOMNotRead) // ends the encoding if reading failed
	if encErr := <-encoded; encErr != nil && !errors.Is(encErr, errSBOMNotRead) {
		return nil, encErr
	}
	if err != nil {
		return nil, fmt.Errorf("cyclonedx: reading back the SBOM: %w", err)
	}
	p.findings = sortedFindings(r.Findings)
	for _, f := range p.findings {
		if f.Package.Ref == "" || !p.refs[f.Package.Ref] {
			return nil, fmt.Errorf("cyclonedx: finding %s names package %q, which is not in the scanned inventory", f.ID, f.Package.Ref)
		}
	}
	if len(p.findings) > 0 {
		p.bom.Vulnerabilities = &[]cdx.Vulnerability{}
	}
	return p, nil
}

// readBOM reads a CycloneDX JSON BOM in parts, its components and dependencies one by one
// and its other members as one object (a null list is left out).
func readBOM(rd io.Reader) (*cycloneDXParts, error) {
	dec := json.NewDecoder(rd)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object: %v", cmp.Or(err, fmt.Errorf("%v", t)))
	}
	p := &cycloneDXParts{bom: &cdx.BOM{}, refs: map[string]bool{}}
	var head bytes.Buffer
	head.WriteByte('{')
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		switch key {
		case "components":
			p.components, err = readList(dec, func(raw []byte) error {
				var c struct {
					BOMRef string `json:"bom-ref"`
				}
				err := json.Unmarshal(raw, &c)
				p.refs[c.BOMRef] = true
				return err
			})
		case "dependencies":
			p.dependencies, err = readList(dec, nil)
		default:
			var raw json.RawMessage
			if err = dec.Decode(&raw); err == nil {
				k, _ := json.Marshal(key)
				if head.Len() > 1 {
					head.WriteByte(',')
				}
				head.Write(k)
				head.WriteByte(':')
				head.Write(raw)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	head.WriteByte('}')
	if err := json.Unmarshal(head.Bytes(), p.bom); err != nil {
		return nil, err
	}
	if p.components != nil {
		p.bom.Components = &[]cdx.Component{}
	}
	if p.dependencies != nil {
		p.bom.Dependencies = &[]cdx.Dependency{}
	}
	return p, nil
}

// readList reads a JSON array element by element, each passed to each (unless nil) and kept
// as compact JSON: nil for null, else a list that is not nil. The compact JSON of a value
// encoding/json encoded is what encoding/json encodes of it decoded: the elements are
// written as format/cyclonedx wrote them, without decoding them (which took three times the
// memory and more time).
func readList(dec *json.Decoder, each func(raw []byte) error) ([]json.RawMessage, error) {
	t, err := dec.Token()
	if err != nil || t == nil {
		return nil, err
	}
	if t != json.Delim('[') {
		return nil, fmt.Errorf("not a list: %v", t)
	}
	out := []json.RawMessage{}
	var buf bytes.Buffer
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if each != nil {
			if err := each(raw); err != nil {
				return nil, err
			}
		}
		buf.Reset()
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		out = append(out, bytes.Clone(buf.Bytes()))
	}
	_, err = dec.Token()
	return out, err
}

// contentUUID makes an RFC 9562 version 8 (custom) UUID URN from a SHA-256.
func contentUUID(sum []byte) string {
	u := slices.Clone(sum[:16])
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func cdxVulnerability(f *Finding) cdx.Vulnerability {
	v := cdx.Vulnerability{
		ID:             f.ID,
		Source:         &cdx.Source{Name: "OSV", URL: cmp.Or(f.URL, "https://osv.dev/vulnerability/"+f.ID)},
		Description:    f.Summary,
		Recommendation: fixAdvice(f),
	}
	v.Advisories = &[]cdx.Advisory{{Title: f.ID, URL: v.Source.URL}}
	var refs []cdx.VulnerabilityReference
	seen := map[string]bool{f.ID: true}
	for _, id := range append(append([]string{}, f.Advisories...), f.Aliases...) {
		if seen[id] {
			continue
		}
		seen[id] = true
		refs = append(refs, cdx.VulnerabilityReference{ID: id, Source: advisorySource(id)})
	}
	if len(refs) > 0 {
		v.References = &refs
	}
	v.Ratings = &[]cdx.VulnerabilityRating{cdxRating(f.Severity)}
	if t, err := time.Parse(time.RFC3339, f.Modified); err == nil {
		v.Updated = t.UTC().Format(time.RFC3339)
	}
	versions := []cdx.AffectedVersions{{Version: f.Package.Version, Status: cdx.VulnerabilityStatusAffected}}
	for _, fixed := range f.FixedVersions {
		if fixed != f.Package.Version {
			versions = append(versions, cdx.AffectedVersions{Version: fixed, Status: cdx.VulnerabilityStatusNotAffected})
		}
	}
	v.Affects = &[]cdx.Affects{{Ref: f.Package.Ref, Range: &versions}}
	if ig := f.Ignored; ig != nil {
		detail := ig.Reason
		if ig.Expires != "" {
			detail += " (accepted until " + ig.Expires
			if ig.Source != "" {
				detail += " in " + ig.Source
			}
			detail += ")"
		}
		v.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Detail: detail}
	} else if x := f.VEX; x != nil {
		v.Analysis = cdxAnalysis(x)
	}
	return v
}

// cdxAnalysis maps an applied VEX statement to a CycloneDX analysis (the inverse of the
// mapping package vex reads CycloneDX VEX with).
func cdxAnalysis(x *VEXStatement) *cdx.VulnerabilityAnalysis {
	a := &cdx.VulnerabilityAnalysis{Detail: strings.TrimSpace(x.ImpactStatement + " " + x.StatusNotes)}
	switch x.Status {
	case "not_affected":
		a.State = cdx.IASNotAffected
		switch x.Justification {
		case "component_not_present", "vulnerable_code_not_present":
			a.Justification = cdx.IAJCodeNotPresent
		case "vulnerable_code_not_in_execute_path":
			a.Justification = cdx.IAJCodeNotReachable
		case "vulnerable_code_cannot_be_controlled_by_adversary":
			a.Justification = cdx.IAJProtectedByMitigatingControl
		case "inline_mitigations_already_exist":
			a.Justification = cdx.IAJProtectedAtRuntime
		}
	case "fixed":
		a.State = cdx.IASResolved
	case "affected":
		a.State = cdx.IASExploitable
		if x.ActionStatement != "" {
			resp := []cdx.ImpactAnalysisResponse{cdx.IARUpdate}
			a.Response = &resp
			a.Detail = strings.TrimSpace(a.Detail + " " + x.ActionStatement)
		}
	case "under_investigation":
		a.State = cdx.IASInTriage
	default:
		return nil
	}
	return a
}

// cdxRating maps a finding's severity to a CycloneDX rating: the CVSS version of the vector
// as the method, or "other" for an ecosystem's label.
func cdxRating(s Severity) cdx.VulnerabilityRating {
	r := cdx.VulnerabilityRating{Severity: cdx.Severity(s.Level)}
	if LevelRank(s.Level) < 0 {
		r.Severity = cdx.SeverityUnknown
	}
	switch s.Type {
	case "CVSS_V2":
		r.Method = cdx.ScoringMethodCVSSv2
	case "CVSS_V3":
		r.Method = cdx.ScoringMethodCVSSv31
		if strings.HasPrefix(s.Vector, "CVSS:3.0/") {
			r.Method = cdx.ScoringMethodCVSSv3
		}
	case "CVSS_V4":
		r.Method = cdx.ScoringMethodCVSSv4
	case "ecosystem":
		r.Method = cdx.ScoringMethodOther
		r.Justification = "the advisory's severity label " + s.Vector
		return r
	default:
		return r
	}
	score := s.Score
	r.Score = &score
	r.Vector = s.Vector
	return r
}

// advisorySource names the database an advisory ID belongs to, with the ID's page.
func advisorySource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}
