// Package composer orders Packagist (Composer, PHP) versions the way OSV does: PHP's
// version_compare (php-src ext/standard/versioning.c) after dropping a "v" or "V" prefix, as
// Composer's VersionParser does.
//
// A valid version is an optional "v"/"V" before a digit, then runs of ASCII letters, '#' and
// digits separated by single ".", "-", "_" or "+" ("1.0.0", "v2.1.0-beta.2", "1.0.0RC1",
// "dev-main", "3.0.1+bedrock-1.17.40"). Empty components, other characters (PHP turns them
// into dots) and branch names with "/" are rejected: callers fall back to exact string
// equality for them.
//
// Order, as version_compare: separators become dots and a dot is inserted wherever a digit
// meets a non-digit ("1.0rc1" is 1.0.rc.1); the parts compare in turn: numbers by value, and a
// word by its prefix — anything else < "dev" < "alpha" = "a…" < "beta" = "b…" < "RC" = "rc…" <
// a number < "pl" = "p…" (case-sensitive: "BETA" is "anything else"). When one version runs out,
// its missing part sorts above words up to "rc", below numbers and "p…": "1.0" < "1.0.0",
// "1.0rc1" < "1.0" < "1.0pl1". Composer's normaliser would pad "1.0" to "1.0.0.0"; OSV and
// the conformance data follow version_compare, and so does this package.
//
// A word starting with '#' is version_compare's "#", the value it gives the missing part of
// a shorter version: OSV (osv-scalibr, whose fixtures are the conformance tests) accepts it in
// versions. version_compare also holds a number equal to "#" when it meets a word, which is
// not transitive ("1.2.3" = "1.2.3.#" = "1.2.3.1" but "1.2.3" < "1.2.3.1"); here "#" is
// exactly the missing part, a version is padded with "#" without end, and trailing "#" parts
// do not count: "1.2.3.#" = "1.2.3" < "1.2.3.1", "1.2.3.#.1" > "1.2.3",
// "1.2.3.#.beta" < "1.2.3".
//
// Numbers of any size compare exactly, as in OSV (PHP's strtol saturates at 2^63-1).
package composer

import (
	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the Packagist version scheme ("composer").
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "composer" }

func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// Part kinds, in version_compare order; the values are also the key tags.
const (
	kindOther  = 0x01 // a word version_compare does not know
	kindDev    = 0x02
	kindAlpha  = 0x03
	kindBeta   = 0x04
	kindRC     = 0x05
	kindEnd    = 0x06 // "#", the missing part of a shorter version (version_compare's "#N#")
	kindNumber = 0x07
	kindPatch  = 0x08
)

// part is one dot-separated element after canonicalisation.
type part struct {
	kind byte
	num  string // for kindNumber: digits without leading zeros
}

// Version is a parsed Packagist version.
type Version struct {
	s     string
	parts []part
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isSep(c byte) bool    { return c == '.' || c == '-' || c == '_' || c == '+' }

// wordKind classifies a run of letters and '#' as compare_special_version_forms does: by
// prefix, in the order dev, alpha, a, beta, b, RC, rc, #, pl, p.
func wordKind(w string) byte {
	switch {
	case w[0] == '#':
		return kindEnd
	case len(w) >= 3 && w[:3] == "dev":
		return kindDev
	case w[0] == 'a':
		return kindAlpha
	case w[0] == 'b':
		return kindBeta
	case len(w) >= 2 && (w[:2] == "RC" || w[:2] == "rc"):
		return kindRC
	case w[0] == 'p':
		return kindPatch
	}
	return kindOther
}

// Parse parses a Packagist version.
func Parse(v string) (Version, error) {
	if len(v) > version.MaxLength {
		return Version{}, version.Invalid("composer", v, "too long")
	}
	t := v
	if len(t) > 1 && (t[0] == 'v' || t[0] == 'V') && isDigit(t[1]) {
		t = t[1:]
	}
	if t == "" {
		return Version{}, version.Invalid("composer", v, "empty")
	}
	var parts []part
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case isSep(c):
			if i == 0 || i == len(t)-1 || isSep(t[i-1]) {
				return Version{}, version.Invalid("composer", v, "empty component")
			}
			i++
		case isDigit(c):
			j := i
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			d := t[i:j]
			for len(d) > 1 && d[0] == '0' {
				d = d[1:]
			}
			parts = append(parts, part{kind: kindNumber, num: d})
			i = j
		case isLetter(c) || c == '#':
			j := i
			for j < len(t) && (isLetter(t[j]) || t[j] == '#') {
				j++
			}
			parts = append(parts, part{kind: wordKind(t[i:j])})
			i = j
		default:
			return Version{}, version.Invalid("composer", v, "only letters, digits, '#' and the separators . - _ + are allowed")
		}
	}
	for len(parts) > 0 && parts[len(parts)-1].kind == kindEnd {
		parts = parts[:len(parts)-1] // "#" parts at the end are the padding
	}
	if len(parts) == 0 {
		return Version{}, version.Invalid("composer", v, "no letter or digit outside '#'")
	}
	return Version{s: v, parts: parts}, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Compare implements version_compare, with "#" as the missing part (see the package
// documentation). o must be a composer Version.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	end := part{kind: kindEnd}
	for i := 0; i < len(v.parts) || i < len(w.parts); i++ {
		a, b := end, end
		if i < len(v.parts) {
			a = v.parts[i]
		}
		if i < len(w.parts) {
			b = w.parts[i]
		}
		if c := cmpPart(a, b); c != 0 {
			return c
		}
	}
	return 0
}

func cmpPart(a, b part) int {
	if a.kind != b.kind {
		return version.Sign(int(a.kind) - int(b.kind))
	}
	if a.kind != kindNumber {
		return 0
	}
	if len(a.num) != len(b.num) {
		return version.Sign(len(a.num) - len(b.num))
	}
	switch {
	case a.num < b.num:
		return -1
	case a.num > b.num:
		return 1
	}
	return 0
}

// Key marks of a run of "#" parts before a part: "#"s then a part below "#" are keyed above
// every RC part and below the end, "#"s then a part above "#" above the end and below every
// number. Versions without "#" have no run.
const (
	runBelow = kindRC  // then runMark, the number of "#"s (fewer first), the part
	runMark  = 0xF0    // above every kind
	runAbove = kindEnd // then 0xFF minus the number of "#"s (more first), the part
)

// Key returns the order-preserving key: each part's kind byte (numbers followed by
// version.AppendUint), each run of "#" parts marked before the part that ends it, then
// kindEnd, which sorts exactly where the padding with "#" puts a missing part.
func (v Version) Key() []byte {
	b := make([]byte, 0, len(v.s)+len(v.parts)+1)
	run := 0 // "#" parts before p, at most MaxLength/2
	for _, p := range v.parts {
		switch {
		case p.kind == kindEnd:
			run++
			continue
		case run > 0 && p.kind < kindEnd:
			b = append(b, runBelow, runMark, byte(run))
		case run > 0:
			b = append(b, runAbove, byte(0xFF-run))
		}
		run = 0
		b = append(b, p.kind)
		if p.kind == kindNumber {
			b = version.AppendUint(b, p.num)
		}
	}
	return append(b, kindEnd)
}
