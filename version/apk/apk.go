// Package apk orders Alpine Linux package versions the way apk-tools does.
//
// The documented form is number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}
// (apk-package(5), https://gitlab.alpinelinux.org/alpine/apk-tools, doc/apk-package.5.scd):
// suffixes _alpha _beta _pre _rc sort before the release, _cvs _svn _git _hg _p after it.
//
// Parse and Compare follow apk-tools 2.14 (src/version.c, apk_version_validate and
// apk_version_compare_blob), the apk that built and compared the packages of Alpine 3.x up to
// 3.22 and so the versions of Alpine's security database and OSV's Alpine advisories. Its
// grammar is looser than the documented one: a letter may be followed by more digits (6.6.2p1,
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
//
// OSV orders Alpine versions that apk-tools rejects too (osv-scalibr's semantic package, the
// source of the conformance fixtures), and so does this package, so that every line of the
// fixtures holds (Valid tells the versions apk-tools accepts):
//   - where apk-tools 2.14 would reject a version (an unknown character or suffix, "-" without
//     "r", a component out of order, "~" without a hash), the rest of the string is one token
//     that ranks below every other token but a pre-release suffix, as apk-tools 3 ranks an
//     invalid token; all rests are equal ("1.2_blah" < "1.2", "1-r0-1" = "1-r0-2",
//     "1.0_foo" = "1.0_bar", "1.0bc" > "1.0");
//   - "-r" followed by a letter is no revision but the start of a rest ("1-ruff" < "1"), while
//     an empty revision followed by anything else is 0 ("1-r-2" = "1-r0-1");
//   - an empty number after a dot ("0.r1", "1..2", "1.") ranks below the end and above a rest
//     (apk-tools 2.14 reads it as 0; apk-tools 3 rejects it), so "0.r1" < "0r2".
//
// Only the empty string, NUL bytes, numbers of more than 17 digits and strings longer than
// version.MaxLength are rejected.
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
	tokEmpty // an empty number after a dot ("1..2", "0.r1", "1."): OSV's extension
	tokRest  // the rest of a version from where apk rejects it: OSV's extension
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

// Parse reads s as an Alpine package version. Every string of at most MaxLength bytes without
// NUL bytes and numbers of more than 17 digits is one (see the package documentation).
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

// Valid reports whether apk-tools itself accepts s (2.14's apk_version_validate, with
// apk-tools 3's "~hash"): whether s parses without a rest that apk rejects.
func Valid(s string) bool {
	v, err := Parse(s)
	return err == nil && v.tokens[len(v.tokens)-1].kind != tokRest
}

