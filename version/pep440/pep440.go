// Package pep440 orders Python package versions (PyPI) as pypa/packaging does.
//
// Valid versions are those of PEP 440 (https://peps.python.org/pep-0440/) as
// packaging.version.Version accepts them, including its normalisations: case-insensitive, a
// leading "v", surrounding whitespace, alternative spellings (alpha, beta, c, pre, preview →
// a, b, rc; rev, r → post), implicit numbers ("1.0a" = "1.0a0"), the implicit post-release
// "1.0-1", and the separators ".", "-" and "_". Only ASCII is accepted (packaging also folds
// some non-ASCII letters and whitespace).
//
// Order follows packaging's _cmpkey: epoch, release with trailing zeros removed ("1.0" =
// "1.0.0"), pre-release (a dev release without pre- or post-release sorts before every
// pre-release: 1.0.dev0 < 1.0a0 < 1.0 < 1.0.post0.dev0 < 1.0.post0), post-release, dev
// release, then the local version ("+ubuntu.1": segment-wise, numbers above strings, a version
// with a local part above the same version without).
//
// Scheme additionally accepts what packaging before 22.0 called a LegacyVersion (any other
// string without whitespace or control characters, e.g. "0.9-doduo", "2013-01-21T20:33:09"),
// ordered as setuptools' old parse_version did and below every PEP 440 version. OSV orders
// PyPI versions this way (packaging_legacy) and so do the conformance fixtures. Strict accepts
// PEP 440 versions only.
package pep440

