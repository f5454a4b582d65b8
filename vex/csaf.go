package vex

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CSAF 2.0 VEX (https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html, profile 4.5
// "VEX"). Only what VEX needs is modelled: the product tree (branches, full product names,
// relationships and product groups), and per vulnerability its cve and ids, product_status,
// flags (machine-readable justifications), threats of category impact (impact statements)
// and remediations (action statements). Products are matched by the purl of their
// product_identification_helper; products without a purl are kept by product ID and name,
// which findings never carry, so they match nothing. CPEs, hashes and SBOM URLs are not used.

type csafDoc struct {
	Document struct {
		Category    string `json:"category"`
		CSAFVersion string `json:"csaf_version"`
		Tracking    struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		csafBranch
		FullProductNames []csafProduct `json:"full_product_names"`
		Relationships    []struct {
			Category            string      `json:"category"`
			FullProductName     csafProduct `json:"full_product_name"`
			ProductReference    string      `json:"product_reference"`
			RelatesToProductRef string      `json:"relates_to_product_reference"`
		} `json:"relationships"`
		ProductGroups []struct {
			GroupID    string   `json:"group_id"`
			ProductIDs []string `json:"product_ids"`
		} `json:"product_groups"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE string `json:"cve"`
		IDs []struct {
			Text string `json:"text"`
		} `json:"ids"`
		ProductStatus map[string][]string `json:"product_status"`
		Flags         []struct {
			Label      string   `json:"label"`
			Date       string   `json:"date"`
			GroupIDs   []string `json:"group_ids"`
			ProductIDs []string `json:"product_ids"`
		} `json:"flags"`
		Threats []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			GroupIDs   []string `json:"group_ids"`
			ProductIDs []string `json:"product_ids"`
		} `json:"threats"`
		Remediations []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			GroupIDs   []string `json:"group_ids"`
			ProductIDs []string `json:"product_ids"`
		} `json:"remediations"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Branches []csafBranch `json:"branches"`
	Product  *csafProduct `json:"product"`
}

type csafProduct struct {
	Name   string `json:"name"`
	ID     string `json:"product_id"`
	Helper struct {
		PURL string `json:"purl"`
	} `json:"product_identification_helper"`
}

// Limits on the work of reading a CSAF document beyond its size.
const (
	// maxCSAFWork bounds the product IDs compared to find each product's flags, threats
	// and remediations.
	maxCSAFWork = 50_000_000
	// maxText bounds an impact or action statement joined from several threats or
	// remediations (each statement has its own copy).
	maxText = 64 << 10
	// maxTextTotal bounds the impact and action statements of all a document's statements.
	maxTextTotal = 256 << 20
)

// csafStatus maps a CSAF product status to an OpenVEX status; recommended (a product the
// vendor recommends, not a statement about the vulnerability) maps to "".
var csafStatus = map[string]string{
	"known_not_affected":  StatusNotAffected,
	"fixed":               StatusFixed,
	"first_fixed":         StatusFixed,
	"known_affected":      StatusAffected,
	"first_affected":      StatusAffected,
	"last_affected":       StatusAffected,
	"under_investigation": StatusUnderInvestigation,
}

// ParseCSAF reads a CSAF 2.0 document into statements, one per vulnerability, product status
// and product. The flag of a product (its label is one of the OpenVEX justifications, by the
// same names) gives the justification, threats of category impact the impact statement,
// remediations the action statement ("vendor_fix: details"). An affected product without a
// remediation gets the action statement "No remediation is given in the CSAF document." so
// that it is a valid statement.
func ParseCSAF(data []byte, name string) ([]Statement, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxDocumentSize)
	}
	var doc csafDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonError(data, err))
	}
	if doc.Document.CSAFVersion != "2.0" {
		return nil, fmt.Errorf("%w: csaf_version %q, want 2.0", ErrInvalid, doc.Document.CSAFVersion)
	}
	products := map[string]Product{} // product ID → identifiers
	add := func(p *csafProduct) {
		if p == nil || p.ID == "" {
			return
		}
		ids := []string{p.ID}
		if p.Helper.PURL != "" {
			ids = append([]string{p.Helper.PURL}, ids...)
		}
		products[p.ID] = Product{IDs: ids}
	}
	var walk func(b *csafBranch, depth int) error
	walk = func(b *csafBranch, depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("%w: product_tree branches nested deeper than %d", ErrInvalid, maxDepth)
		}
		add(b.Product)
		for i := range b.Branches {
			if err := walk(&b.Branches[i], depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	tree := &doc.ProductTree
	if err := walk(&tree.csafBranch, 0); err != nil {
		return nil, err
	}
	for i := range tree.FullProductNames {
		add(&tree.FullProductNames[i])
	}
	// A relationship names a product made of a component inside a product: statements on it
	// are statements on the component (a subcomponent) within the containing product.
	for i := range tree.Relationships {
		r := &tree.Relationships[i]
		if r.FullProductName.ID == "" {
			continue
		}
		p := Product{IDs: products[r.RelatesToProductRef].IDs, Subcomponents: products[r.ProductReference].IDs}
		if r.FullProductName.Helper.PURL != "" {
			p = Product{IDs: []string{r.FullProductName.Helper.PURL, r.FullProductName.ID}}
		}
		products[r.FullProductName.ID] = p
	}
	groups := map[string][]string{}
	for _, g := range tree.ProductGroups {
		groups[g.GroupID] = g.ProductIDs
	}
	// work counts the product IDs compared while finding the flags, threats and remediations
	// of each product: a hostile document with many products and many flags on long lists
	// would otherwise take hours.
	work, text := 0, 0
	applies := func(pid string, productIDs, groupIDs []string) bool {
		work += len(productIDs) + 1
		if slices.Contains(productIDs, pid) {
			return true
		}
		for _, g := range groupIDs {
			work += len(groups[g]) + 1
			if slices.Contains(groups[g], pid) {
				return true
			}
		}
		return false
	}
	docTime := parseTime(doc.Document.Tracking.CurrentReleaseDate)
	var out []Statement
	for vi := range doc.Vulnerabilities {
		v := &doc.Vulnerabilities[vi]
		var names []string
		if v.CVE != "" {
			names = append(names, v.CVE)
		}
		for _, id := range v.IDs {
			if id.Text != "" && !slices.Contains(names, id.Text) {
				names = append(names, id.Text)
			}
		}
		if len(names) == 0 {
			continue // nothing to match a finding by
		}
		// CSAF 2.0 mandatory test 6.1.6 (Contradicting Product Status): a product is in at
		// most one of the affected, not affected, fixed and under investigation groups. Read
		// anyway, the statements would tie and the one read last would win.
		statusOf := map[string]string{} // product ID → status
		for _, key := range slices.Sorted(mapKeys(v.ProductStatus)) {
			status := csafStatus[key]
			if status == "" {
				continue
			}
			for _, pid := range v.ProductStatus[key] {
				if old, ok := statusOf[pid]; ok && old != status {
					return nil, fmt.Errorf("%w: vulnerabilities[%d].product_status: product %q is both %s and %s (CSAF 2.0 section 6.1.6, contradicting product status)", ErrInvalid, vi, pid, old, status)
				}
				statusOf[pid] = status
			}
		}
		for _, key := range slices.Sorted(mapKeys(v.ProductStatus)) {
			status := csafStatus[key]
			if status == "" {
				continue
			}
			for _, pid := range v.ProductStatus[key] {
				p, ok := products[pid]
				if !ok {
					p = Product{IDs: []string{pid}}
				}
				st := Statement{
					Vulnerability: names[0], Aliases: names[1:], Products: []Product{p}, Status: status,
					Timestamp: docTime, Format: FormatCSAF, Document: name, DocumentID: doc.Document.Tracking.ID,
					Ref: fmt.Sprintf("vulnerabilities[%d].product_status.%s", vi, key),
				}
				switch status {
				case StatusNotAffected:
					for _, f := range v.Flags {
						if applies(pid, f.ProductIDs, f.GroupIDs) && validJustification(f.Label) {
							st.Justification = f.Label
							if t := parseTime(f.Date); !t.IsZero() {
								st.Timestamp = t
							}
						}
					}
					for _, t := range v.Threats {
						if t.Category == "impact" && len(st.ImpactStatement) <= maxText && applies(pid, t.ProductIDs, t.GroupIDs) {
							st.ImpactStatement = joinText(st.ImpactStatement, t.Details)
						}
					}
					if st.Justification == "" && st.ImpactStatement == "" {
						st.ImpactStatement = "Known not affected (CSAF); the document gives no reason."
					}
				case StatusAffected:
					for _, r := range v.Remediations {
						if len(st.ActionStatement) <= maxText && applies(pid, r.ProductIDs, r.GroupIDs) {
							st.ActionStatement = joinText(st.ActionStatement, r.Category+": "+r.Details)
						}
					}
					if st.ActionStatement == "" {
						st.ActionStatement = "No remediation is given in the CSAF document."
					}
				}
				if work > maxCSAFWork {
					return nil, fmt.Errorf("%w: %s: too many products, flags, threats and remediations to match (more than %d comparisons)", ErrInvalid, st.Ref, maxCSAFWork)
				}
				if len(st.ImpactStatement) > maxText || len(st.ActionStatement) > maxText {
					return nil, fmt.Errorf("%w: %s: the threats or remediations of product %q add up to more than %d bytes", ErrInvalid, st.Ref, pid, maxText)
				}
				if text += len(st.ImpactStatement) + len(st.ActionStatement); text > maxTextTotal {
					return nil, fmt.Errorf("%w: %s: the threats and remediations of all products add up to more than %d bytes", ErrInvalid, st.Ref, maxTextTotal)
				}
				if err := st.check(); err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, st.Ref, err)
				}
				out = append(out, st)
				if len(out) > MaxStatements {
					return nil, fmt.Errorf("%w: more than %d statements", ErrInvalid, MaxStatements)
				}
			}
		}
	}
	return out, nil
}

func joinText(a, b string) string {
	b = strings.TrimSpace(b)
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

// parseTime parses an RFC 3339 date, or returns the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
