package maven

import (
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// A ComparableVersion list holds items and at most one sub-list, always as its last item (every
// '-' or digit/letter change opens a sub-list and the rest of the version goes into it), so a
// version is a chain of lists: lists[0] is the top-level list, lists[k+1] the sub-list ending
// lists[k].
type lists [][]item

// item is a number or a qualifier.
type item struct {
	num bool
	// digits is a number without leading zeros; "" for zero.
	digits string
	// zeroWidth tells ComparableVersion's three kinds of zero apart: a zero of up to 9 digits is
	// an int, of 10 to 18 digits ("0000000000") a long and of more a BigInteger, and Maven
	// orders them int < long < BigInteger like non-zero numbers of those lengths.
	zeroWidth int
	// qual is a qualifier, lower case, with aliases resolved ("ga" is "").
	qual string
}

// isNull reports whether the item equals the end of a list (Maven's Item.isNull).
func (it item) isNull() bool {
	if it.num {
		return it.digits == ""
	}
	return it.qual == ""
}

// Known qualifiers in order, with "" (the release) between snapshot and sp.
var preRelease = []string{"alpha", "beta", "milestone", "rc", "snapshot"}

// sign returns how a non-null item compares with the end of a list.
func (it item) sign() int {
	if it.num {
		return 1
	}
	for _, q := range preRelease {
		if it.qual == q {
			return -1
		}
	}
	return 1
}

func number(digits string) item {
	t := strings.TrimLeft(digits, "0")
	it := item{num: true, digits: t}
	if t == "" {
		switch {
		case len(digits) <= 9:
			it.zeroWidth = 1
		case len(digits) <= 18:
			it.zeroWidth = 10
		default:
			it.zeroWidth = 19
		}
	}
	return it
}

func qualifier(s string, followedByDigit bool) item {
	q := strings.ToLower(s)
	if followedByDigit {
		switch q {
		case "a":
			q = "alpha"
		case "b":
			q = "beta"
		case "m":
			q = "milestone"
		}
	}
	switch q {
	case "ga", "final", "release":
		q = ""
	case "cr":
		q = "rc"
	}
	return item{qual: q}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// split cuts v into items the way ComparableVersion.parseVersion does: Maven 3.9's when
// maven39 is true, else Maven 3.8.6's, where a qualifier after a dot stays in its list
// ("1.0.0.X1" is [1, 0, 0, X, [1]], below "1.0.0-X1", [1, 0, 0, [X, [1]]]).
func split(v string, maven39 bool) lists {
	l := lists{nil}
	add := func(it item) { l[len(l)-1] = append(l[len(l)-1], it) }
	open := func() { l = append(l, nil) }
	token := func(s string, digits bool) item {
		if digits {
			return number(s)
		}
		return qualifier(s, false)
	}
	start := 0
	digits := false // whether the last character that was not a separator was a digit
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				add(number("0"))
			} else {
				add(token(v[start:i], digits))
			}
			start = i + 1
			if c == '-' {
				open()
			}
		case isDigit(c):
			if !digits && i > start {
				// Since Maven 3.8.7 (MNG-7644) a qualifier followed by a digit goes into a
				// sub-list of its own unless it starts a list: "1.0.0.X1" is ordered like
				// "1.0.0-X1".
				if maven39 && len(l[len(l)-1]) > 0 {
					open()
				}
				add(qualifier(v[start:i], true))
				start = i
				open()
			}
			digits = true
		default:
			if digits && i > start {
				add(number(v[start:i]))
				start = i
				open()
			}
			digits = false
		}
	}
	if start < len(v) {
		if maven39 && !digits && len(l[len(l)-1]) > 0 { // MNG-7644 again
			open()
		}
		add(token(v[start:], digits))
	}
	return l
}

// normalize drops the trailing null items of every list, innermost first, and sub-lists left
// empty (ListItem.normalize). Unless maven39, it also drops the sub-lists left empty that hold
// another sub-list, as OSV does: "1-ga-1" is [1, [1]] like "1-1", where Maven has
// [1, [[1]]].
func normalize(l lists, maven39 bool) lists {
	for k := len(l) - 1; k >= 0; k-- {
		items := l[k]
		for len(items) > 0 && items[len(items)-1].isNull() {
			items = items[:len(items)-1]
		}
		l[k] = items
		if k > 0 && len(items) == 0 && (k == len(l)-1 || !maven39) {
			l = append(l[:k], l[k+1:]...)
		}
	}
	return l
}

// Key tags, in key order. At one position of a list the key compares, in this order: the
// pre-release qualifiers; a null qualifier ("", "ga", …) and a sub-list, and then a null number,
// whose rest of the list sorts below the end; the end of the list; a null qualifier whose rest
// sorts above the end; sp; unknown qualifiers; a sub-list above the end; numbers (a null
// number whose rest sorts above the end being 0).
const (
	tagAlpha        = 0x10 // + index in preRelease
	tagNullQualLow  = 0x20
	tagListLow      = 0x30
	tagZeroLow      = 0x40
	tagEnd          = 0x50
	tagNullQualHigh = 0x60
	tagSP           = 0x70
	tagQualifier    = 0x71
	tagListHigh     = 0x80
	tagNumber       = 0x90
)

// appendKey appends the key of normalized lists l. Every list is its items followed by
// tagEnd; a sub-list is its tag (by its comparison with the end) followed by its own key, and
// a null item has its tag by the comparison of the rest of its list with the end.
func appendKey(b []byte, l lists) []byte {
	// rest[k][j] is the sign of the comparison of the items from l[k][j] on, and of l[k]'s
	// sub-list, with the end of a list: that of the first item that is not null.
	rest := make([][]int, len(l))
	next := 0
	for k := len(l) - 1; k >= 0; k-- {
		rest[k] = make([]int, len(l[k])+1)
		rest[k][len(l[k])] = next
		for j := len(l[k]) - 1; j >= 0; j-- {
			if !l[k][j].isNull() {
				next = l[k][j].sign()
			}
			rest[k][j] = next
		}
	}
	for k, items := range l {
		if k > 0 {
			if rest[k][0] < 0 {
				b = append(b, tagListLow)
			} else {
				b = append(b, tagListHigh)
			}
		}
		for j, it := range items {
			b = appendItem(b, it, rest[k][j+1])
		}
	}
	for range l {
		b = append(b, tagEnd)
	}
	return b
}

func appendItem(b []byte, it item, rest int) []byte {
	switch {
	case it.num && it.digits != "":
		return version.AppendUint(append(b, tagNumber), it.digits)
	case it.num:
		tag := byte(tagNumber)
		if rest < 0 {
			tag = tagZeroLow
		}
		b = append(b, tag, byte(it.zeroWidth))
		for range it.zeroWidth {
			b = append(b, '0')
		}
		return b
	case it.qual == "":
		if rest < 0 {
			return append(b, tagNullQualLow)
		}
		return append(b, tagNullQualHigh)
	case it.qual == "sp":
		return append(b, tagSP)
	}
	for i, q := range preRelease {
		if it.qual == q {
			return append(b, tagAlpha+byte(i))
		}
	}
	return version.AppendString(append(b, tagQualifier), it.qual)
}
