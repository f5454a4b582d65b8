package match

import (
	"github.com/hallmark-dev/hallmark/version"
)

// Memo returns a SchemeFunc whose schemes remember every version they parsed, with its key.
// Evaluating a package re-reads the same range events many times (for each target, and for
// each candidate fix in Advice); with Memo each distinct version string is parsed once per
// scan. The result is not safe for concurrent use; create one per scan.
func Memo(f SchemeFunc) SchemeFunc {
	schemes := map[version.Scheme]*memoScheme{}
	return func(ecosystem, rangeType string) (version.Scheme, bool) {
		s, ok := f(ecosystem, rangeType)
		if !ok {
			return nil, false
		}
		m := schemes[s]
		if m == nil {
			m = &memoScheme{inner: s, parsed: map[string]memoResult{}}
			schemes[s] = m
		}
		return m, true
	}
}

// maxMemo bounds the versions one memo keeps; past it, parsing is no longer remembered.
const maxMemo = 1 << 20

type memoScheme struct {
	inner  version.Scheme
	parsed map[string]memoResult
}

type memoResult struct {
	v   *memoVersion
	err error
}

func (m *memoScheme) Name() string { return m.inner.Name() }

func (m *memoScheme) Parse(s string) (version.Version, error) {
	if r, ok := m.parsed[s]; ok {
		if r.err != nil {
			return nil, r.err
		}
		return r.v, nil
	}
	v, err := m.inner.Parse(s)
	var r memoResult
	if err != nil {
		r.err = err
	} else {
		r.v = &memoVersion{Version: v, key: v.Key()}
	}
	if len(m.parsed) < maxMemo {
		m.parsed[s] = r
	}
	if err != nil {
		return nil, err
	}
	return r.v, nil
}

// memoVersion is a parsed version with its key computed once.
type memoVersion struct {
	version.Version
	key []byte
}

func (v *memoVersion) Key() []byte { return v.key }

func (v *memoVersion) Compare(o version.Version) int {
	if mv, ok := o.(*memoVersion); ok {
		o = mv.Version
	}
	return v.Version.Compare(o)
}
