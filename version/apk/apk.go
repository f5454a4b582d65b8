// Package apk orders Alpine Linux package versions the way apk-tools does.
//
// The documented form is number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}
// (apk-package(5), https://gitlab.alpinelinux.org/alpine/apk-tools, doc/apk-package.5.scd):
// suffixes _alpha _beta _pre _rc sort before the release, _cvs _svn _git _hg _p after it.
//
// Parse and Compare follow apk-tools 2.14 (src/version.c, apk_version_validate and
// apk_version_compare_blob), the apk that built and compared the packages of Alpine 3.x up to
// 3.22 and so the versions of Alpine's security database and OSV's Alpine advisories. Its
// grammar is looser than the documented one, and Parse accepts exactly what it accepts (apart
// from the empty string and NUL bytes): a letter may be followed by more digits (6.6.2p1,
// which apk-tools 3 rejects), the first number may be empty (.1, a), dots may repeat (0..8),
// "_" or "-r" may end the version, and numbers have at most 17 digits. On top of that, Parse
// accepts apk-tools 3's "~hash" component (lower-case hexadecimal, after the suffixes and
// before -r#), ordered as apk-tools 3 orders it: by the hash's bytes.
//
// Compare reads both versions as streams of tokens, compared pairwise: the first number and
// numbers after a letter or suffix compare as numbers; a number after a dot with leading zeros
// compares as a fraction (apk 2.14: each extra zero lowers it, so 1.1 > 1.01 > 1.001 and
// 1.0 > 1.00); letters by their byte; suffixes by the order above. When one version has a token
// of a different kind at the same place, a pre-release suffix is lower than anything,
// otherwise the kind that comes later in the grammar is lower: 1.0.1 > 1.0a > 1.0_p1 > 1.0~ab >
// 1.0-r1 > 1.0 > 1.0_rc1.
//
// Where apk-tools 3 orders differently from 2.14 (it rejects a letter followed by digits, and
// it compares numbers with leading zeros as strings, so 1.0 < 1.00 for it), this package
// follows 2.14.
package apk

