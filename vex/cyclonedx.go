package vex

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// CycloneDX VEX (https://cyclonedx.org/capabilities/vex/): a CycloneDX JSON BOM whose
// vulnerabilities carry an analysis. Each vulnerability with an analysis state gives one
// statement whose products are its affects: bom-refs of the BOM's components (resolved to
// their purls, the ref kept too), purls, or BOM-Links (urn:cdx:SERIAL/VERSION#REF, matched by
// REF). Version ranges in affects[].versions are not evaluated: the ref's component is the
// product. XML is not read.

// cdxState maps a CycloneDX analysis state to an OpenVEX status.
var cdxState = map[cdx.ImpactAnalysisState]string{
	cdx.IASResolved:             StatusFixed,
	cdx.IASResolvedWithPedigree: StatusFixed,
	cdx.IASExploitable:          StatusAffected,
	cdx.IASInTriage:             StatusUnderInvestigation,
	cdx.IASFalsePositive:        StatusNotAffected,
	cdx.IASNotAffected:          StatusNotAffected,
}

// cdxJustification maps a CycloneDX justification to the nearest OpenVEX one (the mapping
// of the CISA "VEX status justifications" comparison); the original is kept in the status
// notes.
var cdxJustification = map[cdx.ImpactAnalysisJustification]string{
	cdx.IAJCodeNotPresent:               "vulnerable_code_not_present",
	cdx.IAJCodeNotReachable:             "vulnerable_code_not_in_execute_path",
	cdx.IAJRequiresConfiguration:        "vulnerable_code_cannot_be_controlled_by_adversary",
	cdx.IAJRequiresDependency:           "component_not_present",
	cdx.IAJRequiresEnvironment:          "vulnerable_code_cannot_be_controlled_by_adversary",
	cdx.IAJProtectedByCompiler:          "inline_mitigations_already_exist",
	cdx.IAJProtectedAtRuntime:           "inline_mitigations_already_exist",
	cdx.IAJProtectedAtPerimeter:         "inline_mitigations_already_exist",
	cdx.IAJProtectedByMitigatingControl: "inline_mitigations_already_exist",
}

// ParseCycloneDX reads the VEX statements of a CycloneDX JSON BOM. A false_positive state
// becomes not_affected with the impact statement "False positive"; an exploitable one
// becomes affected with the responses and detail as action statement.
func ParseCycloneDX(data []byte, name string) ([]Statement, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxDocumentSize)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonError(data, err))
	}
	purls := map[string]string{} // bom-ref → purl
	var walk func(cs *[]cdx.Component, depth int)
	walk = func(cs *[]cdx.Component, depth int) {
		if cs == nil || depth > maxDepth {
			return
		}
		for i := range *cs {
			c := &(*cs)[i]
			if c.BOMRef != "" && c.PackageURL != "" {
				purls[c.BOMRef] = c.PackageURL
			}
			walk(c.Components, depth+1)
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk(&[]cdx.Component{*bom.Metadata.Component}, 0)
	}
	walk(bom.Components, 0)
	var docTime time.Time
	if bom.Metadata != nil {
		docTime = parseTime(bom.Metadata.Timestamp)
	}
	if bom.Vulnerabilities == nil {
		return nil, nil
	}
	var out []Statement
	for vi, v := range *bom.Vulnerabilities {
		if v.Analysis == nil || v.Analysis.State == "" || v.ID == "" || v.Affects == nil {
			continue
		}
		status, ok := cdxState[v.Analysis.State]
		if !ok {
			return nil, fmt.Errorf("%w: vulnerabilities[%d]: unknown analysis state %q", ErrInvalid, vi, v.Analysis.State)
		}
		st := Statement{
			Vulnerability: v.ID, Status: status, Format: FormatCycloneDX, Document: name,
			DocumentID: bom.SerialNumber, Ref: fmt.Sprintf("vulnerabilities[%d]", vi),
			Timestamp: docTime,
		}
		if v.BOMRef != "" {
			st.Ref = v.BOMRef
		}
		if v.References != nil {
			for _, r := range *v.References {
				if r.ID != "" && r.ID != v.ID {
					st.Aliases = append(st.Aliases, r.ID)
				}
			}
		}
		for _, ts := range []string{v.Analysis.LastUpdated, v.Analysis.FirstIssued, v.Updated, v.Published} {
			if t := parseTime(ts); !t.IsZero() {
				st.Timestamp = t
				break
			}
		}
		for _, a := range *v.Affects {
			ref := a.Ref
			if i := strings.LastIndex(ref, "#"); strings.HasPrefix(ref, "urn:cdx:") && i >= 0 {
				ref = ref[i+1:]
			}
			if ref == "" {
				continue
			}
			ids := []string{ref}
			if p := purls[ref]; p != "" {
				ids = []string{p, ref}
			}
			st.Products = append(st.Products, Product{IDs: ids})
		}
		detail := strings.TrimSpace(v.Analysis.Detail)
		switch status {
		case StatusNotAffected:
			st.Justification = cdxJustification[v.Analysis.Justification]
			if v.Analysis.Justification != "" {
				st.StatusNotes = "CycloneDX justification: " + string(v.Analysis.Justification)
			}
			st.ImpactStatement = detail
			if v.Analysis.State == cdx.IASFalsePositive {
				st.ImpactStatement = joinText("False positive.", detail)
			}
		case StatusAffected:
			var resp []string
			if v.Analysis.Response != nil {
				for _, r := range *v.Analysis.Response {
					resp = append(resp, string(r))
				}
			}
			st.ActionStatement = detail
			if len(resp) > 0 {
				st.ActionStatement = joinText("Response: "+strings.Join(slices.Compact(resp), ", ")+".", detail)
			}
			if st.ActionStatement == "" {
				st.ActionStatement = "No response is given in the CycloneDX document."
			}
		default:
			st.StatusNotes = detail
		}
		if err := st.check(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, st.Ref, err)
		}
		out = append(out, st)
		if len(out) > MaxStatements {
			return nil, fmt.Errorf("%w: more than %d statements", ErrInvalid, MaxStatements)
		}
	}
	return out, nil
}
