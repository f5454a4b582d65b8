// Package semver implements Semantic Versioning 2.0.0 (https://semver.org/spec/v2.0.0.html), the
// version scheme of OSV's SEMVER ranges and of the npm, crates.io and Hex ecosystems.
//
// Scheme is strict: MAJOR.MINOR.PATCH without leading zeros, an optional pre-release
// ("-" and dot-separated identifiers of [0-9A-Za-z-], numeric identifiers without leading
// zeros) and optional build metadata ("+" and dot-separated identifiers). Numbers may be of any
// size. Precedence follows section 11 of the specification: the three numbers compare
// numerically; a pre-release is lower than its release; pre-release identifiers compare left to
// right, numeric ones numerically, alphanumeric ones by ASCII order, numeric below
// alphanumeric, and a shorter list below a longer one it prefixes; build metadata is ignored,
// so "1.0.0+a" and "1.0.0+b" compare equal and have identical keys.
//
// Loose additionally accepts the forms found in OSV data and in osv-scalibr's semantic
// package (the reference of the conformance fixtures): a leading "v", one or two numbers
// ("1" is "1.0.0", "1.2" is "1.2.0"), leading zeros in numbers, and more than three numbers,
// where the fourth and later ones are taken as leading pre-release identifiers ("1.2.3.4" is
// "1.2.3-4", "1.2.3.4-rc.1" is "1.2.3-4.rc.1"): like osv-scalibr, Loose orders such versions
// below their three-number release.
package semver