import (
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is the apk version scheme, for the OSV ecosystem Alpine.
var Scheme version.Scheme = scheme{}

var _ version.Version = Version{}

type scheme struct{}

// Name returns "apk".
func (scheme) Name() string { return "apk" }

// Parse validates v as an Alpine package version.
func (scheme) Parse(v string) (version.Version, error) { return Parse(v) }

// Kinds of token, in apk-tools 2.14's order (tokHash is apk-tools 3's commit hash, at its
// place in apk-tools 3's order). When two versions have tokens of different kinds at one
// place, the later kind is the lower version, except that a pre-release suffix is lower than
// everything.
const (
	tokInvalid = iota - 1
	tokDigitOrZero
	tokDigit
	tokLetter
	tokSuffix
	tokSuffixNo
	tokHash
	tokRevision
	tokEnd
)

// suffixes in order; values are index-4, so pre-releases are negative.
var suffixes = [...]string{"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"}

// maxDigits is the longest number apk-tools 2.14 accepts (it rejects 18 digits or more).
const maxDigits = 17

type token struct {
	kind int
	n    int64  // value of every kind but tokHash
	hash string // value of tokHash
}

// Version is a parsed Alpine version.
type Version struct {
	s      string
	tokens []token // ends with a tokEnd token
}

// Parse validates s as an Alpine package version.
func Parse(s string) (Version, error) {
	bad := func(reason string) (Version, error) { return Version{}, version.Invalid("apk", s, reason) }
	switch {
	case s == "":
		return bad("empty")
	case len(s) > version.MaxLength:
		return bad("longer than 256 bytes")
	case strings.IndexByte(s, 0) >= 0:
		return bad("NUL byte")
	}
	toks, reason := tokenize(s)
	if reason != "" {
		return bad(reason)
	}
	return Version{s: s, tokens: toks}, nil
}

// tokenize reads s as apk-tools 2.14's get_token and next_token do, with apk-tools 3's
// "~hash" added. It returns the tokens, ending with tokEnd, or why s is invalid.
func tokenize(s string) ([]token, string) {
	toks := make([]token, 0, 8)
	kind, pos := tokDigit, 0
	for {
		if pos == len(s) {
			if kind == tokHash {
				return nil, "'~' not followed by a lower-case hexadecimal commit hash"
			}
			// A token at the end of the string is empty and worth 0.
			return append(toks, token{kind: kind}, token{kind: tokEnd}), ""
		}
		t := token{kind: kind}
		next := tokInvalid
		switch kind {
		case tokDigitOrZero, tokDigit, tokSuffixNo, tokRevision:
			if kind == tokDigitOrZero && s[pos] == '0' {
				// After a dot, leading zeros make a fraction: each zero beyond the first
				// lowers the value by one, and the number after them is a token of its own.
				i := 0
				for pos+i+1 < len(s) && s[pos+i+1] == '0' {
					i++
				}
				t.n = -int64(i)
				pos += i
				next = tokDigit
				break
			}
			i := pos
			for i < len(s) && isDigit(s[i]) {
				t.n = t.n*10 + int64(s[i]-'0')
				i++
			}
			if i-pos > maxDigits {
				return nil, "number with more than 17 digits"
			}
			pos = i
		case tokLetter:
			t.n = int64(s[pos])
			pos++
		case tokSuffix:
			found := false
			for i, suf := range suffixes {
				if strings.HasPrefix(s[pos:], suf) {
					t.n, found = int64(i-4), true
					pos += len(suf)
					break
				}
			}
			if !found {
				return nil, "unknown suffix after '_' (want alpha, beta, pre, rc, cvs, svn, git, hg or p)"
			}
		case tokHash:
			i := pos
			for i < len(s) && isHex(s[i]) {
				i++
			}
			if i == pos {
				return nil, "'~' not followed by a lower-case hexadecimal commit hash"
			}
			t.hash, pos = s[pos:i], i
		}
		toks = append(toks, t)
		if pos == len(s) {
			return append(toks, token{kind: tokEnd}), ""
		}
		if next == tokInvalid {
			var reason string
			next, pos, reason = nextKind(s, pos, kind)
			if reason != "" {
				return nil, reason
			}
		}
		kind = next
	}
}

// nextKind decides the kind of the token at s[pos] after a token of kind prev (apk-tools
// 2.14's next_token) and skips its separator.
func nextKind(s string, pos, prev int) (kind, newPos int, reason string) {
	c := s[pos]
	switch {
	case (prev == tokDigit || prev == tokDigitOrZero) && isLower(c):
		return tokLetter, pos, ""
	case prev == tokLetter && isDigit(c):
		return tokDigit, pos, ""
	case prev == tokSuffix && isDigit(c):
		return tokSuffixNo, pos, ""
	}
	switch c {
	case '.':
		kind = tokDigitOrZero
	case '_':
		kind = tokSuffix
	case '~':
		kind = tokHash
	case '-':
		if pos+1 >= len(s) || s[pos+1] != 'r' {
			return 0, 0, "'-' not followed by 'r'"
		}
		kind = tokRevision
		pos++
	default:
		return 0, 0, "unexpected character " + quote(c)
	}
	pos++
	if kind < prev && !(kind == tokDigitOrZero && prev == tokDigit) &&
		!(kind == tokSuffix && prev == tokSuffixNo) || kind == tokHash && prev == tokHash {
		return 0, 0, quote(c) + " out of order (want number{.number}...{letter}{_suffix{number}}...{~hash}{-r#})"
	}
	return kind, pos, ""
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Compare orders v and o (a Version of this package) as apk-tools 2.14's
// apk_version_compare_blob does.
func (v Version) Compare(o version.Version) int {
	a, b := v.tokens, o.(Version).tokens
	// Walk both streams while the tokens are of the same kind and equal; i is the place of the
	// next tokens, whose kinds are ak and bk.
	ak, bk := a[0].kind, b[0].kind
	i := 0
	for ak == bk && ak != tokEnd {
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
		i++
		ak, bk = a[i].kind, b[i].kind
	}
	switch {
	case ak == bk:
		return 0
	case ak == tokSuffix && a[i].n < 0:
		return -1
	case bk == tokSuffix && b[i].n < 0:
		return 1
	case ak > bk:
		return -1
	}
	return 1
}

func compareValues(a, b token) int {
	if a.kind == tokHash {
		return strings.Compare(a.hash, b.hash)
	}
	switch {
	case a.n < b.n:
		return -1
	case a.n > b.n:
		return 1
	}
	return 0
}

// Key tags: the kinds in the order Compare gives them when they meet at one place.
const (
	tagPreSuffix = iota + 1
	tagEnd
	tagRevision
	tagHash
	tagSuffixNo
	tagPostSuffix
	tagLetter
	tagDigit
	tagDigitOrZero
)

// tags maps the kinds of numeric tokens to their tags.
var tags = [...]byte{tokDigit: tagDigit, tokSuffixNo: tagSuffixNo, tokRevision: tagRevision}

// Key returns the order-preserving key: a tag and a value for each token.
func (v Version) Key() []byte {
	b := make([]byte, 0, 4*len(v.tokens))
	for _, t := range v.tokens {
		switch t.kind {
		case tokSuffix:
			if t.n < 0 {
				b = append(b, tagPreSuffix, byte(t.n+4))
			} else {
				b = append(b, tagPostSuffix, byte(t.n))
			}
		case tokLetter:
			b = append(b, tagLetter, byte(t.n))
		case tokHash:
			b = version.AppendString(append(b, tagHash), t.hash)
		case tokEnd:
			b = append(b, tagEnd)
		case tokDigitOrZero:
			// Zero runs are negative: 0x01 and 0xFFFF minus the count (at most 255 in a
			// 256-byte version); numbers are 0x02 and the number.
			if t.n < 0 {
				d := 0xFFFF + t.n
				b = append(b, tagDigitOrZero, 0x01, byte(d>>8), byte(d))
			} else {
				b = version.AppendUint64(append(b, tagDigitOrZero, 0x02), uint64(t.n))
			}
		default:
			b = version.AppendUint64(append(b, tags[t.kind]), uint64(t.n))
		}
	}
	return b
}

func quote(c byte) string {
	if c < 0x20 || c >= 0x7F {
		return "byte " + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
	}
	return "'" + string(c) + "'"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' }
