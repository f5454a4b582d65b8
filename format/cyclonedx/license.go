package cyclonedx

import (
	"strings"
	"sync"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

var spdxSet = sync.OnceValue(func() map[string]bool {
	ids := strings.Fields(spdxIDs)
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
})

// isSPDXID reports whether s is an identifier that CycloneDX accepts in license.id.
func isSPDXID(s string) bool { return spdxSet()[s] }

// isExpression reports whether s is a compound SPDX license expression (SPDX 2.3 annex D:
// license ids joined by AND, OR, WITH and parentheses) or a single LicenseRef. A single
// identifier is not an expression here: it becomes license.id or license.name.
func isExpression(s string) bool {
	toks := licenseTokens(s)
	if len(toks) == 0 {
		return false
	}
	if len(toks) == 1 {
		return strings.HasPrefix(toks[0], "LicenseRef-") || strings.HasPrefix(toks[0], "DocumentRef-")
	}
	p := exprParser{toks: toks}
	return p.or() && p.pos == len(toks)
}

func licenseTokens(s string) []string {
	var toks []string
	for _, f := range strings.Fields(s) {
		for f != "" {
			switch {
			case f[0] == '(' || f[0] == ')':
				toks = append(toks, f[:1])
				f = f[1:]
			default:
				i := strings.IndexAny(f, "()")
				if i < 0 {
					i = len(f)
				}
				toks = append(toks, f[:i])
				f = f[i:]
			}
		}
	}
	return toks
}

type exprParser struct {
	toks []string
	pos  int
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) or() bool {
	if !p.and() {
		return false
	}
	for p.peek() == "OR" {
		p.pos++
		if !p.and() {
			return false
		}
	}
	return true
}

func (p *exprParser) and() bool {
	if !p.with() {
		return false
	}
	for p.peek() == "AND" {
		p.pos++
		if !p.with() {
			return false
		}
	}
	return true
}

func (p *exprParser) with() bool {
	if !p.atom() {
		return false
	}
	if p.peek() == "WITH" {
		p.pos++
		return p.id()
	}
	return true
}

func (p *exprParser) atom() bool {
	if p.peek() == "(" {
		p.pos++
		if !p.or() || p.peek() != ")" {
			return false
		}
		p.pos++
		return true
	}
	return p.id()
}

// id accepts an idstring (letters, digits, '.', '-', optionally a trailing '+') or a
// DocumentRef-…:LicenseRef-… reference.
func (p *exprParser) id() bool {
	t := p.peek()
	switch t {
	case "", "AND", "OR", "WITH", "(", ")":
		return false
	}
	t = strings.TrimSuffix(t, "+")
	if doc, ref, ok := strings.Cut(t, ":"); ok {
		if !strings.HasPrefix(doc, "DocumentRef-") || !strings.HasPrefix(ref, "LicenseRef-") {
			return false
		}
		t = doc + ref
	}
	if t == "" {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	p.pos++
	return true
}

// encodeLicenses maps the model's licenses to a CycloneDX license choice. A single compound
// expression becomes "expression"; otherwise each license is a license object, with id for a
// known SPDX identifier and name for anything else (including expressions in a list, which
// the schema does not allow next to other entries), so that the text survives verbatim.
func encodeLicenses(lics []string) *cdx.Licenses {
	if len(lics) == 0 {
		return nil
	}
	if len(lics) == 1 && !isSPDXID(lics[0]) && isExpression(lics[0]) {
		return &cdx.Licenses{{Expression: lics[0]}}
	}
	out := make(cdx.Licenses, 0, len(lics))
	for _, l := range lics {
		if isSPDXID(l) {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: l}})
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
	}
	return &out
}
