// Package vex reads and writes VEX (Vulnerability Exploitability eXchange) documents and
// applies them to scan findings.
//
// Hallmark writes OpenVEX 0.2.0 (https://github.com/openvex/spec/blob/v0.2.0/OPENVEX-SPEC.md)
// (Create, Add and Merge) valid against the spec's JSON schema, enforcing its rules on statuses and justifications. It reads three
// formats into one Statement model: OpenVEX 0.2.0, CycloneDX VEX (a CycloneDX JSON BOM with
// vulnerabilities[].analysis) and CSAF 2.0 VEX (product_status with product_tree purls).
//
// Which statement applies to a finding (Set.Effective) and which statements survive a merge
// follow one rule: among the statements naming the finding's vulnerability (by ID or alias)
// and package (by purl, where a purl without version or qualifiers names every version or
// variant), the one with the latest timestamp wins — the statement's own, else its
// document's — and on equal timestamps the one read last (later file, later position).
//
// Every reader treats its input as hostile: documents are limited to MaxDocumentSize bytes
// and MaxStatements statements, statements to MaxProducts products (and products to as many
// subcomponents), and errors name the file and the statement.
package vex

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits on the documents read.
const (
	// MaxDocumentSize bounds a VEX document read from a file.
	MaxDocumentSize = 32 << 20
	// MaxStatements bounds the statements of one document (for CSAF and CycloneDX, the
	// statements it yields: one per vulnerability and product status).
	MaxStatements = 200_000
	// MaxProducts bounds the products of one statement (OpenVEX products, CycloneDX
	// affects), and the subcomponents of one product.
	MaxProducts = 10_000
	// maxDepth bounds the nesting of CSAF product branches.
	maxDepth = 64
)

// ErrInvalid is wrapped by every error about a document's content.
var ErrInvalid = errors.New("invalid VEX document")

// Formats of the documents read.
const (
	FormatOpenVEX   = "openvex"
	FormatCycloneDX = "cyclonedx"
	FormatCSAF      = "csaf"
)

// The OpenVEX statuses (spec section "Status Labels").
const (
	StatusNotAffected        = "not_affected"
	StatusAffected           = "affected"
	StatusFixed              = "fixed"
	StatusUnderInvestigation = "under_investigation"
)

// Statuses lists the OpenVEX statuses.
var Statuses = []string{StatusNotAffected, StatusAffected, StatusFixed, StatusUnderInvestigation}

// Justifications lists the OpenVEX justifications of not_affected (spec section "Status
// Justifications").
var Justifications = []string{
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
}

// Statement is one VEX statement in a format-neutral form: a status of one vulnerability for
// some products, with where it came from. OpenVEX statements are read as they are; CycloneDX
// and CSAF statements are mapped to OpenVEX statuses and justifications (see docs/vex.md).
type Statement struct {
	// Vulnerability is the name the statement gives; Aliases its other names.
	Vulnerability string
	Aliases       []string
	Products      []Product
	Status        string
	// Justification is one of the five OpenVEX justifications, or "".
	Justification   string
	ImpactStatement string
	ActionStatement string
	StatusNotes     string
	// Timestamp is the statement's own timestamp, else its document's; zero when neither
	// says (such a statement is older than any dated one).
	Timestamp time.Time

	Format     string // FormatOpenVEX, FormatCycloneDX or FormatCSAF
	Document   string // the file name
	DocumentID string // @id, serialNumber or tracking ID
	Ref        string // where the statement is in the document: @id or a JSON path
}

// Product names software a statement is about: identifiers of the product itself (purls,
// IRIs, CycloneDX bom-refs, hashes as "sha256:HEX") and, optionally, identifiers of the
// subcomponents the statement is limited to.
type Product struct {
	IDs           []string
	Subcomponents []string
}

// validStatus reports whether s is an OpenVEX status.
func validStatus(s string) bool { return slices.Contains(Statuses, s) }

// validJustification reports whether j is an OpenVEX justification.
func validJustification(j string) bool { return slices.Contains(Justifications, j) }

// check enforces the OpenVEX rules every statement must satisfy, whatever its format: a
// vulnerability, at least one product, a known status, a known justification, and a
// justification or impact statement for not_affected, an action statement for affected; and
// the limits: at most MaxProducts products, each with at most MaxProducts subcomponents.
func (s *Statement) check() error {
	switch {
	case s.Vulnerability == "":
		return errors.New("no vulnerability name")
	case len(s.Products) == 0:
		return errors.New("no products")
	case !validStatus(s.Status):
		return fmt.Errorf("status %q is not one of %s", s.Status, strings.Join(Statuses, ", "))
	case s.Justification != "" && !validJustification(s.Justification):
		return fmt.Errorf("justification %q is not one of %s", s.Justification, strings.Join(Justifications, ", "))
	case s.Status == StatusNotAffected && s.Justification == "" && s.ImpactStatement == "":
		return errors.New("status not_affected needs a justification or an impact statement")
	case s.Status == StatusAffected && s.ActionStatement == "":
		return errors.New("status affected needs an action statement")
	}
	return checkProductCounts(len(s.Products), func(i int) int { return len(s.Products[i].Subcomponents) })
}

// checkProductCounts enforces MaxProducts on a statement of n products, product i having
// subs(i) subcomponents.
func checkProductCounts(n int, subs func(i int) int) error {
	if n > MaxProducts {
		return fmt.Errorf("%d products, more than the limit of %d per statement (split it into several statements)", n, MaxProducts)
	}
	for i := range n {
		if k := subs(i); k > MaxProducts {
			return fmt.Errorf("products[%d]: %d subcomponents, more than the limit of %d per product (split it into several statements)", i, k, MaxProducts)
		}
	}
	return nil
}

// names returns the statement's vulnerability name and aliases.
func (s *Statement) names() []string {
	return append([]string{s.Vulnerability}, s.Aliases...)
}

// later reports whether a supersedes b: a later timestamp, or the same timestamp and read
// later (seq).
func later(a time.Time, aSeq int, b time.Time, bSeq int) bool {
	if c := a.Compare(b); c != 0 {
		return c > 0
	}
	return aSeq > bSeq
}
