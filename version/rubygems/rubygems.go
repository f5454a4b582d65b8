// Package rubygems orders RubyGems versions as Gem::Version does (RubyGems 3.5 and later,
// lib/rubygems/version.rb, https://github.com/rubygems/rubygems).
//
// Validity follows Gem::Version.correct?: ANCHORED_VERSION_PATTERN,
// \A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z — a version
// starts with digits. A blank version is "0". One extension follows OSV (osv-scalibr's
// semantic package, the source of the conformance fixtures), which orders RubyGems versions
// without validating them: letters may follow the leading digits ("1beta", which RubyGems
// rejects as malformed), and order as a segment of their own, so "1beta" = "1.beta" < "1".
//
// Order: the stripped version with every "-" replaced by ".pre." is reduced to its canonical
// segments (trailing zeros and, in a prerelease, the zeros before its first letter removed,
// by RubyGems' two substitutions), then split into numbers and letter runs ("1.0.a10" is
// [1, "a", 10]). Segments compare in turn, the shorter list padded with 0; a string sorts
// before any number, strings compare byte by byte (case-sensitive) and numbers by value.
// So "1.0" = "1" = "1.0.0", "1.0.a" < "1.0", "1.0.a2" = "1.0.a.2" and "1.0-1" = "1.0.pre.1".
//
// Since RubyGems 3.5 (commit 338c48f9) canonical segments drop a zero segment that sits between
// two letter segments when it is the first run of zeros before a letter ("1.a.0.b" =
// "1.a.b"); earlier RubyGems and OSV's own implementation keep it ("1.a.0.b" > "1.a.b"). This
// package follows current RubyGems.
package rubygems

import (
	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the RubyGems version scheme ("rubygems").
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "rubygems" }

func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// segment is a number (decimal digits without leading zeros) or a run of letters.
type segment struct {
	s   string
	num bool
}

