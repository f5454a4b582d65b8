// Package nuget orders NuGet package versions as NuGet.Versioning's NuGetVersion and its
// default VersionComparer do (https://learn.microsoft.com/nuget/concepts/package-versioning,
// NuGet/NuGet.Client src/NuGet.Core/NuGet.Versioning).
//
// A version is one to four dot-separated numbers (leading zeros allowed,
// missing ones are 0: "1.0" = "1.0.0" = "1.0.0.0"), an optional release label
// ("-" and dot-separated labels of [0-9A-Za-z-], numeric labels without leading zeros) and
// optional metadata ("+" and dot-separated parts of [0-9A-Za-z-]). The numbers compare
// numerically; a version with release labels is lower than one without; labels compare left
// to right, labels that .NET's int.TryParse accepts (including "-1" and numbers that fit in
// 32 bits) numerically and below other labels, which compare case-insensitively (ordinal);
// fewer labels is lower. Metadata is ignored: "1.0.0+a" = "1.0.0+B".
//
// Parse is stricter than NuGetVersion.TryParse where that is lenient by accident: it rejects
// surrounding white space and empty number sections ("1..2"), which NuGet trims and reads as 0.
// NuGet.Versioning holds the numbers in 32-bit integers and its parser wraps larger ones
// (or throws); Parse accepts numbers of any size and compares them numerically, as osv-scalibr
// does (the conformance fixtures hold such versions), so that they still order.
package nuget

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme orders NuGet versions.
var Scheme version.Scheme = scheme{}

type scheme struct{}

func (scheme) Name() string { return "nuget" }

func (scheme) Parse(v string) (version.Version, error) {
	p, err := Parse(v)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Version is a parsed NuGet version.
type Version struct {
	raw      string
	nums     [4]string // ASCII digits, maybe with leading zeros
	labels   []string
	numeric  []bool  // numeric[i]: labels[i] is a number to .NET's int.TryParse
	values   []int32 // values[i]: its value when numeric[i]
	metadata string
}

var _ version.Version = (*Version)(nil)

// Parse parses a NuGet version.
func Parse(v string) (*Version, error) {
	if len(v) > version.MaxLength {
		return nil, version.Invalid("nuget", v, "longer than the maximum length")
	}
	p := &Version{raw: v}
	core, rest := v, ""
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		core, rest = v[:i], v[i:]
	}
	sections := strings.Split(core, ".")
	if len(sections) > 4 {
		return nil, version.Invalid("nuget", v, "more than four version numbers")
	}
	for i, s := range sections {
		if s == "" || !allDigits(s) {
			return nil, version.Invalid("nuget", v, "version numbers must be non-empty ASCII digits")
		}
		p.nums[i] = s
	}
	for i := len(sections); i < len(p.nums); i++ {
		p.nums[i] = "0"
	}
	if strings.HasPrefix(rest, "-") {
		label := rest[1:]
		if i := strings.IndexByte(label, '+'); i >= 0 {
			label, rest = label[:i], label[i:]
		} else {
			rest = ""
		}
		p.labels = strings.Split(label, ".")
		p.numeric = make([]bool, len(p.labels))
		p.values = make([]int32, len(p.labels))
		for i, l := range p.labels {
			if !validPart(l) {
				return nil, version.Invalid("nuget", v, "release labels must be non-empty [0-9A-Za-z-]")
			}
			if len(l) > 1 && l[0] == '0' && allDigits(l) {
				return nil, version.Invalid("nuget", v, "numeric release labels must not have leading zeros")
			}
			p.values[i], p.numeric[i] = tryParseInt32(l)
		}
	}
	if strings.HasPrefix(rest, "+") {
		p.metadata = rest[1:]
		for _, part := range strings.Split(p.metadata, ".") {
			if !validPart(part) {
				return nil, version.Invalid("nuget", v, "metadata must be non-empty [0-9A-Za-z-] parts")
			}
		}
	}
	return p, nil
}

// tryParseInt32 reports whether .NET's int.TryParse accepts a label (which holds only
// [0-9A-Za-z-]): an optional "-" and decimal digits whose value fits in 32 bits.
func tryParseInt32(s string) (int32, bool) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || !allDigits(digits) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
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

// Metadata returns the metadata without its "+" ("" when there is none).
func (v *Version) Metadata() string { return v.metadata }

// Compare orders v and o (a *Version) as VersionComparer.Default does.
func (v *Version) Compare(o version.Version) int {
	w := o.(*Version)
	for i := range v.nums {
		if c := cmpNum(v.nums[i], w.nums[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(v.labels) == 0 && len(w.labels) == 0:
		return 0
	case len(v.labels) == 0:
		return 1
	case len(w.labels) == 0:
		return -1
	}
	for i := 0; i < len(v.labels) && i < len(w.labels); i++ {
		var c int
		switch {
		case v.numeric[i] && w.numeric[i]:
			c = cmpInt32(v.values[i], w.values[i])
		case v.numeric[i]:
			c = -1
		case w.numeric[i]:
			c = 1
		default:
			c = compareFold(v.labels[i], w.labels[i])
		}
		if c != 0 {
			return c
		}
	}
	return version.Sign(len(v.labels) - len(w.labels))
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

func cmpInt32(a, b int32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareFold compares ASCII strings ignoring case, as StringComparer.OrdinalIgnoreCase does
// for the characters labels may hold.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lower(a[i]), lower(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return version.Sign(len(a) - len(b))
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Key tags: a version with release labels sorts below one without; the end of the labels is
// below numeric labels, which are below alphanumeric ones.
const (
	tagPre     = 0x01
	tagRelease = 0x02

	tagEnd     = 0x01
	tagNumeric = 0x02
	tagAlpha   = 0x03
)

// Key returns the order-preserving key: the four numbers, then the release marker or the
// labels (numeric ones as offset 32-bit big-endian integers, others lower-cased) and an end
// marker. Metadata is not part of it.
func (v *Version) Key() []byte {
	b := make([]byte, 0, 24+len(v.raw))
	for _, n := range v.nums {
		b = version.AppendUint(b, n)
	}
	if len(v.labels) == 0 {
		return append(b, tagRelease)
	}
	b = append(b, tagPre)
	for i, l := range v.labels {
		if v.numeric[i] {
			b = append(b, tagNumeric)
			b = binary.BigEndian.AppendUint32(b, uint32(v.values[i])^0x80000000)
		} else {
			b = append(b, tagAlpha)
			b = version.AppendStringFunc(b, l, lower)
		}
	}
	return append(b, tagEnd)
}
