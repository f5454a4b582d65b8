package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// FuzzInspect reads arbitrary bytes as a bundle, seeded with the test bundles: no panic, every
// refusal wraps portfolio.ErrInvalid, and what is read has well-formed, bounded subjects.
func FuzzInspect(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*", "bundle.sigstore.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := inspect(data)
		if err != nil {
			if !errors.Is(err, portfolio.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(c.subjects) > MaxSubjects {
			t.Fatalf("%d subjects", len(c.subjects))
		}
		for _, s := range c.subjects {
			if !digestRe.MatchString(s.Digest) || len(s.Name) > maxName {
				t.Fatalf("subject %q %q", s.Name, s.Digest)
			}
		}
		if c.sha256 != nil && len(c.sha256) != 32 {
			t.Fatalf("sha256 of %d bytes", len(c.sha256))
		}
	})
}
