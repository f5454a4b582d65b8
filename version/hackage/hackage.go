// Package hackage orders Haskell package versions as Hackage and Cabal do.
//
// A version is a non-empty list of non-negative integers written in decimal and separated by
// dots ("1.0.2.3"). Validation follows Cabal's parser (Distribution.Types.Version,
// versionDigitParser, https://hackage.haskell.org/package/Cabal-syntax): no leading zeros ("01"
// is rejected, "0" is fine) and at most nine digits a component. Version tags ("1.0-beta"),
// deprecated since Cabal 2 and refused by Hackage, are rejected.
//
// Order is that of Data.Version / Cabal's Version: the lists compare lexicographically, so a
// version sorts before every longer version it prefixes ("1.0" < "1.0.0" < "1.0.0.0").
package hackage

import (
	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the Hackage version scheme ("hackage").
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "hackage" }

func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// Version is a parsed Hackage version.
type Version struct {
	s     string
	parts []string // decimal digits without leading zeros, at most 9 each
}

// maxDigits is Cabal's bound on the digits of one component (so that it fits a 32-bit Int).
const maxDigits = 9

// Parse parses a Hackage version.
func Parse(v string) (Version, error) {
	if len(v) > version.MaxLength {
		return Version{}, version.Invalid("hackage", v, "too long")
	}
	if v == "" {
		return Version{}, version.Invalid("hackage", v, "empty")
	}
	var parts []string
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] >= '0' && v[i] <= '9' {
			continue
		}
		if i < len(v) && v[i] != '.' {
			return Version{}, version.Invalid("hackage", v, "only digits and dots are allowed")
		}
		p := v[start:i]
		switch {
		case p == "":
			return Version{}, version.Invalid("hackage", v, "empty component")
		case len(p) > 1 && p[0] == '0':
			return Version{}, version.Invalid("hackage", v, "component with a leading zero")
		case len(p) > maxDigits:
			return Version{}, version.Invalid("hackage", v, "component longer than 9 digits")
		}
		parts = append(parts, p)
		start = i + 1
	}
	return Version{s: v, parts: parts}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Compare compares the component lists lexicographically. o must be a hackage Version.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	for i := 0; i < len(v.parts) && i < len(w.parts); i++ {
		if c := cmpNum(v.parts[i], w.parts[i]); c != 0 {
			return c
		}
	}
	return version.Sign(len(v.parts) - len(w.parts))
}

// cmpNum compares decimal numbers without leading zeros.
func cmpNum(a, b string) int {
	if len(a) != len(b) {
		return version.Sign(len(a) - len(b))
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Key returns the order-preserving key: each component as version.AppendUint (whose first
// byte, the length, is never 0), then 0x00, so that a prefix sorts first.
func (v Version) Key() []byte {
	b := make([]byte, 0, len(v.s)+len(v.parts)+1)
	for _, p := range v.parts {
		b = version.AppendUint(b, p)
	}
	return append(b, 0)
}
