package provenance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// ghaCase is one bundle of the GitHub SLSA generator (testdata/gha-bundles, see SOURCES.md)
// with what verifying it must give.
type ghaCase struct {
	file     string
	digest   string // the subject's sha256
	identity string // the certificate's SAN
	// expectations passed to Verify
	sourceURI, sourceTag, sourceBranch, builderID string
	delegators                                    []string // TrustedDelegatorsUnsafe
	// outcome
	err     error // nil: verifies
	level   int
	builder string
	source  string // repository ref
}

const (
	genMain      = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
	delegatorSAN = "https://github.com/laurentsimon/slsa-delegator/.github/workflows/delegator_generic_slsa3.yml@refs/heads/main"
	// testDelegator is the test delegator of attestation.intoto.sigstore: not the SLSA
	// generator's, so trusted only when named in TrustedDelegatorsUnsafe.
	testDelegator = "https://github.com/laurentsimon/slsa-delegator/.github/workflows/delegator_generic_slsa3.yml"
	exampleTRW    = "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml"
)

var ghaCases = []ghaCase{
	{
		file: "valid.intoto.sigstore", digest: "975a0582b8c9607f3f20a6b8cfef01b25823e68c5c3658e6e1ccaaced2a3255d",
		identity:  genMain + "builder_docker-based_slsa3.yml@refs/heads/main",
		sourceURI: "github.com/slsa-framework/slsa-github-generator", sourceBranch: "main",
		builderID: genMain + "builder_docker-based_slsa3.yml",
		level:     2, builder: genMain + "builder_docker-based_slsa3.yml@refs/heads/main",
		source: "https://github.com/slsa-framework/slsa-github-generator refs/heads/main",
	},
	{
		file: "valid-v0.3.intoto.sigstore", digest: "2892146b063a94cb4a4318c0e98d38af12dcf2b1e29237486b58463b59607bbd",
		identity:  genMain + "generator_generic_slsa3.yml@refs/heads/main",
		sourceURI: "https://github.com/slsa-framework/example-package", sourceBranch: "main",
		builderID: genMain + "generator_generic_slsa3.yml",
		level:     2, builder: genMain + "generator_generic_slsa3.yml@refs/heads/main",
		source: "https://github.com/slsa-framework/example-package refs/heads/main",
	},
	{
		file: "attestation.intoto.sigstore", digest: "2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71",
		identity:  delegatorSAN,
		sourceURI: "git+https://github.com/asraa/slsa-on-github-test", sourceBranch: "main",
		builderID:  "https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml",
		delegators: []string{testDelegator},
		level:      2, builder: "https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml@refs/heads/main",
		source: "https://github.com/asraa/slsa-on-github-test refs/heads/main",
	},
	{
		// The same bundle without its test delegator trusted: a workflow outside the SLSA
		// generator's repository, named delegator_*, cannot sign for another builder.
		file: "attestation.intoto.sigstore", digest: "2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71",
		identity:  delegatorSAN,
		builderID: "https://github.com/asraa/slsa-on-github/.github/workflows/goreleaser_slsa3.yml",
		err:       ErrBuilder,
	},
	{
		// A real "bring your own builder" bundle: the generator's delegator at v2.1.0 signs for
		// the tool's reusable workflow (example-trw) that called it.
		file: "gha_delegator-generic-v2.1.0-push-v14.intoto.sigstore", digest: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
		identity:  genMain + "delegator_generic_slsa3.yml@refs/tags/v2.1.0",
		sourceURI: "github.com/slsa-framework/example-package", sourceTag: "v14",
		builderID: exampleTRW,
		level:     3, builder: exampleTRW + "@refs/tags/v2.1.0",
		source: "https://github.com/slsa-framework/example-package refs/tags/v14",
	},
	{
		file: "gha_container-based-binary-linux-amd64-v14.intoto.sigstore", digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		identity:  genMain + "builder_container-based_slsa3.yml@refs/tags/v1.7.0",
		sourceURI: "github.com/slsa-framework/example-package", sourceTag: "v14",
		builderID: genMain + "builder_container-based_slsa3.yml@refs/tags/v1.7.0",
		level:     3, builder: genMain + "builder_container-based_slsa3.yml@refs/tags/v1.7.0",
		source: "https://github.com/slsa-framework/example-package refs/tags/v14",
	},
	{
		file: "invalid-dsse-sig.intoto.sigstore", digest: "092b220688ee737c66882a74ae8bfe3e2b35df60b92404b552ebe905a2d633ce",
		identity: delegatorSAN, err: ErrSignature,
	},
	{
		file: "invalid-set.intoto.sigstore", digest: "092b220688ee737c66882a74ae8bfe3e2b35df60b92404b552ebe905a2d633ce",
		identity: delegatorSAN, err: ErrSignature,
	},
	{
		file: "mismatch-tlog.intoto.sigstore", digest: "2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71",
		identity: delegatorSAN, err: ErrSignature,
	},
}

