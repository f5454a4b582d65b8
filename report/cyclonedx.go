package report

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
// deterministic: the serial number is derived from the content.
func WriteCycloneDX(w io.Writer, r *Result) error {
	if r.Inventory == nil {
		return errors.New("cyclonedx: the scan result has no inventory to describe; scan the target again")
	}
	var sbomDoc bytes.Buffer
	err := cyclonedx.Encode(&sbomDoc, r.Inventory, cyclonedx.EncodeOptions{
		SpecVersion: "1.6",
		Timestamp:   r.Created,
		ToolName:    r.Tool.Name,
		ToolVersion: r.Tool.Version,
	})
	if err != nil {
		return err
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(&sbomDoc, cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return fmt.Errorf("cyclonedx: reading back the SBOM: %w", err)
	}
	refs := map[string]bool{}
	if bom.Components != nil {
		for _, c := range *bom.Components {
			refs[c.BOMRef] = true
		}
	}
	findings := sortedFindings(r.Findings)
	if len(findings) > 0 {
		vulns := make([]cdx.Vulnerability, 0, len(findings))
		for _, f := range findings {
			if f.Package.Ref == "" || !refs[f.Package.Ref] {
				return fmt.Errorf("cyclonedx: finding %s names package %q, which is not in the scanned inventory", f.ID, f.Package.Ref)
			}
			vulns = append(vulns, cdxVulnerability(f))
		}
		bom.Vulnerabilities = &vulns
	}
	// The serial number is derived from the whole document, vulnerabilities included, the
	// way format/cyclonedx derives it from an SBOM: a SHA-256 of the document written without
	// serial number, as an RFC 9562 version 8 UUID.
	bom.SerialNumber = ""
	var buf bytes.Buffer
	if err := writeBOM(&buf, &bom); err != nil {
		return err
	}
	bom.SerialNumber = contentUUID(buf.Bytes())
	buf.Reset()
	if err := writeBOM(&buf, &bom); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func writeBOM(w io.Writer, bom *cdx.BOM) error {
	if err := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom); err != nil {
		return fmt.Errorf("cyclonedx: encoding: %w", err)
	}
	return nil
}

// contentUUID makes an RFC 9562 version 8 (custom) UUID URN from the SHA-256 of doc.
func contentUUID(doc []byte) string {
	sum := sha256.Sum256(doc)
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func cdxVulnerability(f Finding) cdx.Vulnerability {
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
