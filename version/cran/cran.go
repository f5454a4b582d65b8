// Package cran orders R package versions (the CRAN ecosystem) as R's package_version does.
//
// A version is a sequence of non-negative integers separated by "." or "-" ("1.2-3" is
// 1.2.3), as R's valid_numeric_version regular expression says
// (https://stat.ethz.ch/R-manual/R-devel/library/base/html/numeric_version.html); leading and
// trailing whitespace is allowed as R allows it. package_version requires two components;
// single-component versions ("0", numeric_version syntax) are accepted because CRAN data and
// OSV records contain them.
//
// Order: components compare numerically in turn ("0.01" = "0.1", "0.9" < "0.75"); when one
// version prefixes the other the longer is greater ("1.0" < "1.0.0", "1.0-0" = "1.0.0").
// Components of any size compare exactly (R itself stores them as 32-bit integers and rejects
// larger ones; OSV compares them as big integers, and so does this package).
package cran

import (
	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the CRAN version scheme ("cran").
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "cran" }

func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// Version is a parsed CRAN version.
type Version struct {
	s     string
	parts []string // decimal digits, leading zeros removed
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// Parse parses a CRAN version.
func Parse(v string) (Version, error) {
	if len(v) > version.MaxLength {
		return Version{}, version.Invalid("cran", v, "too long")
	}
	lo, hi := 0, len(v)
	for lo < hi && isSpace(v[lo]) {
		lo++
	}
	for hi > lo && isSpace(v[hi-1]) {
		hi--
	}
	t := v[lo:hi]
	if t == "" {
		return Version{}, version.Invalid("cran", v, "empty")
	}
	var parts []string
	start := 0
	for i := 0; i <= len(t); i++ {
		if i < len(t) && t[i] >= '0' && t[i] <= '9' {
			continue
		}
		if i < len(t) && t[i] != '.' && t[i] != '-' {
			return Version{}, version.Invalid("cran", v, "only digits separated by '.' or '-' are allowed")
		}
		p := t[start:i]
		if p == "" {
			return Version{}, version.Invalid("cran", v, "empty component")
		}
		for len(p) > 1 && p[0] == '0' {
			p = p[1:]
		}
		parts = append(parts, p)
		start = i + 1
	}
	return Version{s: v, parts: parts}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Compare compares component by component; a prefix sorts first. o must be a cran Version.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	for i := 0; i < len(v.parts) && i < len(w.parts); i++ {
		a, b := v.parts[i], w.parts[i]
		if len(a) != len(b) {
			return version.Sign(len(a) - len(b))
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return version.Sign(len(v.parts) - len(w.parts))
}

// Key returns the order-preserving key: each component as version.AppendUint (whose first
// byte is never 0), then 0x00, so that a prefix sorts first.
func (v Version) Key() []byte {
	b := make([]byte, 0, len(v.s)+len(v.parts)+1)
	for _, p := range v.parts {
		b = version.AppendUint(b, p)
	}
	return append(b, 0)
}
