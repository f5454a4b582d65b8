package spdx

import (
	"strings"
)

// maxExpressionDepth bounds the nesting of parentheses in a licence expression.
const maxExpressionDepth = 64

// validExpression reports whether s is a syntactically valid SPDX license expression
// (SPDX 2.3 Annex D): license IDs, "+", WITH, AND, OR, parentheses, LicenseRef- and
// DocumentRef-…:LicenseRef- references. It does not check IDs against the SPDX license list.
func validExpression(s string) bool {
	toks, ok := tokenizeExpression(s)
	if !ok || len(toks) == 0 {
		return false
	}
	p := exprParser{toks: toks}
	return p.expr(0) && p.i == len(p.toks)
}

func tokenizeExpression(s string) ([]string, bool) {
	var toks []string
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(' || c == ')' || c == ' ':
			if start >= 0 {
				toks = append(toks, s[start:i])
				start = -1
			}
			if c != ' ' {
				toks = append(toks, s[i:i+1])
			}
		case isIDChar(c) || c == '+' || c == ':':
			if start < 0 {
				start = i
			}
		default:
			return nil, false
		}
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
	return toks, true
}

func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

type exprParser struct {
	toks []string
	i    int
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// expr := term ((AND | OR) term)*
func (p *exprParser) expr(depth int) bool {
	if !p.term(depth) {
		return false
	}
	for t := p.peek(); t == "AND" || t == "OR"; t = p.peek() {
		p.i++
		if !p.term(depth) {
			return false
		}
	}
	return true
}

// term := "(" expr ")" | license ["WITH" exception]
func (p *exprParser) term(depth int) bool {
	switch t := p.peek(); t {
	case "(":
		if depth >= maxExpressionDepth {
			return false
		}
		p.i++
		if !p.expr(depth + 1) {
			return false
		}
		if p.peek() != ")" {
			return false
		}
		p.i++
		return true
	case "", ")", "AND", "OR", "WITH":
		return false
	default:
		p.i++
		if !licenseRef(t) {
			return false
		}
		if p.peek() == "WITH" {
			p.i++
			e := p.peek()
			p.i++
			return idString(e)
		}
		return true
	}
}

// licenseRef reports whether t is a license ID (optionally with "+"), a LicenseRef- or a
// DocumentRef-x:LicenseRef-y.
func licenseRef(t string) bool {
	if doc, ref, ok := strings.Cut(t, ":"); ok {
		return strings.HasPrefix(doc, "DocumentRef-") && idString(doc) &&
			strings.HasPrefix(ref, "LicenseRef-") && idString(ref)
	}
	return idString(strings.TrimSuffix(t, "+"))
}

func idString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return false
		}
	}
	return true
}

// compound reports whether an expression needs parentheses when AND-joined with others.
func compound(expr string) bool {
	return strings.Contains(expr, " OR ") || strings.Contains(expr, " AND ") || strings.Contains(expr, " WITH ")
}

// sanitizeID replaces every character outside [A-Za-z0-9.-] by "-".
func sanitizeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !isIDChar(c) {
			b[i] = '-'
		}
	}
	return string(b)
}
