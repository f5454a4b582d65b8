// Package dpkg orders Debian and Ubuntu package versions the way dpkg does.
//
// A version is [epoch:]upstream_version[-debian_revision] (Debian Policy §5.6.12,
// https://www.debian.org/doc/debian-policy/ch-controlfields.html#version). Parse follows dpkg's
// parseversion (lib/dpkg/parsehelp.c), treating its warnings as errors: the epoch is the
// decimal digits before the first ':' (at most 2147483647), the revision is what follows the
// last '-', the upstream version starts with a digit and holds only A–Z a–z 0–9 . + ~ - :, the
// revision only A–Z a–z 0–9 . + ~, and neither may be empty when its separator is present.
// dpkg's trimming of surrounding spaces is not done: a version with white space is invalid.
//
// Compare follows dpkg's verrevcmp (lib/dpkg/version.c): epochs compare as numbers, then the
// upstream versions, then the revisions (an absent revision compares like "0"), each split
// into alternating non-digit and digit parts. Non-digit parts compare character by character
// with '~' before everything, even the end of the part, then the end of the part, then
// letters, then the other characters, each in ASCII order; digit parts compare as numbers of
// any size. So 1.0~rc1 < 1.0 < 1.0+b1 < 1.0a, and 1.0 = 1.00 = 1.0-0.
package dpkg

import (
	"bytes"
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the dpkg version scheme, for the OSV ecosystems Debian and Ubuntu.
var Scheme version.Scheme = scheme{}

var _ version.Version = Version{}

type scheme struct{}

// Name returns "dpkg".
func (scheme) Name() string { return "dpkg" }

// Parse validates v as a Debian version.
func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// Version is a parsed Debian version.
type Version struct {
	s        string
	epoch    string // decimal digits, "" when absent
	upstream string
	revision string // "" when absent
}

// Parse validates s as a Debian version ([epoch:]upstream[-revision]).
func Parse(s string) (Version, error) {
	bad := func(reason string) (Version, error) { return Version{}, version.Invalid("dpkg", s, reason) }
	if s == "" {
		return bad("empty")
	}
	if len(s) > version.MaxLength {
		return bad("longer than 256 bytes")
	}
	v := Version{s: s}
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e := s[:i]
		if e == "" {
			return bad("empty epoch before ':'")
		}
		if !allDigits(e) {
			return bad("epoch is not a decimal number")
		}
		if !fitsInt32(e) {
			return bad("epoch larger than 2147483647")
		}
		v.epoch = e
		rest = s[i+1:]
		if rest == "" {
			return bad("nothing after the epoch's ':'")
		}
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.revision = rest[i+1:]
		rest = rest[:i]
		if v.revision == "" {
			return bad("empty revision after '-'")
		}
	}
	v.upstream = rest
	if rest == "" {
		return bad("empty upstream version")
	}
	if !isDigit(rest[0]) {
		return bad("upstream version does not start with a digit")
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !isAlnum(c) && !strings.ContainsRune(".+~-:", rune(c)) {
			return bad("invalid character in upstream version")
		}
	}
	for i := 0; i < len(v.revision); i++ {
		if c := v.revision[i]; !isAlnum(c) && !strings.ContainsRune(".+~", rune(c)) {
			return bad("invalid character in revision")
		}
	}
	return v, nil
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Epoch returns the epoch's digits as written, or "" when the version has none (epoch 0).
func (v Version) Epoch() string { return v.epoch }

// Upstream returns the upstream_version part.
func (v Version) Upstream() string { return v.upstream }

// Revision returns the debian_revision part, or "" when the version has none.
func (v Version) Revision() string { return v.revision }

// Compare orders v and o (a Version of this package) as dpkg --compare-versions does.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	if c := bytes.Compare(version.AppendUint(nil, v.epoch), version.AppendUint(nil, w.epoch)); c != 0 {
		return c
	}
	if c := verrevcmp(v.upstream, w.upstream); c != 0 {
		return c
	}
	return verrevcmp(v.revision, w.revision)
}

// order is dpkg's weight of a character in a non-digit part: '~' first, then the end of the
// part (and digits, which end it), then letters, then everything else.
func order(c int) int {
	switch {
	case c < 0:
		return 0 // end of string
	case isDigit(byte(c)):
		return 0
	case isAlpha(byte(c)):
		return c
	case c == '~':
		return -1
	}
	return c + 256
}

// verrevcmp compares two upstream versions or two revisions as dpkg does.
func verrevcmp(a, b string) int {
	at := func(s string, i int) int {
		if i < len(s) {
			return int(s[i])
		}
		return -1
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			if ac, bc := order(at(a, i)), order(at(b, j)); ac != bc {
				return version.Sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		first := 0
		for i < len(a) && j < len(b) && isDigit(a[i]) && isDigit(b[j]) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if first != 0 {
			return version.Sign(first)
		}
	}
	return 0
}

// Key bytes. A part string becomes, for each (non-digit, digit) pair, the mapped non-digit
// characters, partEnd, and the number; trailing pairs equal to ("", 0) are dropped, and the
// string ends with partEnd, zero, partEnd, which orders an ended string like the ("", 0)
// pairs dpkg pads it with.
const (
	keyTilde   = 0x01
	keyPartEnd = 0x02
	// letters map to themselves (0x41–0x7A); other characters to 0x80 + c.
)

func mapChar(c byte) byte {
	switch {
	case c == '~':
		return keyTilde
	case isAlpha(c):
		return c
	}
	return 0x80 + c
}

// Key returns the order-preserving key: the epoch, the upstream version and the revision.
func (v Version) Key() []byte {
	b := make([]byte, 0, len(v.s)+16)
	b = version.AppendUint(b, v.epoch)
	b = appendPart(b, v.upstream)
	return appendPart(b, v.revision)
}

func appendPart(b []byte, s string) []byte {
	// Split into pairs and drop trailing ("", 0) pairs: only the first pair can have an empty
	// non-digit part, so this only drops a part that is all zeros.
	if strings.Trim(s, "0") == "" {
		s = ""
	}
	for i := 0; i < len(s); {
		for ; i < len(s) && !isDigit(s[i]); i++ {
			b = append(b, mapChar(s[i]))
		}
		b = append(b, keyPartEnd)
		j := i
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
		b = version.AppendUint(b, s[j:i])
	}
	b = append(b, keyPartEnd)
	b = version.AppendUint(b, "0")
	return append(b, keyPartEnd)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func fitsInt32(digits string) bool {
	d := strings.TrimLeft(digits, "0")
	return len(d) < 10 || (len(d) == 10 && d <= "2147483647")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