// Version is a parsed RubyGems version.
type Version struct {
	s    string
	segs []segment // canonical segments, trailing numeric zeros removed
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

// valid reports whether t (stripped, not empty) matches VERSION_PATTERN, with letters allowed
// after the leading digits.
func valid(t string) bool {
	i := 0
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(t) && isAlnum(t[i]) { // OSV's extension: "1beta"
		i++
	}
	for i < len(t) && t[i] == '.' {
		j := i + 1
		for j < len(t) && isAlnum(t[j]) {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	if i == len(t) {
		return true
	}
	if t[i] != '-' {
		return false
	}
	// "-" then [0-9A-Za-z-]+ then ("." [0-9A-Za-z-]+)*
	for {
		j := i + 1
		for j < len(t) && (isAlnum(t[j]) || t[j] == '-') {
			j++
		}
		if j == i+1 {
			return false
		}
		if j == len(t) {
			return true
		}
		if t[j] != '.' {
			return false
		}
		i = j
	}
}

// Parse parses a RubyGems version.
func Parse(v string) (Version, error) {
	if len(v) > version.MaxLength {
		return Version{}, version.Invalid("rubygems", v, "too long")
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
		t = "0"
	} else if !valid(t) {
		return Version{}, version.Invalid("rubygems", v, "not a Gem::Version (digits, then dot-separated alphanumerics, then an optional -prerelease)")
	}
	return Version{s: v, segs: canonical(t)}, nil
}

// canonical computes Gem::Version#canonical_segments for the stripped version t, with
// trailing numeric zeros also removed (they compare as the padding does).
func canonical(t string) []segment {
	b := make([]byte, 0, len(t)+8)
	pre := false
	for i := 0; i < len(t); i++ {
		if t[i] == '-' {
			b = append(b, ".pre."...)
			pre = true
			continue
		}
		if isLetter(t[i]) {
			pre = true
		}
		b = append(b, t[i])
	}
	// @version.sub(/(?<=[a-zA-Z.])[.0]+\z/, ""): the leftmost start inside the trailing run
	// of '.' and '0' whose preceding byte is a letter or a dot.
	s := len(b)
	for s > 0 && (b[s-1] == '.' || b[s-1] == '0') {
		s--
	}
	for p := s; p < len(b); p++ {
		if p > 0 && (isLetter(b[p-1]) || b[p-1] == '.') {
			b = b[:p]
			break
		}
	}
	// In a prerelease, sub!(/(?<=\.|\A)[0.]+(?=[a-zA-Z])/, ""): the first run of '0' and '.'
	// starting at the beginning or after a dot and followed by a letter.
	if pre {
		for p := 0; p < len(b); p++ {
			if (b[p] != '0' && b[p] != '.') || (p > 0 && b[p-1] != '.') {
				continue
			}
			e := p
			for e < len(b) && (b[e] == '0' || b[e] == '.') {
				e++
			}
			if e < len(b) && isLetter(b[e]) {
				b = append(b[:p], b[e:]...)
				break
			}
		}
	}
	// scan(/\d+|[a-z]+/i)
	var segs []segment
	for i := 0; i < len(b); {
		j := i
		switch {
		case isDigit(b[i]):
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			d := b[i:j]
			for len(d) > 1 && d[0] == '0' {
				d = d[1:]
			}
			segs = append(segs, segment{s: string(d), num: true})
		case isLetter(b[i]):
			for j < len(b) && isLetter(b[j]) {
				j++
			}
			segs = append(segs, segment{s: string(b[i:j])})
		default:
			j++
		}
		i = j
	}
	for len(segs) > 0 && segs[len(segs)-1].num && segs[len(segs)-1].s == "0" {
		segs = segs[:len(segs)-1]
	}
	return segs
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

var zero = segment{s: "0", num: true}

// Compare implements Gem::Version#<=>. o must be a rubygems Version.
func (v Version) Compare(o version.Version) int {
	w := o.(Version)
	for i := 0; i < len(v.segs) || i < len(w.segs); i++ {
		a, b := zero, zero
		if i < len(v.segs) {
			a = v.segs[i]
		}
		if i < len(w.segs) {
			b = w.segs[i]
		}
		if c := cmpSeg(a, b); c != 0 {
			return c
		}
	}
	return 0
}

func cmpSeg(a, b segment) int {
	switch {
	case a.num && b.num:
		if len(a.s) != len(b.s) {
			return version.Sign(len(a.s) - len(b.s))
		}
	case a.num:
		return 1
	case b.num:
		return -1
	}
	switch {
	case a.s < b.s:
		return -1
	case a.s > b.s:
		return 1
	}
	return 0
}

// Key tags.
const (
	tagString = 0x01 // a letter segment after k zero segments: tag, k, string
	tagEnd    = 0x02 // the end: zeros for ever
	tagNumber = 0x03 // a positive number after k zero segments: tag, 0xFFFF-k, number
)

// Key returns the order-preserving key. Comparison pads with zeros, and a zero sorts above
// strings but below positive numbers, so zero segments cannot simply be encoded in place (the
// end would then sort wrongly against "1.0.a"). Each non-zero segment is instead encoded with
// the count k of zero segments before it: strings with k ascending (a string after fewer zeros
// meets a zero of the other version sooner, and loses), positive numbers with k descending,
// and the end between the two (the end is zeros for ever: above any string, below any number).
func (v Version) Key() []byte {
	b := make([]byte, 0, len(v.s)+3*len(v.segs)+1)
	k := 0
	for _, s := range v.segs {
		switch {
		case s.num && s.s == "0":
			k++
			continue
		case s.num:
			b = append(b, tagNumber, byte((0xFFFF-k)>>8), byte(0xFFFF-k))
			b = version.AppendUint(b, s.s)
		default:
			b = append(b, tagString)
			b = version.AppendUint64(b, uint64(k))
			b = version.AppendString(b, s.s)
		}
		k = 0
	}
	return append(b, tagEnd)
}
