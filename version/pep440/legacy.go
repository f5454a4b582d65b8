package pep440

import (
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// parseLegacy parses a legacy version the way packaging's LegacyVersion (before 22.0) did,
// from setuptools' old parse_version: the lower-cased string is split into runs of digits, runs
// of letters, "." and "-", and the text between them; numbers are zero-padded to 8 digits,
// other parts prefixed with "*" ("pre", "preview" and "rc" become "*c", "dev" "*@", "-"
// "*final-"), and "*final" ends the list. Before a part that sorts below "*final" (a
// pre-release word), "*final-" parts are dropped; before any "*" part, zero numbers
// ("00000000") are dropped.
//
// Only printable ASCII without spaces is accepted (LegacyVersion took any string; its regular
// expressions treat non-ASCII digits and letters in ways not worth reproducing).
func parseLegacy(v string) (Version, error) {
	if v == "" {
		return Version{}, version.Invalid("pep440", v, "empty")
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return Version{}, version.Invalid("pep440", v, "neither a PEP 440 version nor a legacy version (printable ASCII without spaces)")
		}
	}
	s := strings.ToLower(v)
	var parts []string
	add := func(p string) {
		switch p {
		case "pre", "preview", "rc":
			p = "c"
		case "-":
			p = "final-"
		case "dev":
			p = "@"
		}
		if p[0] >= '0' && p[0] <= '9' {
			if len(p) < 8 {
				p = strings.Repeat("0", 8-len(p)) + p
			}
		} else {
			p = "*" + p
		}
		if p[0] == '*' {
			if p < "*final" {
				for len(parts) > 0 && parts[len(parts)-1] == "*final-" {
					parts = parts[:len(parts)-1]
				}
			}
			for len(parts) > 0 && parts[len(parts)-1] == "00000000" {
				parts = parts[:len(parts)-1]
			}
		}
		parts = append(parts, p)
	}
	other := 0 // start of the text between matches
	for i := 0; i < len(s); {
		j := i
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
		case c >= 'a' && c <= 'z':
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
		case c == '.' || c == '-':
			j++
		default:
			i++
			continue
		}
		if other < i {
			add(s[other:i])
		}
		if s[i:j] != "." {
			add(s[i:j])
		}
		i, other = j, j
	}
	if other < len(s) {
		add(s[other:])
	}
	add("final")
	return Version{s: v, legacy: parts}, nil
}

// compareLegacy compares setuptools' part tuples as Python compares tuples of strings.
func compareLegacy(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return version.Sign(len(a) - len(b))
}
