// Package pub orders Dart and Flutter package versions the way OSV orders its Pub ecosystem
// (osv-scalibr's semantic package, whose fixtures are the conformance tests), which is
// package:pub_semver's Version order (https://github.com/dart-lang/pub_semver,
// lib/src/version.dart and lib/src/patterns.dart; https://dart.dev/tools/pub/versioning)
// extended to the version strings OSV advisories hold.
//
// A pub_semver version is MAJOR.MINOR.PATCH (ASCII digits, leading zeros allowed), an optional
// pre-release ("-" and dot-separated parts of [0-9A-Za-z-]) and optional build ("+" and the
// same parts). Unlike SemVer 2.0.0, the build orders: the numbers compare numerically; a
// version with a pre-release is lower than one without; pre-release parts compare; then a
// version without a build is lower than one with a build ("1.0.0" < "1.0.0+1"), and build
// parts compare.
//
// Like OSV, and unlike pub_semver, which rejects them, Parse also accepts:
//   - a leading "v", which does not count ("v1.2.3" = "1.2.3");
//   - numbers of any size ("999999999999999999999999999991.0.0"), compared numerically;
//   - one or two numbers, the missing ones being 0 ("1" = "1.0.0", "1.2" = "1.2.0");
//   - more than three numbers, the fourth and later ones taken as leading pre-release parts
//     ("1.2.3.4" = "1.2.3-4", so "1.2.3.4" < "1.2.3"), as OSV's SemVer ecosystems order them
//     (version/semver.Loose).
//
// Parts compare as pub_semver's _compareLists does: a part that Dart's int.tryParse accepts
// is a number, and numbers compare numerically and sort below the other parts, which compare
// by code units; a missing part sorts first. int.tryParse accepts more than plain digits:
// leading zeros ("01" is 1), a minus sign ("-1" is -1) and hexadecimal ("0x10" is 16, with
// values from 2^63 to 2^64-1 wrapping to negative numbers as on the Dart VM); decimal values
// beyond 64 bits are not numbers and compare as text. Versions that compare equal
// ("1.0.0-01" and "1.0.0-1") have identical keys.
package pub

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme orders pub versions.
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "pub" }

func (scheme) Parse(v string) (version.Version, error) {
	p, err := Parse(v)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// part is one dot-separated pre-release or build part.
type part struct {
	s       string
	n       int64
	numeric bool
}

// Version is a parsed pub version.
type Version struct {
	raw        string
	nums       [3]string // ASCII digits of any length, maybe with leading zeros
	pre, build []part
}

var _ version.Version = (*Version)(nil)

// Parse parses a pub version as Version.parse does, with the extensions of the package
// documentation.
func Parse(v string) (*Version, error) {
	if len(v) > version.MaxLength {
		return nil, version.Invalid("pub", v, "longer than the maximum length")
	}
	p := &Version{raw: v}
	core, rest := strings.TrimPrefix(v, "v"), ""
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core, rest = core[:i], core[i:]
	}
	nums := strings.Split(core, ".")
	for _, n := range nums {
		if n == "" || !allDigits(n) {
			return nil, version.Invalid("pub", v, "version numbers must be non-empty ASCII digits")
		}
	}
	p.nums = [3]string{"0", "0", "0"}
	copy(p.nums[:], nums)
	if len(nums) > 3 {
		// The fourth and later numbers lead the pre-release, as in semver.Loose.
		p.pre, _ = splitParts(strings.Join(nums[3:], "."))
	}
	if strings.HasPrefix(rest, "-") {
		pre := rest[1:]
		if i := strings.IndexByte(pre, '+'); i >= 0 {
			pre, rest = pre[:i], pre[i:]
		} else {
			rest = ""
		}
		parts, ok := splitParts(pre)
		if !ok {
			return nil, version.Invalid("pub", v, "pre-release parts must be non-empty [0-9A-Za-z-]")
		}
		p.pre = append(p.pre, parts...)
	}
	if strings.HasPrefix(rest, "+") {
		var ok bool
		if p.build, ok = splitParts(rest[1:]); !ok {
			return nil, version.Invalid("pub", v, "build parts must be non-empty [0-9A-Za-z-]")
		}
	}
	return p, nil
}

