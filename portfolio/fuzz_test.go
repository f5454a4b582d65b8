package portfolio

import (
	"errors"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/version"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// FuzzParseRange: a range either parses into an interval whose keys are real bounds, or is
// refused as ErrInvalid; never a panic.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"", ">=4.0.0,<4.17.21", "=1.2.3", "==1", ">1,<=2", "<0", ">=1.0.0-rc.1", "~1", ",", ">=", "= ,<"} {
		f.Add("npm", s)
		f.Add("PyPI", s)
		f.Add("Debian", s)
	}
	f.Fuzz(func(t *testing.T, eco, rng string) {
		kr, err := parseRange(eco, rng)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("parseRange(%q, %q): %v is not ErrInvalid", eco, rng, err)
			}
			return
		}
		if kr.any {
			return
		}
		// The interval holds each version named in the range exactly when that version
		// satisfies every comparison, as the scheme compares.
		sch, _ := lookup.For(eco, osv.RangeEcosystem)
		type cmpOp struct {
			op string
			v  version.Version
		}
		var ops []cmpOp
		for _, part := range strings.Split(rng, ",") {
			part = strings.TrimSpace(part)
			for _, o := range []string{">=", "<=", "==", ">", "<", "="} {
				if strings.HasPrefix(part, o) {
					v, err := sch.Parse(strings.TrimSpace(part[len(o):]))
					if err != nil {
						t.Fatalf("%q parsed, but not %q", rng, part)
					}
					ops = append(ops, cmpOp{o, v})
					break
				}
			}
		}
		for _, x := range ops {
			want := true
			for _, c := range ops {
				r := x.v.Compare(c.v)
				switch c.op {
				case ">=":
					want = want && r >= 0
				case ">":
					want = want && r > 0
				case "<=":
					want = want && r <= 0
				case "<":
					want = want && r < 0
				default:
					want = want && r == 0
				}
			}
			if got := kr.iv.Contains(x.v.Key()); got != want {
				t.Fatalf("parseRange(%q, %q): version %v in interval = %v, want %v", eco, rng, x.v, got, want)
			}
		}
	})
}

// FuzzCursor: a cursor decodes to a positive ID or is refused as ErrInvalid, and every
// cursor the package writes reads back.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"", encodeCursor(1), encodeCursor(1 << 40), "e30", "!!", "eyJpIjotMX0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := decodeCursor(s)
		switch {
		case err != nil && !errors.Is(err, ErrInvalid):
			t.Fatalf("decodeCursor(%q): %v is not ErrInvalid", s, err)
		case err == nil && s != "" && id <= 0:
			t.Fatalf("decodeCursor(%q) = %d", s, id)
		case err == nil && id > 0:
			if back, err := decodeCursor(encodeCursor(id)); err != nil || back != id {
				t.Fatalf("round trip of %d: %d, %v", id, back, err)
			}
		}
	})
}
