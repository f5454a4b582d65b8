package cargo

import (
	"bytes"
	"fmt"

	"github.com/hallmark-dev/hallmark/catalog"
)

// scanState is the lexical context of the TOML scanner below.
type scanState int

const (
	stNormal scanState = iota
	stComment
	stBasic     // "…"
	stLiteral   // '…'
	stMLBasic   // """…"""
	stMLLiteral // '''…'''
)

// tomlScan walks TOML text with just enough lexing to know what is inside strings and
// comments. It calls line for every line that starts outside a string and outside any bracket,
// and reports nesting of arrays and inline tables deeper than catalog.MaxDepth, which the TOML
// decoder would otherwise follow recursively, and dotted keys ("a.b.c = 1", "[a.b.c]") of
// more than catalog.MaxDepth parts, on which the decoder spends time quadratic in the parts.
func tomlScan(path string, data []byte, line func(n int, text []byte)) error {
	st := stNormal
	depth, n := 0, 1
	lineStart := true
	inKey, dots := true, 0 // dots counts the separators of the key being read
	for i := 0; i < len(data); i++ {
		c := data[i]
		if lineStart {
			lineStart = false
			if st == stNormal && depth == 0 && line != nil {
				end := bytes.IndexByte(data[i:], '\n')
				if end < 0 {
					end = len(data) - i
				}
				line(n, data[i:i+end])
			}
		}
		if c == '\n' {
			n++
			lineStart = true
			inKey, dots = true, 0
			if st == stComment || st == stBasic || st == stLiteral {
				st = stNormal // single-line strings end at the line's end (the decoder reports it)
			}
			continue
		}
		switch st {
		case stComment:
		case stBasic:
			if c == '\\' {
				i++
				if i < len(data) && data[i] == '\n' {
					n++
					lineStart = true
					st = stNormal
				}
			} else if c == '"' {
				st = stNormal
			}
		case stLiteral:
			if c == '\'' {
				st = stNormal
			}
		case stMLBasic:
			if c == '\\' {
				if i+1 < len(data) && data[i+1] != '\n' {
					i++
				}
			} else if bytes.HasPrefix(data[i:], []byte(`"""`)) {
				st = stNormal
				i += 2
			}
		case stMLLiteral:
			if bytes.HasPrefix(data[i:], []byte(`'''`)) {
				st = stNormal
				i += 2
			}
		case stNormal:
			switch c {
			case '#':
				st = stComment
			case '"':
				if bytes.HasPrefix(data[i:], []byte(`"""`)) {
					st = stMLBasic
					i += 2
				} else {
					st = stBasic
				}
			case '\'':
				if bytes.HasPrefix(data[i:], []byte(`'''`)) {
					st = stMLLiteral
					i += 2
				} else {
					st = stLiteral
				}
			case '=':
				inKey = false
			case ',':
				inKey, dots = true, 0
			case '.':
				if inKey {
					if dots++; dots >= catalog.MaxDepth {
						return fmt.Errorf("%s:%d: %w (dotted key of more than %d parts)", path, n, catalog.ErrTooLarge, catalog.MaxDepth)
					}
				}
			case '[', '{':
				if c == '{' {
					inKey, dots = true, 0
				}
				depth++
				if depth > catalog.MaxDepth {
					return fmt.Errorf("%s:%d: %w (nesting deeper than %d)", path, n, catalog.ErrTooLarge, catalog.MaxDepth)
				}
			case ']', '}':
				if depth > 0 {
					depth--
				}
			}
		}
	}
	return nil
}

// checkDepth rejects TOML nested deeper than catalog.MaxDepth.
func checkDepth(path string, data []byte) error {
	return tomlScan(path, data, nil)
}

// headerLines returns the lines of the [[package]] table headers, in order, and the line of
// the [root] header (0 when there is none).
func headerLines(data []byte) (pkgs []int, root int) {
	_ = tomlScan("", data, func(n int, text []byte) {
		switch tableHeader(text) {
		case "[[package]]":
			pkgs = append(pkgs, n)
		case "[root]":
			root = n
		}
	})
	return pkgs, root
}

// tableHeader returns a table header line without blanks and comment ("[[package]]"), or "".
func tableHeader(text []byte) string {
	text = bytes.TrimLeft(text, " \t")
	if len(text) == 0 || text[0] != '[' {
		return ""
	}
	if i := bytes.IndexByte(text, '#'); i >= 0 {
		text = text[:i]
	}
	var b []byte
	for _, c := range text {
		if c != ' ' && c != '\t' && c != '\r' {
			b = append(b, c)
		}
	}
	return string(b)
}