import (
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is strict Semantic Versioning 2.0.0.
var Scheme version.Scheme = scheme{name: "semver"}

// Loose is Semantic Versioning 2.0.0 with a leading "v", missing or extra numbers and leading
// zeros tolerated (see the package documentation). Versions of Scheme and Loose compare with
// each other.
var Loose version.Scheme = scheme{name: "semver-loose", loose: true}

type scheme struct {
	name  string
	loose bool
}

func (s scheme) Name() string { return s.name }

func (s scheme) Parse(v string) (version.Version, error) {
	p, err := parse(s.name, v, s.loose)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Version is a parsed semantic version. Its Compare accepts any *Version.
type Version struct {
	raw                 string
	major, minor, patch string // ASCII digits, leading zeros possible in Loose
	pre                 []string
	build               string
}

var _ version.Version = (*Version)(nil)

// Parse parses v strictly (as Scheme does).
func Parse(v string) (*Version, error) { return parse("semver", v, false) }

// ParseLoose parses v as Loose does.
func ParseLoose(v string) (*Version, error) { return parse("semver-loose", v, true) }

func parse(name, v string, loose bool) (*Version, error) {
	if len(v) > version.MaxLength {
		return nil, version.Invalid(name, v, "longer than the maximum length")
	}
	if v == "" {
		return nil, version.Invalid(name, v, "empty")
	}
	p := &Version{raw: v}
	rest := v
	if loose && rest[0] == 'v' {
		rest = rest[1:]
	}
	core := rest
	if i := strings.IndexAny(rest, "-+"); i >= 0 {
		core, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	nums := strings.Split(core, ".")
	if !loose && len(nums) != 3 {
		return nil, version.Invalid(name, v, "want MAJOR.MINOR.PATCH")
	}
	for _, n := range nums {
		if n == "" || !allDigits(n) {
			return nil, version.Invalid(name, v, "version numbers must be non-empty ASCII digits")
		}
		if !loose && len(n) > 1 && n[0] == '0' {
			return nil, version.Invalid(name, v, "version numbers must not have leading zeros")
		}
	}
	p.major, p.minor, p.patch = nums[0], "0", "0"
	if len(nums) > 1 {
		p.minor = nums[1]
	}
	if len(nums) > 2 {
		p.patch = nums[2]
	}
	if len(nums) > 3 {
		p.pre = append(p.pre, nums[3:]...)
	}
	if strings.HasPrefix(rest, "-") {
		pre := rest[1:]
		if i := strings.IndexByte(pre, '+'); i >= 0 {
			pre, rest = pre[:i], pre[i:]
		} else {
			rest = ""
		}
		ids := strings.Split(pre, ".")
		for _, id := range ids {
			if !validIdent(id) {
				return nil, version.Invalid(name, v, "pre-release identifiers must be non-empty [0-9A-Za-z-]")
			}
			if !loose && len(id) > 1 && id[0] == '0' && allDigits(id) {
				return nil, version.Invalid(name, v, "numeric pre-release identifiers must not have leading zeros")
			}
		}
		p.pre = append(p.pre, ids...)
	}
	if strings.HasPrefix(rest, "+") {
		p.build = rest[1:]
		for _, id := range strings.Split(p.build, ".") {
			if !validIdent(id) {
				return nil, version.Invalid(name, v, "build identifiers must be non-empty [0-9A-Za-z-]")
			}
		}
	}
	return p, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validIdent(s string) bool {
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

// Canonical returns "MAJOR.MINOR.PATCH[-PRE]" without leading zeros in numbers and numeric
// identifiers and without build metadata: versions that compare equal have the same Canonical
// ("v01.2.3.4+b" of Loose is "1.2.3-4").
func (v *Version) Canonical() string {
	var b strings.Builder
	b.WriteString(trimZeros(v.major) + "." + trimZeros(v.minor) + "." + trimZeros(v.patch))
	for i, id := range v.pre {
		if i == 0 {
			b.WriteByte('-')
		} else {
			b.WriteByte('.')
		}
		if allDigits(id) {
			id = trimZeros(id)
		}
		b.WriteString(id)
	}
	return b.String()
}

// Prerelease returns the pre-release identifiers (nil for a release).
func (v *Version) Prerelease() []string { return v.pre }

// Build returns the build metadata without its "+" ("" when there is none).
func (v *Version) Build() string { return v.build }

// Compare orders v and o (a *Version) by SemVer 2.0.0 precedence.
func (v *Version) Compare(o version.Version) int {
	w := o.(*Version)
	if c := cmpNum(v.major, w.major); c != 0 {
		return c
	}
	if c := cmpNum(v.minor, w.minor); c != 0 {
		return c
	}
	if c := cmpNum(v.patch, w.patch); c != 0 {
		return c
	}
	return ComparePrerelease(v.pre, w.pre)
}

// ComparePrerelease compares two pre-release identifier lists by SemVer 2.0.0 rules; an empty
// list (a release) is higher than any non-empty one.
func ComparePrerelease(a, b []string) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return 1
	case len(b) == 0:
		return -1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		an, bn := allDigits(a[i]), allDigits(b[i])
		var c int
		switch {
		case an && bn:
			c = cmpNum(a[i], b[i])
		case an:
			c = -1
		case bn:
			c = 1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return version.Sign(len(a) - len(b))
}

// cmpNum compares two ASCII digit strings of any length numerically.
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

// Key tags. A pre-release sorts below its release, so the pre-release marker is below the
// release marker; inside a pre-release the end of the list is below both kinds of identifier,
// and numeric identifiers are below alphanumeric ones.
const (
	tagPre     = 0x01
	tagRelease = 0x02

	tagEnd     = 0x01
	tagNumeric = 0x02
	tagAlpha   = 0x03
)

// Key returns the order-preserving key: the three numbers, then either the release marker or
// the pre-release marker, identifiers and an end marker. Build metadata is not part of it.
func (v *Version) Key() []byte {
	b := make([]byte, 0, len(v.raw)+16)
	b = version.AppendUint(b, v.major)
	b = version.AppendUint(b, v.minor)
	b = version.AppendUint(b, v.patch)
	return AppendPrereleaseKey(b, v.pre)
}

// AppendPrereleaseKey appends the key of a pre-release identifier list as Key builds it (the
// release marker when pre is empty), for schemes built on SemVer precedence.
func AppendPrereleaseKey(b []byte, pre []string) []byte {
	if len(pre) == 0 {
		return append(b, tagRelease)
	}
	b = append(b, tagPre)
	for _, id := range pre {
		if allDigits(id) {
			b = append(b, tagNumeric)
			b = version.AppendUint(b, id)
		} else {
			b = append(b, tagAlpha)
			b = version.AppendString(b, id)
		}
	}
	return append(b, tagEnd)
}
