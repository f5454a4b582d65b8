package python

import (
	"errors"
	"strings"
)

// requirement is one PEP 508 dependency specification
// (https://packaging.python.org/en/latest/specifications/dependency-specifiers/):
// name, extras, version specifier or direct URL, and environment markers.
type requirement struct {
	Name      string   // as written
	Extras    []string // normalised
	Specifier string   // version specifier without spaces, "" when none
	URL       string   // direct reference after "@"
	Marker    string   // environment markers after ";"
}

var errNoName = errors.New("requirement does not start with a valid project name")

// parseRequirement parses a PEP 508 requirement. It also accepts the older form with the
// specifier in parentheses ("foo (>=1.0)") that Requires-Dist used.
func parseRequirement(s string) (requirement, error) {
	var r requirement
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	r.Name = s[:i]
	if !validName(r.Name) {
		return r, errNoName
	}
	rest := strings.TrimSpace(s[i:])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return r, errors.New("unterminated extras list: missing ']'")
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if !validName(e) {
				return r, errors.New("invalid extra name " + quote(e))
			}
			r.Extras = append(r.Extras, Normalize(e))
		}
		rest = strings.TrimSpace(rest[end+1:])
	}
	if strings.HasPrefix(rest, "@") {
		rest = strings.TrimSpace(rest[1:])
		// The URL ends at whitespace; markers follow a ";" after whitespace.
		end := strings.IndexAny(rest, " \t")
		if end < 0 {
			end = len(rest)
		}
		r.URL = rest[:end]
		if r.URL == "" {
			return r, errors.New("missing URL after '@'")
		}
		rest = strings.TrimSpace(rest[end:])
		if rest != "" && !strings.HasPrefix(rest, ";") {
			return r, errors.New("unexpected text after URL: " + quote(rest))
		}
	}
	spec, marker, hasMarker := strings.Cut(rest, ";")
	if hasMarker {
		r.Marker = strings.TrimSpace(marker)
	}
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "(") {
		if !strings.HasSuffix(spec, ")") {
			return r, errors.New("unterminated version specifier: missing ')'")
		}
		spec = spec[1 : len(spec)-1]
	}
	spec = strings.Join(strings.Fields(spec), "")
	if spec != "" {
		if err := checkSpecifier(spec); err != nil {
			return r, err
		}
	}
	r.Specifier = spec
	return r, nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// checkSpecifier checks that every comma-separated clause starts with a PEP 440 operator
// and has a version.
func checkSpecifier(spec string) error {
	for _, c := range strings.Split(spec, ",") {
		op := specOp(c)
		if op == "" || len(c) == len(op) || !isVersionStart(c[len(op)], op) {
			return errors.New("invalid version specifier " + quote(c))
		}
	}
	return nil
}

// isVersionStart reports whether c may start the version after op: a letter or digit, or any
// non-space character for the arbitrary equality "===".
func isVersionStart(c byte, op string) bool {
	return op == "===" || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func specOp(c string) string {
	for _, op := range []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(c, op) {
			return op
		}
	}
	return ""
}

// exactVersion returns the version an "===" or "==" clause (without wildcard) of spec pins,
// or "".
func exactVersion(spec string) string {
	for _, c := range strings.Split(spec, ",") {
		switch {
		case strings.HasPrefix(c, "==="):
			return c[3:]
		case strings.HasPrefix(c, "==") && !strings.Contains(c, "*"):
			return c[2:]
		}
	}
	return ""
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return `"` + s + `"`
}