// tokenize reads s as apk-tools 2.14's get_token and next_token do, with apk-tools 3's
// "~hash" added and OSV's extensions: an empty number after a dot is a tokEmpty token, and
// where apk would reject s, a tokRest token ends the tokens. It returns the tokens, ending
// with tokEnd or tokRest, or why s is invalid.
func tokenize(s string) ([]token, string) {
	toks := make([]token, 0, 8)
	kind, pos := tokDigit, 0
	for {
		if pos == len(s) {
			switch kind {
			case tokHash: // '~' not followed by a commit hash
				return append(toks, token{kind: tokRest}), ""
			case tokDigitOrZero:
				return append(toks, token{kind: tokEmpty}, token{kind: tokEnd}), ""
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
			switch {
			case i > pos:
			case kind == tokDigitOrZero:
				t.kind = tokEmpty
			case kind == tokRevision && (isLower(s[pos]) || 'A' <= s[pos] && s[pos] <= 'Z'):
				// "-r" then a letter ("1-ruff") is no revision: the rest starts at the '-'.
				return append(toks, token{kind: tokRest}), ""
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
			if !found { // not one of alpha, beta, pre, rc, cvs, svn, git, hg or p
				return append(toks, token{kind: tokRest}), ""
			}
		case tokHash:
			i := pos
			for i < len(s) && isHex(s[i]) {
				i++
			}
			if i == pos { // '~' not followed by a lower-case hexadecimal commit hash
				return append(toks, token{kind: tokRest}), ""
			}
			t.hash, pos = s[pos:i], i
		}
		toks = append(toks, t)
		if pos == len(s) {
			return append(toks, token{kind: tokEnd}), ""
		}
		if next == tokInvalid {
			if next, pos = nextKind(s, pos, kind); next == tokInvalid {
				return append(toks, token{kind: tokRest}), ""
			}
		}
		kind = next
	}
}

// nextKind decides the kind of the token at s[pos] after a token of kind prev (apk-tools
// 2.14's next_token) and skips its separator. It returns tokInvalid where apk rejects the
// version: an unexpected character, '-' without 'r', or a component out of the order
// number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}.
func nextKind(s string, pos, prev int) (kind, newPos int) {
	c := s[pos]
	switch {
	case (prev == tokDigit || prev == tokDigitOrZero) && isLower(c):
		return tokLetter, pos
	case prev == tokLetter && isDigit(c):
		return tokDigit, pos
	case prev == tokSuffix && isDigit(c):
		return tokSuffixNo, pos
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
			return tokInvalid, pos
		}
		kind = tokRevision
		pos++
	default:
		return tokInvalid, pos
	}
	pos++
	if kind < prev && !(kind == tokDigitOrZero && prev == tokDigit) &&
		!(kind == tokSuffix && prev == tokSuffixNo) || kind == tokHash && prev == tokHash {
		return tokInvalid, pos
	}
	return kind, pos
}

// String returns the version as it was given.
func (v Version) String() string { return v.s }

// Compare orders v and o (a Version of this package) as apk-tools 2.14's
// apk_version_compare_blob does, with OSV's extensions: the tokens compare in turn, first by
// the rank of their kind at one place, then by value; two rests are equal.
func (v Version) Compare(o version.Version) int {
	a, b := v.tokens, o.(Version).tokens
	for i := 0; ; i++ {
		ra, rb := rank(a[i]), rank(b[i])
		switch {
		case ra != rb:
			return version.Sign(ra - rb)
		case ra == rankEnd || ra == rankRest:
			return 0
		}
		if c := compareValues(a[i], b[i]); c != 0 {
			return c
		}
	}
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

// Ranks of the kinds of token, for Compare, when two versions have tokens of different kinds
// at one place. In apk-tools 2.14 a pre-release suffix is lower than anything, and otherwise the
// kind that comes later in the grammar is lower; the rest, where apk would reject the version,
// ranks just above a pre-release suffix (as in apk-tools 3, where an invalid token is lower
// than anything but a pre-release suffix), and an empty number after a dot just above it.
const (
	rankPreSuffix = iota + 1
	rankRest
	rankEmpty
	rankEnd
	rankRevision
	rankHash
	rankSuffixNo
	rankPostSuffix
	rankLetter
	rankDigit
	rankDigitOrZero
)

// rank returns the rank of t's kind.
func rank(t token) int {
	switch t.kind {
	case tokSuffix:
		if t.n < 0 {
			return rankPreSuffix
		}
		return rankPostSuffix
	case tokDigitOrZero:
		return rankDigitOrZero
	case tokDigit:
		return rankDigit
	case tokLetter:
		return rankLetter
	case tokSuffixNo:
		return rankSuffixNo
	case tokHash:
		return rankHash
	case tokRevision:
		return rankRevision
	case tokEnd:
		return rankEnd
	case tokEmpty:
		return rankEmpty
	}
	return rankRest
}

// Key tags, in rank order. The rest and an empty number have no tag of their own: they are
// tagPreSuffix followed by a byte above every pre-release suffix's value, so that the keys of
// the versions apk-tools 2.14 accepts are those of earlier releases of this package.
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

	preSuffixRest  = 0x10 // after tagPreSuffix: the rest
	preSuffixEmpty = 0x11 // after tagPreSuffix: an empty number
)

// tags maps the kinds of numeric tokens to their tags.
var tags = [...]byte{tokDigit: tagDigit, tokSuffixNo: tagSuffixNo, tokRevision: tagRevision}

// Key returns the order-preserving key: a tag and a value for each token (the rest ends it).
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
		case tokEmpty:
			b = append(b, tagPreSuffix, preSuffixEmpty)
		case tokRest:
			b = append(b, tagPreSuffix, preSuffixRest)
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' }
