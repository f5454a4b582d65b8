package maven

import (
	"math/big"
	"strings"
)

// A second, deliberately literal model of ComparableVersion (Maven 3.9, or Maven 3.8.6 with
// OSV's dropping of empty sub-lists): a tree of int, long, BigInteger, string and list items
// compared by Item.compareTo, with no keys and no cycle breaking. The tests check Compare
// against it: they must agree on every pair except pairs on which Maven's order has a cycle
// (see the package documentation).

type refKind int

const (
	refBig refKind = iota // Maven's BIGINTEGER_ITEM = 0, STRING_ITEM = 1, LIST_ITEM = 2,
	refStr                // INT_ITEM = 3, LONG_ITEM = 4; only the names matter here
	refList
	refInt
	refLong
)

type refItem struct {
	kind  refKind
	num   *big.Int
	str   string
	items []*refItem
}

func refNumber(s string) *refItem {
	// stripLeadingZeroes keeps a string of zeros whole: "0000000000" is a long.
	t := strings.TrimLeft(s, "0")
	if t == "" {
		t = s
	}
	n, _ := new(big.Int).SetString(t, 10)
	switch {
	case len(t) <= 9:
		return &refItem{kind: refInt, num: n}
	case len(t) <= 18:
		return &refItem{kind: refLong, num: n}
	}
	return &refItem{kind: refBig, num: n}
}

func refString(s string, followedByDigit bool) *refItem {
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "ga", "final", "release":
		s = ""
	case "cr":
		s = "rc"
	}
	return &refItem{kind: refStr, str: s}
}

var refQualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

func refComparable(q string) string {
	for i, k := range refQualifiers {
		if k == q {
			return string(rune('0' + i))
		}
	}
	return "7-" + q
}

func (it *refItem) isNull() bool {
	switch it.kind {
	case refStr:
		return refComparable(it.str) == "5"
	case refList:
		return len(it.items) == 0
	}
	return it.num.Sign() == 0
}

func refParse(v string, maven39 bool) *refItem {
	v = strings.ToLower(v)
	root := &refItem{kind: refList}
	list := root
	stack := []*refItem{root}
	push := func() {
		l := &refItem{kind: refList}
		list.items = append(list.items, l)
		list = l
		stack = append(stack, l)
	}
	add := func(it *refItem) { list.items = append(list.items, it) }
	parseItem := func(digit bool, s string) *refItem {
		if digit {
			return refNumber(s)
		}
		return refString(s, false)
	}
	isDigit := false
	start := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				add(refNumber("0"))
			} else {
				add(parseItem(isDigit, v[start:i]))
			}
			start = i + 1
			if c == '-' {
				push()
			}
		case '0' <= c && c <= '9':
			if !isDigit && i > start {
				if maven39 && len(list.items) > 0 {
					push()
				}
				add(refString(v[start:i], true))
				start = i
				push()
			}
			isDigit = true
		default:
			if isDigit && i > start {
				add(parseItem(true, v[start:i]))
				start = i
				push()
			}
			isDigit = false
		}
	}
	if len(v) > start {
		if maven39 && !isDigit && len(list.items) > 0 {
			push()
		}
		add(parseItem(isDigit, v[start:]))
	}
	for i := len(stack) - 1; i >= 0; i-- {
		l := stack[i]
		for j := len(l.items) - 1; j >= 0; j-- {
			if l.items[j].isNull() {
				l.items = append(l.items[:j], l.items[j+1:]...)
			} else if l.items[j].kind != refList {
				break
			}
		}
	}
	if !maven39 {
		// OSV: a sub-list that holds nothing but a sub-list is that sub-list.
		for l := root; len(l.items) > 0; {
			last := l.items[len(l.items)-1]
			if last.kind != refList {
				break
			}
			for len(last.items) == 1 && last.items[0].kind == refList {
				last = last.items[0]
			}
			l.items[len(l.items)-1] = last
			l = last
		}
	}
	return root
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compare is Item.compareTo; o == nil is the end of a list.
func (it *refItem) compare(o *refItem) int {
	if o == nil {
		switch it.kind {
		case refStr:
			return sign(strings.Compare(refComparable(it.str), "5"))
		case refList:
			for _, x := range it.items {
				if r := x.compare(nil); r != 0 {
					return r
				}
			}
			return 0
		}
		return it.num.Sign()
	}
	switch it.kind {
	case refStr:
		if o.kind == refStr {
			return sign(strings.Compare(refComparable(it.str), refComparable(o.str)))
		}
		return -1
	case refList:
		switch o.kind {
		case refStr:
			return 1
		case refList:
			for i := 0; i < len(it.items) || i < len(o.items); i++ {
				var l, r *refItem
				if i < len(it.items) {
					l = it.items[i]
				}
				if i < len(o.items) {
					r = o.items[i]
				}
				var c int
				switch {
				case l == nil && r == nil:
				case l == nil:
					c = -r.compare(nil)
				default:
					c = l.compare(r)
				}
				if c != 0 {
					return c
				}
			}
			return 0
		}
		return -1
	}
	// it is a number.
	switch o.kind {
	case refStr, refList:
		return 1
	}
	rank := map[refKind]int{refInt: 0, refLong: 1, refBig: 2}
	if d := rank[it.kind] - rank[o.kind]; d != 0 {
		return sign(d)
	}
	return it.num.Cmp(o.num)
}

// refCompare compares a and b as ComparableVersion.compareTo does, of Maven 3.9 if maven39 and
// else of Maven 3.8.6 with OSV's dropping of empty sub-lists.
func refCompare(a, b string, maven39 bool) int {
	return refParse(a, maven39).compare(refParse(b, maven39))
}