func splitParts(s string) ([]part, bool) {
	fields := strings.Split(s, ".")
	parts := make([]part, len(fields))
	for i, f := range fields {
		if !validPart(f) {
			return nil, false
		}
		n, ok := tryParseInt(f)
		parts[i] = part{s: f, n: n, numeric: ok}
	}
	return parts, true
}

// tryParseInt is Dart's int.tryParse (VM, no radix) on a part, which holds only
// [0-9A-Za-z-]: an optional "-", then decimal digits that fit in an int64, or "0x"/"0X" and
// hexadecimal digits that fit in 64 bits (read as unsigned and wrapped to int64).
func tryParseInt(s string) (int64, bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		u, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil || strings.HasPrefix(s[2:], "+") {
			return 0, false
		}
		n := int64(u)
		if neg {
			n = -n
		}
		return n, true
	}
	if s == "" || !allDigits(s) {
		return 0, false
	}
	if neg {
		s = "-" + s
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validPart(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// String returns the version as it was given.
func (v *Version) String() string { return v.raw }

// Compare orders v and o (a *Version) as pub_semver's Version.compareTo does (numbers of any
// size compare numerically).
func (v *Version) Compare(o version.Version) int {
	w := o.(*Version)
	for i := range v.nums {
		if c := cmpNum(v.nums[i], w.nums[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.pre) == 0 && len(w.pre) > 0:
		return 1
	case len(v.pre) > 0 && len(w.pre) == 0:
		return -1
	}
	if c := compareParts(v.pre, w.pre); c != 0 {
		return c
	}
	switch {
	case len(v.build) == 0 && len(w.build) > 0:
		return -1
	case len(v.build) > 0 && len(w.build) == 0:
		return 1
	}
	return compareParts(v.build, w.build)
}

func compareParts(a, b []part) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.numeric && y.numeric:
			if x.n != y.n {
				if x.n < y.n {
					return -1
				}
				return 1
			}
		case x.numeric:
			return -1
		case y.numeric:
			return 1
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return version.Sign(len(a) - len(b))
}

// cmpNum compares two ASCII digit strings numerically.
func cmpNum(a, b string) int {
	a, b = trimZeros(a), trimZeros(b)
	if len(a) != len(b) {
		return version.Sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// Key tags. A pre-release sorts below no pre-release, no build below a build; inside a list
// the end sorts below numbers, which sort below text.
const (
	tagMarkLow  = 0x01 // a pre-release is present; no build is present
	tagMarkHigh = 0x02 // no pre-release is present; a build is present

	tagEnd     = 0x01
	tagNumeric = 0x02
	tagText    = 0x03
)

// Key returns the order-preserving key: the three numbers, the pre-release section and the
// build section. Numeric parts are offset 64-bit big-endian integers.
func (v *Version) Key() []byte {
	b := make([]byte, 0, len(v.raw)+32)
	for _, n := range v.nums {
		b = version.AppendUint(b, n)
	}
	if len(v.pre) == 0 {
		b = append(b, tagMarkHigh)
	} else {
		b = appendParts(append(b, tagMarkLow), v.pre)
	}
	if len(v.build) == 0 {
		return append(b, tagMarkLow)
	}
	return appendParts(append(b, tagMarkHigh), v.build)
}

func appendParts(b []byte, parts []part) []byte {
	for _, p := range parts {
		if p.numeric {
			b = append(b, tagNumeric)
			b = binary.BigEndian.AppendUint64(b, uint64(p.n)^(1<<63))
		} else {
			b = append(b, tagText)
			b = version.AppendString(b, p.s)
		}
	}
	return append(b, tagEnd)
}
