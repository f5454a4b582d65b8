package cpe

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is matched (errors.Is) by every error of Parse and ParseURI.
var ErrSyntax = errors.New("malformed CPE name")

// SyntaxError describes why a string is not a CPE name.
type SyntaxError struct {
	Input string // the string given, truncated to 200 bytes
	Attr  string // the attribute at fault ("version", …), or "" for the whole name
	Msg   string
}

// Error returns the input, the attribute and what is wrong with it.
func (e *SyntaxError) Error() string {
	if e.Attr == "" {
		return fmt.Sprintf("cpe: %v %q: %s", ErrSyntax, e.Input, e.Msg)
	}
	return fmt.Sprintf("cpe: %v %q: %s: %s", ErrSyntax, e.Input, e.Attr, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

func syntaxErr(input, attr, format string, args ...any) error {
	if len(input) > 200 {
		input = input[:200] + "…"
	}
	return &SyntaxError{Input: input, Attr: attr, Msg: fmt.Sprintf(format, args...)}
}

const fsPrefix = "cpe:2.3:"

// Parse parses a CPE 2.3 formatted string (NISTIR 7695 §6.2). It is strict: the string must
// begin with "cpe:2.3:" and have all 13 colon-separated components (the prefix's two and
// the eleven attributes); no component may be empty; unquoted characters are letters,
// digits, "_", "." and "-"; a backslash quotes one printable non-alphanumeric ASCII
// character; part is "a", "o", "h", "*" or "-"; language is a language tag or logical.
// Letter case is kept. Names with wildcards and the bindings "\*" and "\-" alone are
// rejected (see Name). For every Name n that Parse returns, Parse(n.String()) returns n.
func Parse(s string) (Name, error) {
	var n Name
	rest, ok := strings.CutPrefix(s, fsPrefix)
	if !ok {
		if len(s) >= len(fsPrefix) && strings.EqualFold(s[:len(fsPrefix)], fsPrefix) {
			return n, syntaxErr(s, "", "the prefix must be lower-case %q", fsPrefix)
		}
		if strings.HasPrefix(s, "cpe:/") {
			return n, syntaxErr(s, "", "this is a CPE 2.2 URI; use ParseURI")
		}
		return n, syntaxErr(s, "", "a CPE 2.3 formatted string begins with %q", fsPrefix)
	}
	attrs := n.attrs()
	i := 0
	start := 0
	for j := 0; j <= len(rest); j++ {
		if j+1 < len(rest) && rest[j] == '\\' {
			j++ // the quoted character, checked by unbindValue
			continue
		}
		if j < len(rest) && rest[j] != ':' {
			continue
		}
		if i == len(attrs) {
			return Name{}, syntaxErr(s, "", "more than 13 components (is a \":\" in a value not quoted as \"\\:\"?)")
		}
		v, err := unbindValue(s, attrNames[i], rest[start:min(j, len(rest))])
		if err != nil {
			return Name{}, err
		}
		*attrs[i] = v
		i++
		start = j + 1
	}
	if i < len(attrs) {
		return Name{}, syntaxErr(s, "", "%d components, want 13 (\"cpe\", \"2.3\" and 11 attributes; write * for ANY)", i+2)
	}
	if err := checkPart(n.Part); err != nil {
		return Name{}, syntaxErr(s, "part", "%q: want \"a\", \"o\", \"h\", \"*\" or \"-\"", n.Part)
	}
	if err := checkLanguage(n.Language); err != nil {
		return Name{}, syntaxErr(s, "language", "%q: want a language tag such as \"en\" or \"en-us\", or * or -", n.Language)
	}
	return n, nil
}

// unbindValue turns one bound component into a plain value (NISTIR 7695 §6.2.3, unbind_value_fs).
func unbindValue(input, attr, v string) (string, error) {
	switch v {
	case "":
		return "", syntaxErr(input, attr, "empty value; write * for ANY or - for NA")
	case Any, NA:
		return v, nil
	case `\*`, `\-`:
		return "", syntaxErr(input, attr, "%q alone is a literal value that a Name cannot tell from the logical value %q", v, v[1:])
	}
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case plain(c):
		case c == '\\':
			if i+1 >= len(v) {
				return "", syntaxErr(input, attr, "ends with a lone backslash")
			}
			i++
			if !quotable(v[i]) {
				return "", syntaxErr(input, attr, "invalid escape \"\\%c\": only printable punctuation is quoted", rune(v[i]))
			}
			quoted = true
		case c == '*' || c == '?':
			return "", syntaxErr(input, attr, "unquoted wildcard %q: match patterns are not CPE names (quote a literal as \"\\%c\")", c, c)
		case c >= 0x21 && c <= 0x7e:
			return "", syntaxErr(input, attr, "%q must be quoted as \"\\%c\"", c, c)
		default:
			return "", syntaxErr(input, attr, "invalid character %q (printable ASCII only)", c)
		}
	}
	if !quoted {
		return v, nil
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' {
			i++
		}
		b = append(b, v[i])
	}
	return string(b), nil
}