import (
	"regexp"
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the PyPI version scheme as OSV uses it ("pep440"): PEP 440 versions, and legacy
// versions below them.
var Scheme version.Scheme = scheme{legacy: true}

// Strict is the PEP 440 scheme of packaging 22 and later ("pep440-strict"): legacy versions
// are invalid.
var Strict version.Scheme = scheme{}

type scheme struct{ legacy bool }

func (s scheme) Name() string {
	if s.legacy {
		return "pep440"
	}
	return "pep440-strict"
}

func (s scheme) Parse(v string) (version.Version, error) {
	if s.legacy {
		return Parse(v)
	}
	return ParseStrict(v)
}

// pattern is packaging's VERSION_PATTERN with its surrounding whitespace; Go's regexp picks the
// same submatches as Python's backtracking matcher (leftmost-first).
var pattern = regexp.MustCompile(`(?i)^[ \t\n\r\f\v]*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)` +
	`(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?` +
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` +
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?)` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?[ \t\n\r\f\v]*$`)

// Submatch indexes in pattern.
const (
	mEpoch = 1 + iota
	mRelease
	mPreL
	mPreN
	mPostN1
	mPostL
	mPostN2
	mDev
	mDevN
	mLocal
)

// Pre-release kinds, in order; the values are also key tags.
const (
	preDevOnly = 0x01 // no pre- or post-release but a dev release: below every pre-release
	preAlpha   = 0x02
	preBeta    = 0x03
	preRC      = 0x04
	preNone    = 0x05
)

// Version is a parsed PyPI version.
type Version struct {
	s       string
	legacy  []string // setuptools' parts for a legacy version; nil for PEP 440
	epoch   string   // digits without leading zeros
	release []string // digits without leading zeros, trailing zeros removed
	pre     byte
	preN    string
	post    string // "" when there is no post-release
	hasPost bool
	dev     string
	hasDev  bool
	local   []localPart // nil when there is no local version
}

// localPart is a segment of the local version: a number or a lower-case alphanumeric string.
type localPart struct {
	s   string
	num bool
}

// IsLegacy reports whether v is a legacy (pre-PEP 440) version.
func (v Version) IsLegacy() bool { return v.legacy != nil }

func trimZeros(d string) string {
	for len(d) > 1 && d[0] == '0' {
		d = d[1:]
	}
	return d
}

// Parse parses a PEP 440 version, or else a legacy version.
func Parse(v string) (Version, error) {
	p, err := ParseStrict(v)
	if err == nil || len(v) > version.MaxLength {
		return p, err
	}
	return parseLegacy(v)
}

// ParseStrict parses a PEP 440 version.
func ParseStrict(v string) (Version, error) {
	if len(v) > version.MaxLength {
		return Version{}, version.Invalid("pep440", v, "too long")
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return Version{}, version.Invalid("pep440", v, "not ASCII")
		}
	}
	m := pattern.FindStringSubmatch(v)
	if m == nil {
		return Version{}, version.Invalid("pep440", v, "not a PEP 440 version")
	}
	r := Version{s: v, epoch: "0", pre: preNone}
	if m[mEpoch] != "" {
		r.epoch = trimZeros(m[mEpoch])
	}
	for p := range strings.SplitSeq(m[mRelease], ".") {
		r.release = append(r.release, trimZeros(p))
	}
	for len(r.release) > 0 && r.release[len(r.release)-1] == "0" {
		r.release = r.release[:len(r.release)-1]
	}
	if l := strings.ToLower(m[mPreL]); l != "" {
		switch l {
		case "a", "alpha":
			r.pre = preAlpha
		case "b", "beta":
			r.pre = preBeta
		default: // c, rc, pre, preview
			r.pre = preRC
		}
		r.preN = number(m[mPreN])
	}
	switch {
	case m[mPostN1] != "":
		r.hasPost, r.post = true, trimZeros(m[mPostN1])
	case m[mPostL] != "":
		r.hasPost, r.post = true, number(m[mPostN2])
	}
	if m[mDev] != "" {
		r.hasDev, r.dev = true, number(m[mDevN])
	}
	if r.pre == preNone && !r.hasPost && r.hasDev {
		r.pre = preDevOnly
	}
	if m[mLocal] != "" {
		for _, s := range strings.FieldsFunc(strings.ToLower(m[mLocal]), func(c rune) bool {
			return c == '.' || c == '-' || c == '_'
		}) {
			num := true
			for i := 0; i < len(s); i++ {
				if s[i] < '0' || s[i] > '9' {
					num = false
					break
				}
			}
			if num {
				s = trimZeros(s)
			}
			r.local = append(r.local, localPart{s: s, num: num})
		}
	}
	return r, nil
}

// number is an optional number: absent means 0.
func number(d string) string {
	if d == "" {
		return "0"
	}
	return trimZeros(d)
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Compare compares as packaging does (legacy versions below PEP 440 versions). o must be a
// pep440 Version.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	switch {
	case v.legacy != nil && w.legacy != nil:
		return compareLegacy(v.legacy, w.legacy)
	case v.legacy != nil:
		return -1
	case w.legacy != nil:
		return 1
	}
	if c := cmpNum(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(v.release) && i < len(w.release); i++ {
		if c := cmpNum(v.release[i], w.release[i]); c != 0 {
			return c
		}
	}
	if c := version.Sign(len(v.release) - len(w.release)); c != 0 {
		return c
	}
	if v.pre != w.pre {
		return version.Sign(int(v.pre) - int(w.pre))
	}
	if v.pre != preNone && v.pre != preDevOnly {
		if c := cmpNum(v.preN, w.preN); c != 0 {
			return c
		}
	}
	if c := cmpOptional(v.hasPost, v.post, w.hasPost, w.post, -1); c != 0 {
		return c
	}
	if c := cmpOptional(v.hasDev, v.dev, w.hasDev, w.dev, 1); c != 0 {
		return c
	}
	return compareLocal(v.local, w.local)
}

// cmpOptional compares optional numbers; absent sorts as the sign absent says.
func cmpOptional(ha bool, a string, hb bool, b string, absent int) int {
	switch {
	case ha && hb:
		return cmpNum(a, b)
	case ha:
		return -absent
	case hb:
		return absent
	}
	return 0
}

func compareLocal(a, b []localPart) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.num && y.num:
			if c := cmpNum(x.s, y.s); c != 0 {
				return c
			}
		case x.num:
			return 1
		case y.num:
			return -1
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return version.Sign(len(a) - len(b))
}

// cmpNum compares decimal numbers without leading zeros.
func cmpNum(a, b string) int {
	if len(a) != len(b) {
		return version.Sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

// Key tags.
const (
	tagLegacy = 0x01 // legacy versions sort below PEP 440 versions
	tagPEP440 = 0x02

	tagAbsent  = 0x01 // no post-release; no local version; end of the local version
	tagPresent = 0x02 // a post-release; a dev release; a local version; a string local segment
	tagNoDev   = 0x03 // no dev release (sorts above every dev release)
	tagLocNum  = 0x03 // a numeric local segment (above strings)
)

// Key returns the order-preserving key. A PEP 440 key is, in _cmpkey's order: tagPEP440, the
// epoch, each release number then 0x00 (AppendUint's first byte is never 0, so a shorter
// release sorts first), the pre-release kind and number, the post- and dev-release presence
// and number, and the local segments. Legacy keys are tagLegacy and setuptools' parts as
// strings, then 0x00.
func (v Version) Key() []byte {
	b := make([]byte, 0, 2*len(v.s)+16)
	if v.legacy != nil {
		b = append(b, tagLegacy)
		for _, p := range v.legacy {
			b = version.AppendString(b, p)
		}
		return append(b, 0)
	}
	b = append(b, tagPEP440)
	b = version.AppendUint(b, v.epoch)
	for _, r := range v.release {
		b = version.AppendUint(b, r)
	}
	b = append(b, 0, v.pre)
	if v.pre != preNone && v.pre != preDevOnly {
		b = version.AppendUint(b, v.preN)
	}
	if v.hasPost {
		b = version.AppendUint(append(b, tagPresent), v.post)
	} else {
		b = append(b, tagAbsent)
	}
	if v.hasDev {
		b = version.AppendUint(append(b, tagPresent), v.dev)
	} else {
		b = append(b, tagNoDev)
	}
	if v.local == nil {
		return append(b, tagAbsent)
	}
	b = append(b, tagPresent)
	for _, l := range v.local {
		if l.num {
			b = version.AppendUint(append(b, tagLocNum), l.s)
		} else {
			b = version.AppendString(append(b, tagPresent), l.s)
		}
	}
	return append(b, tagAbsent)
}
