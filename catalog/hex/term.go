package hex

import (
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
)

// kind is the kind of an Elixir term.
type kind int

const (
	kString kind = iota + 1
	kAtom
	kInt
	kList
	kTuple
	kMap
)

// term is a parsed Elixir literal. A keyword-list entry (key: value) is a two-element tuple
// whose first element is an atom, as in Elixir; a map has keys and values alternating in items.
type term struct {
	kind  kind
	s     string // string, atom (without the colon) or integer text
	items []term // list, tuple or map elements
	line  int    // 1-based line where the term starts
}

// maxTerms bounds the terms of one file. A real mix.lock has about 20 terms per dependency
// (a large application with 2,000 dependencies: 40,000 terms); the bound keeps a hostile file
// of tiny terms ("[1,1,1,…]") to about 100 MiB of term values.
const maxTerms = 2_000_000

// parser reads the subset of Elixir term syntax that mix.lock files use: maps (%{k => v} and
// %{"k": v}), tuples, lists, keyword lists, double-quoted strings, atoms (:a, :"a b", true,
// false, nil), integers and # comments.
type parser struct {
	file  string
	data  []byte
	pos   int
	line  int
	terms int
}

// parseTerm parses data as exactly one Elixir term.
func parseTerm(file string, data []byte) (term, error) {
	p := &parser{file: file, data: data, line: 1}
	t, err := p.value(0)
	if err != nil {
		return term{}, err
	}
	p.space()
	if p.pos < len(p.data) {
		return term{}, p.errorf("unexpected %s after the end of the term", p.what())
	}
	return t, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return catalog.Errorf(p.file, p.line, format, args...)
}

// what describes the input at the current position for error messages.
func (p *parser) what() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	return fmt.Sprintf("%q", p.data[p.pos])
}

