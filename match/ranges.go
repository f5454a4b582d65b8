// Package match decides which advisories affect which packages, exactly as the OSV schema
// defines it (https://ossf.github.io/osv-schema/#evaluation). It is pure: it reads an
// inventory and advisories and returns findings, with no I/O. The vulnerability database uses
// the same interval computation to index advisories, so that an index lookup and the exact
// evaluation here always agree.
package match

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/version"
)

// Interval is a set of versions by key: Lo <= key < Hi, or key <= Hi when HiInclusive. A nil Lo
// has no lower bound; a nil Hi has no upper bound.
type Interval struct {
	Lo, Hi      []byte
	HiInclusive bool
}

// Contains reports whether key is in the interval.
func (iv Interval) Contains(key []byte) bool {
	if iv.Lo != nil && bytes.Compare(key, iv.Lo) < 0 {
		return false
	}
	if iv.Hi == nil {
		return true
	}
	c := bytes.Compare(key, iv.Hi)
	return c < 0 || c == 0 && iv.HiInclusive
}

// UnparsedError reports a range event whose version the scheme cannot parse: the range cannot
// be evaluated as an interval.
type UnparsedError struct {
	Version string
	Err     error
}

func (e *UnparsedError) Error() string {
	return fmt.Sprintf("range event version %q: %v", e.Version, e.Err)
}

func (e *UnparsedError) Unwrap() error { return e.Err }

// Intervals returns the affected versions of a SEMVER or ECOSYSTEM range as disjoint
// intervals of keys of scheme s, following the schema's evaluation algorithm: events are
// sorted by version ("introduced: 0" first); an introduced event starts an affected interval,
// fixed ends it (exclusive), last_affected ends it (inclusive); and when limit events are
// present, only versions below the highest limit are affected.
func Intervals(r osv.Range, s version.Scheme) ([]Interval, error) {
	type ev struct {
		kind string
		key  []byte // nil for introduced "0"
	}
	evs := make([]ev, 0, len(r.Events))
	var limit []byte
	hasLimit := false
	for _, e := range r.Events {
		kind, v := e.Kind()
		if kind == "introduced" && v == "0" {
			evs = append(evs, ev{kind: kind})
			continue
		}
		if kind == "limit" && v == "*" {
			continue // "*" means no limit
		}
		pv, err := s.Parse(v)
		if err != nil {
			return nil, &UnparsedError{Version: v, Err: err}
		}
		if kind == "limit" {
			if !hasLimit || bytes.Compare(pv.Key(), limit) > 0 {
				limit = pv.Key()
			}
			hasLimit = true
			continue
		}
		evs = append(evs, ev{kind: kind, key: pv.Key()})
	}
	// Sort by version; at the same version, apply introduced before fixed and last_affected
	// (the schema's reference evaluation visits them in this order).
	rank := map[string]int{"introduced": 0, "fixed": 1, "last_affected": 2}
	slices.SortStableFunc(evs, func(a, b ev) int {
		if a.key == nil || b.key == nil {
			switch {
			case a.key == nil && b.key == nil:
			case a.key == nil:
				return -1
			default:
				return 1
			}
		} else if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return rank[a.kind] - rank[b.kind]
	})
	var out []Interval
	open := false
	var lo []byte
	for _, e := range evs {
		switch e.kind {
		case "introduced":
			if !open {
				open, lo = true, e.key
			}
		case "fixed":
			if open {
				out = append(out, Interval{Lo: lo, Hi: e.key})
				open = false
			}
		case "last_affected":
			if open {
				out = append(out, Interval{Lo: lo, Hi: e.key, HiInclusive: true})
				open = false
			}
		}
	}
	if open {
		out = append(out, Interval{Lo: lo})
	}
	if hasLimit {
		out = clip(out, limit)
	}
	// Drop empty intervals (fixed at or below introduced).
	res := out[:0]
	for _, iv := range out {
		if iv.Lo != nil && iv.Hi != nil {
			c := bytes.Compare(iv.Lo, iv.Hi)
			if c > 0 || c == 0 && !iv.HiInclusive {
				continue
			}
		}
		res = append(res, iv)
	}
	return res, nil
}

// clip keeps the parts of the intervals below limit (exclusive).
func clip(ivs []Interval, limit []byte) []Interval {
	var out []Interval
	for _, iv := range ivs {
		if iv.Lo != nil && bytes.Compare(iv.Lo, limit) >= 0 {
			continue
		}
		if iv.Hi == nil || bytes.Compare(iv.Hi, limit) > 0 || bytes.Equal(iv.Hi, limit) && iv.HiInclusive {
			iv.Hi, iv.HiInclusive = limit, false
		}
		out = append(out, iv)
	}
	return out
}
