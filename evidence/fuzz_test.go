package evidence

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
			if !validDigest(s.Digest) || len(s.Name) > maxName {
				t.Fatalf("subject %q %q", s.Name, s.Digest)
			}
		}
		if c.sha256 != nil && len(c.sha256) != 32 {
			t.Fatalf("sha256 of %d bytes", len(c.sha256))
		}
	})
}

// TestValidDigest checks the digest checks against the regular expressions they replace.
func TestValidDigest(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9_-]{1,32}:[0-9a-f]{16,256}$`)
	h := strings.Repeat("0123456789abcdef", 16)
	for _, s := range []string{
		"sha256:" + h[:64], "sha512:" + h[:128], "x:" + h[:16], "x:" + h[:15], "x:" + h, "x:" + h + "0",
		strings.Repeat("a", 32) + ":" + h[:16], strings.Repeat("a", 33) + ":" + h[:16], ":" + h[:16], "sha256", "sha256:",
		"SHA256:" + h[:64], "sha256:" + strings.ToUpper(h[:64]), "sha_2-5:" + h[:20], "sha256:" + h[:63] + "g", "sha256:" + h[:20] + ":" + h[:20],
		"sha256:" + h[:20] + "\n", "é:" + h[:16],
	} {
		if got, want := validDigest(s), re.MatchString(s); got != want {
			t.Errorf("validDigest(%q) = %v, want %v", s, got, want)
		}
	}
}
