// Package rpm orders RPM package versions the way rpm 4.x does, for the OSV ecosystems that
// use EVR strings: Red Hat, AlmaLinux, Rocky Linux, openSUSE and SUSE.
//
// A version is an EVR string "[epoch:]version[-release]", split as rpm's parseEVR
// (lib/rpmds.c) splits it: the epoch is the leading decimal digits when a ':' follows them
// (absent means 0), the release is what follows the last '-', and the version is what is
// between. Parse accepts what rpm's comparison accepts, which is nearly any string: it
// rejects only empty strings and versions, an empty epoch before ':', and white space or
// control characters (which cannot occur in a package's EVR). Non-ASCII bytes are allowed;
// like every character other than ASCII letters, digits, '~' and '^', they only separate
// segments.
//
// Compare follows rpmvercmp (rpmio/rpmvercmp.c, rpm 4.15 and later): the strings are read as
// segments of digits or of ASCII letters, with any run of other characters between them only a
// separator. At each position '~' sorts before everything, even the end of the string
// (pre-release: 1.0~rc1 < 1.0); then the end; then '^' (post-release snapshot: 1.0 < 1.0^git1
// < 1.0.1); then letter segments, compared as byte strings; then digit segments, compared as
// numbers of any size, leading zeros ignored. Epochs compare as numbers, then versions, then
// releases, as rpmverCmp (lib/rpmver.c, rpm.vercmp in rpm's Lua) does: a missing release sorts
// before every release, so 1.0 < 1.0-0 < 1.0-1. (rpm's dependency matching, rpmdsCompare,
// instead ignores the release when a range omits it; that is a match rule, not an order, and
// belongs to range matching, not to this package.)
package rpm

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the RPM version scheme.
var Scheme version.Scheme = scheme{}

var _ version.Version = Version{}

type scheme struct{}

// Name returns "rpm".
func (scheme) Name() string { return "rpm" }

// Parse validates v as an RPM EVR string.
func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// Version is a parsed EVR string.
type Version struct {
	s          string
	epoch      string // decimal digits; "" when absent
	version    string
	release    string
	hasRelease bool
}

// Parse validates s as an EVR string "[epoch:]version[-release]".
func Parse(s string) (Version, error) {
	bad := func(reason string) (Version, error) { return Version{}, version.Invalid("rpm", s, reason) }
	if s == "" {
		return bad("empty")
	}
	if len(s) > version.MaxLength {
		return bad("longer than 256 bytes")
	}
	if !utf8.ValidString(s) {
		return bad("not UTF-8")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return bad("white space or control character")
		}
	}
	v := Version{s: s}
	rest := s
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	if i < len(rest) && rest[i] == ':' {
		if i == 0 {
			return bad("empty epoch before ':'")
		}
		v.epoch, rest = rest[:i], rest[i+1:]
	}
	if j := strings.LastIndexByte(rest, '-'); j >= 0 {
		v.release, v.hasRelease = rest[j+1:], true
		rest = rest[:j]
	}
	if rest == "" {
		return bad("empty version")
	}
	v.version = rest
	return v, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Epoch returns the epoch's digits as written, or "" when there is none (epoch 0).
func (v Version) Epoch() string { return v.epoch }

// Version returns the version part of the EVR.
func (v Version) Version() string { return v.version }

// Release returns the release part of the EVR and whether there is one.
func (v Version) Release() (string, bool) { return v.release, v.hasRelease }

// Compare orders v and o (a Version of this package): epoch, version, then release.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	if c := bytes.Compare(version.AppendUint(nil, v.epoch), version.AppendUint(nil, w.epoch)); c != 0 {
		return c
	}
	if c := Vercmp(v.version, w.version); c != 0 {
		return c
	}
	switch {
	case !v.hasRelease && !w.hasRelease:
		return 0
	case !v.hasRelease:
		return -1
	case !w.hasRelease:
		return 1
	}
	return Vercmp(v.release, w.release)
}

// Vercmp compares two version or release strings as rpm's rpmvercmp does, returning -1, 0
// or +1.
func Vercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		i, j = skipSeparators(a, i), skipSeparators(b, j)
		ca, cb := byteAt(a, i), byteAt(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case i == len(a):
				return -1
			case j == len(b):
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}
		class := isAlpha
		if isDigit(ca) {
			class = isDigit
		}
		ei, ej := span(a, i, class), span(b, j, class)
		if ej == j {
			// Different kinds of segment: digits are newer than letters.
			if isDigit(ca) {
				return 1
			}
			return -1
		}
		sa, sb := a[i:ei], b[j:ej]
		if isDigit(ca) {
			sa, sb = strings.TrimLeft(sa, "0"), strings.TrimLeft(sb, "0")
			if len(sa) != len(sb) {
				return version.Sign(len(sa) - len(sb))
			}
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
		i, j = ei, ej
	}
	switch {
	case i == len(a) && j == len(b):
		return 0
	case i == len(a):
		return -1
	}
	return 1
}

// Key tags, in rpmvercmp's order of what can stand at one position.
const (
	tagTilde  = 0x01
	tagEnd    = 0x02
	tagCaret  = 0x03
	tagAlpha  = 0x04
	tagNumber = 0x05

	tagNoRelease = 0x01
	tagRelease   = 0x02
)

// Key returns the order-preserving key: the epoch, the version's segments and the release's.
func (v Version) Key() []byte {
	b := make([]byte, 0, 2*len(v.s)+8)
	b = version.AppendUint(b, v.epoch)
	b = AppendKey(b, v.version)
	if !v.hasRelease {
		return append(b, tagNoRelease)
	}
	return AppendKey(append(b, tagRelease), v.release)
}

// AppendKey appends the order-preserving key of a version or release string: one tagged item
// per '~', '^', letter segment and digit segment, then an end tag. Keys of two strings compare
// as Vercmp compares the strings.
func AppendKey(b []byte, s string) []byte {
	for i := skipSeparators(s, 0); i < len(s); i = skipSeparators(s, i) {
		switch c := s[i]; {
		case c == '~':
			b = append(b, tagTilde)
			i++
		case c == '^':
			b = append(b, tagCaret)
			i++
		case isDigit(c):
			e := span(s, i, isDigit)
			b = version.AppendUint(append(b, tagNumber), s[i:e])
			i = e
		default:
			e := span(s, i, isAlpha)
			b = version.AppendString(append(b, tagAlpha), s[i:e])
			i = e
		}
	}
	return append(b, tagEnd)
}

func skipSeparators(s string, i int) int {
	for i < len(s) && !isAlpha(s[i]) && !isDigit(s[i]) && s[i] != '~' && s[i] != '^' {
		i++
	}
	return i
}

func span(s string, i int, class func(byte) bool) int {
	for i < len(s) && class(s[i]) {
		i++
	}
	return i
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