// space skips white space and comments, counting lines.
func (p *parser) space() {
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; c {
		case '\n':
			p.line++
			p.pos++
		case ' ', '\t', '\r':
			p.pos++
		case '#':
			for p.pos < len(p.data) && p.data[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *parser) peek(off int) byte {
	if p.pos+off < len(p.data) {
		return p.data[p.pos+off]
	}
	return 0
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdent(c byte) bool      { return isIdentStart(c) || c >= '0' && c <= '9' || c == '@' }

// value parses one term at nesting depth.
func (p *parser) value(depth int) (term, error) {
	if depth > catalog.MaxDepth {
		return term{}, p.errorf("terms nested deeper than %d levels", catalog.MaxDepth)
	}
	if p.terms++; p.terms > maxTerms {
		return term{}, fmt.Errorf("%s: %w (more than %d terms)", p.file, catalog.ErrTooLarge, maxTerms)
	}
	p.space()
	line := p.line
	switch c := p.peek(0); {
	case c == '%':
		if p.peek(1) != '{' {
			return term{}, p.errorf("want %%{ to start a map")
		}
		p.pos += 2
		items, err := p.seq(depth, '}', true)
		return term{kind: kMap, items: items, line: line}, err
	case c == '{':
		p.pos++
		items, err := p.seq(depth, '}', false)
		return term{kind: kTuple, items: items, line: line}, err
	case c == '[':
		p.pos++
		items, err := p.seq(depth, ']', false)
		return term{kind: kList, items: items, line: line}, err
	case c == '"':
		s, err := p.str()
		return term{kind: kString, s: s, line: line}, err
	case c == ':':
		p.pos++
		if p.peek(0) == '"' {
			s, err := p.str()
			return term{kind: kAtom, s: s, line: line}, err
		}
		start := p.pos
		for p.pos < len(p.data) && (isIdent(p.data[p.pos]) || p.data[p.pos] == '.') {
			p.pos++
		}
		if q := p.peek(0); q == '?' || q == '!' {
			p.pos++
		}
		if p.pos == start {
			return term{}, p.errorf("want an atom name after ':'")
		}
		return term{kind: kAtom, s: string(p.data[start:p.pos]), line: line}, nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		p.pos++
		for p.pos < len(p.data) && (p.data[p.pos] >= '0' && p.data[p.pos] <= '9' || p.data[p.pos] == '_') {
			p.pos++
		}
		if p.pos-start == 1 && c == '-' {
			return term{}, p.errorf("want a digit after '-'")
		}
		return term{kind: kInt, s: string(p.data[start:p.pos]), line: line}, nil
	case isIdentStart(c):
		id := p.ident()
		switch id {
		case "true", "false", "nil":
			return term{kind: kAtom, s: id, line: line}, nil
		}
		return term{}, p.errorf("unexpected identifier %q: mix.lock holds only literals", id)
	default:
		return term{}, p.errorf("unexpected %s, want a term", p.what())
	}
}

func (p *parser) ident() string {
	start := p.pos
	for p.pos < len(p.data) && isIdent(p.data[p.pos]) {
		p.pos++
	}
	if q := p.peek(0); q == '?' || q == '!' {
		p.pos++
	}
	return string(p.data[start:p.pos])
}

// seq parses comma-separated elements up to end. In a map (isMap) each element is a
// "key => value" or "key: value" pair and both are appended; elsewhere "key: value" becomes
// a {:key, value} tuple. A trailing comma is allowed.
func (p *parser) seq(depth int, end byte, isMap bool) ([]term, error) {
	var items []term
	for {
		p.space()
		if p.pos >= len(p.data) {
			return items, p.errorf("unexpected end of file, want %q", end)
		}
		if p.data[p.pos] == end {
			p.pos++
			return items, nil
		}
		key, isKey, err := p.keyword()
		if err != nil {
			return items, err
		}
		var el term
		switch {
		case isKey:
			v, err := p.value(depth + 1)
			if err != nil {
				return items, err
			}
			if isMap {
				items = append(items, key, v)
			} else {
				items = append(items, term{kind: kTuple, items: []term{key, v}, line: key.line})
			}
		default:
			if el, err = p.value(depth + 1); err != nil {
				return items, err
			}
			if isMap {
				p.space()
				if p.peek(0) != '=' || p.peek(1) != '>' {
					return items, p.errorf("unexpected %s in map, want =>", p.what())
				}
				p.pos += 2
				v, err := p.value(depth + 1)
				if err != nil {
					return items, err
				}
				items = append(items, el, v)
			} else {
				items = append(items, el)
			}
		}
		p.space()
		switch p.peek(0) {
		case ',':
			p.pos++
		case end:
		default:
			return items, p.errorf("unexpected %s, want ',' or %q", p.what(), end)
		}
	}
}

// keyword parses a keyword key ("name:" or "\"name\":" followed by white space) if one is
// next, and otherwise leaves the position unchanged.
func (p *parser) keyword() (term, bool, error) {
	start, line := p.pos, p.line
	var name string
	switch c := p.peek(0); {
	case isIdentStart(c):
		name = p.ident()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return term{}, false, err
		}
		name = s
	default:
		return term{}, false, nil
	}
	if p.peek(0) == ':' && p.peek(1) != ':' {
		if n := p.peek(1); n == ' ' || n == '\t' || n == '\n' || n == '\r' {
			p.pos++
			return term{kind: kAtom, s: name, line: line}, true, nil
		}
	}
	p.pos, p.line = start, line
	return term{}, false, nil
}

// str parses a double-quoted string with backslash escapes.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	// Fast path: no escapes before the closing quote.
	for i := p.pos; i < len(p.data); i++ {
		if c := p.data[i]; c == '\\' {
			break
		} else if c == '"' {
			s := string(p.data[p.pos:i])
			p.line += strings.Count(s, "\n")
			p.pos = i + 1
			return s, nil
		}
	}
	var b strings.Builder
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\n':
			p.line++
		case '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return "", p.errorf("unterminated string")
			}
			c = p.data[p.pos]
			switch c {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case '\n':
				p.line++
			}
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.errorf("unterminated string")
}