func TestVerifyGitHubGenerator(t *testing.T) {
	tr, err := PublicGoodTrustedRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range ghaCases {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "gha-bundles", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			id, err := verify.NewShortCertificateIdentity(GitHubActionsIssuer, "", tc.identity, "")
			if err != nil {
				t.Fatal(err)
			}
			res, err := Verify(b, VerifyOptions{
				TrustedMaterial: tr, Identity: &id, ArtifactSHA256: tc.digest,
				SourceURI: tc.sourceURI, SourceTag: tc.sourceTag, SourceBranch: tc.sourceBranch, BuilderID: tc.builderID,
				TrustedDelegatorsUnsafe: tc.delegators,
			})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Verify: got %v, want %v", err, tc.err)
				}
				t.Logf("fails as expected: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			got := []any{res.Level, res.Builder, res.Source.Repository + " " + sourceRef(res)}
			want := []any{tc.level, tc.builder, tc.source}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("result (-want +got):\n%s\nreasons: %q\nchecks: %q", d, res.LevelReasons, res.Checks)
			}
		})
	}
}

func sourceRef(res *Result) string {
	if res.Source.Ref != "" {
		return res.Source.Ref
	}
	return res.CertificateSource.Ref
}

// TestCheckBuilderClaims: a GitHub Actions workflow cannot claim another workflow (the SLSA
// generator's) as the builder; only a trusted delegator (the SLSA generator's own, or one named
// in the unsafe option) builds through another, and a builder that is not a workflow (GitHub's
// hosted runner) can be named by any.
func TestCheckBuilderClaims(t *testing.T) {
	own := "https://github.com/evil/repo/.github/workflows/release.yml@refs/heads/main"
	genBase := genMain + "generator_generic_slsa3.yml"
	gen := genBase + "@refs/tags/v2.0.0"
	sha := strings.Repeat("ab", 20)
	realDelegator := genMain + "delegator_generic_slsa3.yml@refs/tags/v2.1.0"
	lowPerms := genMain + "delegator_lowperms-generic_slsa3.yml@refs/tags/v2.1.0"
	forged := "https://github.com/evil/x/.github/workflows/delegator_x.yml@refs/heads/main"
	trw := exampleTRW + "@refs/tags/v2.1.0"
	for _, tc := range []struct {
		name, signer, builder, want string
		extra                       []string
		err                         error
		msg                         string // in the error
	}{
		{"signer claims the generator", own, gen, genMain + "generator_generic_slsa3.yml", nil, ErrBuilder, ""},
		{"signer claims another workflow", own, "https://github.com/o/r/.github/workflows/b.yml@refs/heads/main", "", nil, ErrBuilder, ""},
		{"the generator itself", gen, gen, genMain + "generator_generic_slsa3.yml", nil, nil, ""},
		{"the generator claims another", gen, own, "", nil, ErrBuilder, ""},
		{"the generator claims a non-workflow builder", gen, "https://example.com/builder", "", nil, ErrBuilder, ""},
		{"the generator's delegator", realDelegator, trw, exampleTRW, nil, nil, ""},
		{"the generator's low-permission delegator", lowPerms, trw, exampleTRW, nil, nil, ""},
		{"a forged delegator claims the generator", forged, gen, genMain + "generator_generic_slsa3.yml", nil, ErrBuilder,
			"is not among them (trust another only knowingly, with --trust-delegator-unsafe)"},
		{"a forged delegator claims a tool", forged, trw, "", nil, ErrBuilder, "only the SLSA GitHub generator's delegator workflows"},
		{"a delegator file in a fork of the generator", "https://github.com/evil/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml@refs/tags/v2.1.0",
			gen, "", nil, ErrBuilder, "is not among them"},
		{"the generator's delegator at a branch", genMain + "delegator_generic_slsa3.yml@refs/heads/main", trw, "", nil, ErrBuilder,
			"trusted only at a release tag (refs/tags/vX.Y.Z), not at refs/heads/main"},
		{"the generator's delegator at a commit", genMain + "delegator_generic_slsa3.yml@" + strings.Repeat("ab", 20), trw, "", nil, ErrBuilder, "not at abab"},
		{"the generator's delegator at a pull request", lowPerms[:strings.Index(lowPerms, "@")] + "@refs/pull/1/merge", gen, "", nil, ErrBuilder, "not at refs/pull/1/merge"},
		{"the test delegator, not trusted", delegatorSAN, trw, "", nil, ErrBuilder, "is not among them"},
		{"the test delegator, trusted by option", delegatorSAN, trw, exampleTRW, []string{testDelegator}, nil, ""},
		{"another delegator trusted by option does not trust this one", forged, gen, "", []string{testDelegator}, ErrBuilder, ""},
		{"the generator at a commit", genBase + "@" + sha, genBase + "@" + sha,
			genMain + "generator_generic_slsa3.yml", nil, ErrBuilder, "matches it at a tag or branch, not at abab"},
		{"the generator at a pull request", genBase + "@refs/pull/7/merge", genBase + "@refs/pull/7/merge",
			genMain + "generator_generic_slsa3.yml", nil, ErrBuilder, "not at refs/pull/7/merge, which may hold code from a fork or a pull request"},
		{"the generator at a commit, expected exactly", genBase + "@" + sha, genBase + "@" + sha,
			genBase + "@" + sha, nil, nil, ""},
		{"the generator at a branch", genBase + "@refs/heads/main", genBase + "@refs/heads/main",
			genMain + "generator_generic_slsa3.yml", nil, nil, ""},
		{"a hosted runner", own, "https://github.com/actions/runner/github-hosted", "https://github.com/actions/runner/github-hosted", nil, nil, ""},
	} {
		res := &Result{
			Provenance: &Facts{BuilderID: tc.builder},
			Signer:     Signer{Kind: "certificate", Identity: tc.signer, Issuer: GitHubActionsIssuer},
		}
		err := checkBuilder(res, tc.want, tc.extra)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q lacks %q", tc.name, err, tc.msg)
		}
	}
	for id, want := range map[string]string{
		delegatorSAN: "delegator_generic_slsa3.yml",
		gen:          "generator_generic_slsa3.yml",
		"https://github.com/o/r/.github/workflows/sub/x.yml@refs/heads/main": "",
		"https://github.com/actions/runner/github-hosted":                    "",
	} {
		if got := workflowFile(id); got != want {
			t.Errorf("workflowFile(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestVerifyOptionsDelegators: a trusted delegator must be named as a workflow without a ref.
func TestVerifyOptionsDelegators(t *testing.T) {
	for _, tc := range []struct {
		workflow string
		ok       bool
	}{
		{testDelegator, true},
		{delegatorSAN, false}, // with a ref
		{"https://github.com/o/r", false},
		{"https://github.com/o/r/.github/workflows/sub/d.yml", false},
		{"github.com/o/r/.github/workflows/d.yml", false},
		{"", false},
	} {
		o := VerifyOptions{PublicKey: struct{}{}, ArtifactSHA256: strings.Repeat("ab", 32), TrustedDelegatorsUnsafe: []string{tc.workflow}}
		if err := o.validate(); (err == nil) != tc.ok {
			t.Errorf("%q: validate() = %v, want ok %v", tc.workflow, err, tc.ok)
		}
	}
}
