package provenance

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// payloads returns the statements inside the test bundles, by file name.
func payloads(t testing.TB) map[string][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "gha-bundles", "*.sigstore"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test bundles: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			DSSE struct {
				Payload string `json:"payload"`
			} `json:"dsseEnvelope"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatal(err)
		}
		p, err := base64.StdEncoding.DecodeString(bundle.DSSE.Payload)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = p
	}
	return out
}

// TestParseStatement reads the provenance of every SLSA version and shape in the test bundles.
func TestParseStatement(t *testing.T) {
	type summary struct {
		Version, Builder, Repository, Ref, Commit, From string
	}
	want := map[string]summary{
		"valid.intoto.sigstore": {"v1-draft", "", "https://github.com/slsa-framework/slsa-github-generator", "", "521743c2cf7e3b7b2cc9fdcc2a1606d8e41211e0", "externalParameters.artifacts.source"},
		"valid-v0.3.intoto.sigstore": {"v0.2", "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/heads/main",
			"https://github.com/slsa-framework/example-package", "refs/heads/main", "0bf409adc654198ef6bf3c3823df82963a83068c", "invocation.configSource"},
		"attestation.intoto.sigstore": {"v1-draft", "https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml@refs/heads/main",
			"https://github.com/asraa/slsa-on-github-test", "refs/heads/main", "465171cc7f2097b8582fc61a281c4437563623ed", "externalParameters.source.artifact"},
		"gha_container-based-binary-linux-amd64-v14.intoto.sigstore": {"v1", "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/tags/v1.7.0",
			"https://github.com/slsa-framework/example-package", "refs/tags/v14", "62cb1f1e485829bafe8bbec8b9900c0cb7624fe7", "externalParameters.source"},
	}
	got := map[string]summary{}
	for name, p := range payloads(t) {
		if _, ok := want[name]; !ok {
			continue
		}
		_, f, err := ParseStatement(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got[name] = summary{f.SLSAVersion, f.BuilderID, f.Source.Repository, f.Source.Ref, f.Source.Commit, f.Source.From}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseStatementErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":         `{`,
		"not a statement":  `{"_type":"https://example.com/x","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`,
		"no subject":       `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`,
		"other predicate":  `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"https://openvex.dev/ns/v0.2.0","predicate":{}}`,
		"no builder":       `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"x"}}}`,
		"v0.2 no builder":  `{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{"buildType":"x"}}`,
		"predicate array":  `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":[]}`,
		"empty type, junk": `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"","predicate":{"x":1}}`,
	} {
		if _, _, err := ParseStatement([]byte(in)); !errors.Is(err, ErrNotProvenance) {
			t.Errorf("%s: got %v, want ErrNotProvenance", name, err)
		}
	}
}

func TestNormalizeRepository(t *testing.T) {
	for in, want := range map[string]string{
		"git+https://GitHub.com/O/r.git@refs/heads/main": "github.com/O/r",
		"https://github.com/O/r/":                        "github.com/O/r",
		"github.com/O/r":                                 "github.com/O/r",
		"git+ssh://git@github.com/O/r@refs/tags/v1":      "github.com/O/r",
	} {
		if got := NormalizeRepository(in); got != want {
			t.Errorf("NormalizeRepository(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseStatement: hostile statements never panic, and anything accepted has a subject
// and an SLSA version.
func FuzzParseStatement(f *testing.F) {
	for _, p := range payloads(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, facts, err := ParseStatement(data)
		if err != nil {
			if !errors.Is(err, ErrNotProvenance) {
				t.Fatalf("error without ErrNotProvenance: %v", err)
			}
			return
		}
		if len(facts.Subjects) == 0 || facts.SLSAVersion == "" {
			t.Fatalf("accepted without subject or version: %+v", facts)
		}
		facts.HasSubject("00")
		_ = facts.subjectList()
	})
}
