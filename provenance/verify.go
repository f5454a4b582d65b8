package provenance

import (
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// ResultSchema names the JSON shape of Result.
const ResultSchema = "hallmark.provenance-verification/v1"

// MaxBundleSize bounds the Sigstore bundle that is read.
const MaxBundleSize = 32 << 20

// GitHubActionsIssuer is the OIDC issuer of GitHub Actions workflow identities.
const GitHubActionsIssuer = "https://token.actions.githubusercontent.com"

// VerifyOptions say what a provenance bundle must satisfy. Exactly one of PublicKey and
// Identity must be set; ArtifactSHA256 is required; the rest are optional expectations.
type VerifyOptions struct {
	// TrustedMaterial holds the Fulcio roots, Rekor and CT log keys and timestamp authorities
	// (PublicGoodTrustedRoot, or a trusted_root.json). Required for certificate-signed bundles
	// and for bundles with transparency-log entries.
	TrustedMaterial root.TrustedMaterial
	// PublicKey is the signer's key, for bundles signed with a long-lived key.
	PublicKey crypto.PublicKey
	// Identity is the expected Fulcio certificate identity (SAN and OIDC issuer).
	Identity *verify.CertificateIdentity
	// ArtifactSHA256 is the lower-case hex sha256 digest of the artifact.
	ArtifactSHA256 string
	// SourceURI is the expected source repository ("github.com/o/r", "https://github.com/o/r"
	// or "git+https://github.com/o/r"); compared after NormalizeRepository.
	SourceURI string
	// SourceTag and SourceBranch are the expected git tag or branch (at most one).
	SourceTag, SourceBranch string
	// BuilderID is the expected builder ID; "X" also matches "X@<ref>".
	BuilderID string
	// TrustedDelegatorsUnsafe are workflows (https://github.com/OWNER/REPO/.github/workflows/
	// FILE.yml, without a ref) trusted as "bring your own builder" delegators in addition to
	// TrustedDelegators. A delegator may sign provenance naming any builder, so a workflow named
	// here can claim to be any builder: name only one trusted as much as the builders it may
	// name, such as a test delegator. Never set by default.
	TrustedDelegatorsUnsafe []string
}

func (o *VerifyOptions) validate() error {
	if (o.PublicKey == nil) == (o.Identity == nil) {
		return errors.New("name either a public key or a certificate identity to verify against")
	}
	if len(o.ArtifactSHA256) != 64 {
		return fmt.Errorf("artifact digest %q is not a sha256 hex digest", o.ArtifactSHA256)
	}
	if _, err := hex.DecodeString(o.ArtifactSHA256); err != nil {
		return fmt.Errorf("artifact digest %q is not a sha256 hex digest", o.ArtifactSHA256)
	}
	if o.SourceTag != "" && o.SourceBranch != "" {
		return errors.New("expect a source tag or a source branch, not both")
	}
	return validateDelegators(o.TrustedDelegatorsUnsafe)
}

// Result is what verification established.
type Result struct {
	Schema string `json:"schema"`
	// Artifact is "sha256:<hex>".
	Artifact string `json:"artifact"`
	Signer   Signer `json:"signer"`
	// Timestamps are the verified times of signing (transparency log, timestamp authority).
	Timestamps []Timestamp `json:"timestamps,omitempty"`
	Provenance *Facts      `json:"provenance"`
	// Builder is the builder ID that was checked: the predicate's, or for a predicate without
	// one, the signing workflow's.
	Builder string `json:"builder"`
	// Source is the source the provenance records; CertificateSource the one Fulcio wrote into
	// the signing certificate from the CI platform's token (GitHub Actions).
	Source            *Source `json:"source,omitempty"`
	CertificateSource *Source `json:"certificate_source,omitempty"`
	// Level is the SLSA build level (0–3) the evidence supports, and LevelReasons why.
	Level        int      `json:"slsa_build_level"`
	LevelReasons []string `json:"slsa_build_level_reasons"`
	// Checks lists what was verified, in order.
	Checks []string `json:"checks"`
	// Warnings are things not checked or oddities that did not fail verification.
	Warnings []string `json:"warnings,omitempty"`
}

// Signer is who signed the bundle.
type Signer struct {
	// Kind is "key" or "certificate".
	Kind string `json:"kind"`
	// KeyHint is the bundle's key identifier, for key-signed bundles.
	KeyHint string `json:"key_hint,omitempty"`
	// Identity (the certificate's subject alternative name) and Issuer (the OIDC issuer).
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// BuildSignerURI and RunnerEnvironment are Fulcio's CI extensions, where present.
	BuildSignerURI    string `json:"build_signer_uri,omitempty"`
	RunnerEnvironment string `json:"runner_environment,omitempty"`
}

// Timestamp is one verified time of signing.
type Timestamp struct {
	Kind string    `json:"kind"`
	URI  string    `json:"uri,omitempty"`
	Time time.Time `json:"time"`
}

// Verify checks a Sigstore bundle holding SLSA provenance against opts. It never touches the
// network. The error wraps one of the Err* sentinels and names its reason; an error from
// invalid options wraps none of them.
func Verify(bundleJSON []byte, opts VerifyOptions) (*Result, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(bundleJSON) > MaxBundleSize {
		return nil, fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrBundle, len(bundleJSON), MaxBundleSize)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	env, err := b.Envelope()
	if err != nil {
		return nil, fmt.Errorf("%w: it holds a message signature, not a DSSE attestation (verify it with 'hallmark verify')", ErrBundle)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("%w: DSSE payload type %q is not an in-toto statement (%s)", ErrBundle, env.PayloadType, PayloadType)
	}
	res := &Result{Schema: ResultSchema, Artifact: "sha256:" + opts.ArtifactSHA256}

	// 1. Signature, certificate chain, log entries and timestamps.
	vc, err := b.VerificationContent()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	cert := vc.Certificate()
	if cert != nil && opts.PublicKey != nil {
		sum, _ := certificate.SummarizeCertificate(cert)
		return nil, fmt.Errorf("%w: the bundle is signed with a certificate for %q (issuer %q), not with a key: verify it with --certificate-identity and --certificate-oidc-issuer", ErrIdentity, sum.SubjectAlternativeName, sum.Issuer)
	}
	if cert == nil && opts.Identity != nil {
		return nil, fmt.Errorf("%w: the bundle is signed with a key, not a certificate: verify it with --key", ErrIdentity)
	}
	material := opts.TrustedMaterial
	if opts.PublicKey != nil {
		km, err := keyMaterial(opts.PublicKey)
		if err != nil {
			return nil, err
		}
		if material != nil {
			material = root.TrustedMaterialCollection{material, km}
		} else {
			material = km
		}
	}
	if material == nil {
		return nil, errors.New("no trusted root to verify a certificate-signed bundle against")
	}
	vopts, warnings, err := verifierOptions(&b, cert != nil, material)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, warnings...)
	v, err := verify.NewVerifier(material, vopts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	// The artifact is checked against the statement's subjects below, with its own message;
	// the identity too, after the signature (so that a bad signature is reported as such).
	policy := []verify.PolicyOption{verify.WithKey()}
	if cert != nil {
		policy = []verify.PolicyOption{verify.WithoutIdentitiesUnsafe()}
	}
	vr, err := v.Verify(&b, verify.NewPolicy(verify.WithoutArtifactUnsafe(), policy...))
	if err != nil {
		return nil, signatureError(err)
	}
	for _, ts := range vr.VerifiedTimestamps {
		res.Timestamps = append(res.Timestamps, Timestamp{Kind: ts.Type, URI: ts.URI, Time: ts.Timestamp.UTC()})
	}
	res.Checks = append(res.Checks, signatureCheck(cert != nil, res.Timestamps))

	// 2. Signer.
	if cert != nil {
		sum := vr.Signature.Certificate
		if sum == nil {
			return nil, fmt.Errorf("%w: no certificate summary", ErrSignature)
		}
		res.Signer = Signer{Kind: "certificate", Identity: sum.SubjectAlternativeName, Issuer: sum.Issuer,
			BuildSignerURI: sum.BuildSignerURI, RunnerEnvironment: sum.RunnerEnvironment}
		if err := opts.Identity.Verify(*sum); err != nil {
			return nil, fmt.Errorf("%w: %v (the certificate is for %q, issuer %q)", ErrIdentity, err, sum.SubjectAlternativeName, sum.Issuer)
		}
		res.Checks = append(res.Checks, fmt.Sprintf("signer: %s (issuer %s)", sum.SubjectAlternativeName, sum.Issuer))
		res.CertificateSource = certificateSource(sum)
	} else {
		res.Signer = Signer{Kind: "key", KeyHint: string(vc.PublicKey().Hint())}
		res.Checks = append(res.Checks, "signer: the given public key")
	}

	// 3. The statement.
	payload, err := env.RawEnvelope().DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("%w: DSSE payload: %v", ErrBundle, err)
	}
	_, facts, err := ParseStatement(payload)
	if err != nil {
		return nil, err
	}
	res.Provenance = facts
	res.Source = facts.Source
	res.Warnings = append(res.Warnings, facts.Notes...)
	res.Checks = append(res.Checks, fmt.Sprintf("statement: SLSA provenance %s (predicate type %q, build type %s)", facts.SLSAVersion, facts.PredicateType, facts.BuildType))

	// 4. Subject.
	if !facts.HasSubject(opts.ArtifactSHA256) {
		return nil, fmt.Errorf("%w: sha256:%s is not among the subjects (%s)", ErrSubject, opts.ArtifactSHA256, facts.subjectList())
	}
	res.Checks = append(res.Checks, "subject: "+res.Artifact)

	// 5. Builder.
	if err := checkBuilder(res, opts.BuilderID, opts.TrustedDelegatorsUnsafe); err != nil {
		return nil, err
	}

	// 6. Source.
	if err := checkSource(res, opts); err != nil {
		return nil, err
	}

	// 7. Level.
	res.Level, res.LevelReasons = assessLevel(res)
	return res, nil
}

// verifierOptions asks for every check the bundle's material supports: transparency-log
// inclusion when it has log entries, signed timestamps when it has them, and SCTs for
// certificates when the trusted root lists CT logs.
func verifierOptions(b *bundle.Bundle, hasCert bool, material root.TrustedMaterial) ([]verify.VerifierOption, []string, error) {
	entries, err := b.TlogEntries()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: transparency-log entries: %v", ErrBundle, err)
	}
	tsas, err := b.Timestamps()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: signed timestamps: %v", ErrBundle, err)
	}
	var opts []verify.VerifierOption
	var warnings []string
	if len(entries) > 0 {
		opts = append(opts, verify.WithTransparencyLog(1))
	}
	switch {
	case len(entries) > 0 || len(tsas) > 0:
		opts = append(opts, verify.WithObserverTimestamps(1))
	case hasCert:
		return nil, nil, fmt.Errorf("%w: the bundle has a certificate but neither a transparency-log entry nor a signed timestamp to prove it was used while valid", ErrSignature)
	default:
		opts = append(opts, verify.WithNoObserverTimestamps())
		warnings = append(warnings, "the bundle has no transparency-log entry or signed timestamp: the time of signing is not proven")
	}
	if hasCert {
		if len(material.CTLogs()) > 0 {
			opts = append(opts, verify.WithSignedCertificateTimestamps(1))
		} else {
			warnings = append(warnings, "the trusted root lists no certificate transparency log: SCTs not checked")
		}
	}
	return opts, warnings, nil
}

// signatureHints explain sigstore-go's terser failures.
var signatureHints = []struct{ substr, hint string }{
	{"accepted signatures do not match threshold", "the DSSE signature does not verify with the signer's key: the key is another one, or the payload was changed"},
	{"not enough verified log entries", "no transparency-log entry verifies against the trusted root's Rekor keys: its signed entry timestamp or inclusion proof is invalid"},
	{"transparency log signature does not match", "the transparency-log entry records another signature than the bundle's"},
	{"certificate signed by unknown authority", "the certificate does not chain to a Fulcio root of the trusted root"},
	{"x509: certificate has expired or is not yet valid", "the certificate was not valid at the verified time of signing"},
}

func signatureError(err error) error {
	msg := err.Error()
	for _, h := range signatureHints {
		if strings.Contains(msg, h.substr) {
			return fmt.Errorf("%w: %s (%v)", ErrSignature, h.hint, err)
		}
	}
	return fmt.Errorf("%w: %v", ErrSignature, err)
}

func signatureCheck(hasCert bool, ts []Timestamp) string {
	s := "signature: DSSE signature verified with the given key"
	if hasCert {
		s = "signature: DSSE signature, certificate chain to the trusted Fulcio root and embedded SCT verified"
	}
	for _, t := range ts {
		s += fmt.Sprintf("; %s %s at %s", t.Kind, t.URI, t.Time.Format(time.RFC3339))
	}
	return s
}

// keyMaterial trusts pub for any key hint, with no validity window.
func keyMaterial(pub crypto.PublicKey) (root.TrustedMaterial, error) {
	sv, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	k := root.NewExpiringKey(sv, time.Time{}, time.Time{})
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return k, nil }), nil
}

// certificateSource is the source repository Fulcio recorded from the CI token.
func certificateSource(sum *certificate.Summary) *Source {
	switch {
	case sum.SourceRepositoryURI != "":
		return &Source{URI: sum.SourceRepositoryURI, Repository: sum.SourceRepositoryURI, Ref: sum.SourceRepositoryRef,
			Commit: strings.ToLower(sum.SourceRepositoryDigest), From: "certificate (Fulcio source repository extensions)"}
	case sum.GithubWorkflowRepository != "":
		u := "https://github.com/" + sum.GithubWorkflowRepository
		return &Source{URI: u, Repository: u, Ref: sum.GithubWorkflowRef,
			Commit: strings.ToLower(sum.GithubWorkflowSHA), From: "certificate (Fulcio GitHub workflow extensions)"}
	}
	return nil
}

// generatorWorkflow matches the reusable workflows of the SLSA GitHub generator
// (https://github.com/slsa-framework/slsa-github-generator): owner, file and ref.
var generatorWorkflow = regexp.MustCompile(`^https://github\.com/([^/]+)/slsa-github-generator/\.github/workflows/([A-Za-z0-9_.-]+\.yml)@(refs/[^\s]+)$`)

// l3Workflows are the generator's workflows that build or generate provenance in a job the
// calling workflow cannot influence (the set slsa-verifier trusts).
var l3Workflows = map[string]bool{
	"generator_generic_slsa3.yml":          true,
	"generator_container_slsa3.yml":        true,
	"builder_go_slsa3.yml":                 true,
	"builder_container-based_slsa3.yml":    true,
	"builder_docker-based_slsa3.yml":       true,
	"builder_nodejs_slsa3.yml":             true,
	"builder_maven_slsa3.yml":              true,
	"builder_gradle_slsa3.yml":             true,
	"delegator_generic_slsa3.yml":          true,
	"delegator_lowperms-generic_slsa3.yml": true,
}

var releaseTag = regexp.MustCompile(`^refs/tags/v\d+\.\d+\.\d+$`)

// workflowFile is the file name of a workflow identity ("https://github.com/o/r/.github/
// workflows/NAME.yml@refs/heads/main" gives "NAME.yml"), or "" for other identities.
func workflowFile(identity string) string {
	path, _, _ := strings.Cut(identity, "@")
	_, file, ok := strings.Cut(path, "/.github/workflows/")
	if !ok || strings.Contains(file, "/") {
		return ""
	}
	return file
}

// isGeneratorSigner reports whether a workflow identity is a SLSA generator builder or
// generator that writes its own identity as the builder ID.
func isGeneratorSigner(identity string) bool {
	f := workflowFile(identity)
	return (strings.HasPrefix(f, "generator_") || strings.HasPrefix(f, "builder_")) && strings.HasSuffix(f, "_slsa3.yml")
}

// isWorkflow reports whether a builder ID names a GitHub Actions workflow.
func isWorkflow(id string) bool {
	return strings.HasPrefix(id, "https://github.com/") && strings.Contains(id, "/.github/workflows/")
}

// checkBuilder sets res.Builder and checks it: against want, and against the signer. A
// GitHub Actions workflow may name only itself as a builder workflow, unless it is a trusted
// delegator (TrustedDelegators, or one of extra), which signs for the builder that called it.
func checkBuilder(res *Result, want string, extra []string) error {
	f, s := res.Provenance, res.Signer
	res.Builder = f.BuilderID
	from := "the provenance"
	if res.Builder == "" {
		switch {
		case s.BuildSignerURI != "":
			res.Builder, from = s.BuildSignerURI, "the certificate's build signer"
		case s.Issuer == GitHubActionsIssuer:
			res.Builder, from = s.Identity, "the signing workflow"
		default:
			return fmt.Errorf("%w: the provenance names no builder and the signer is not a build platform", ErrBuilder)
		}
	}
	delegator := ""
	if s.Issuer == GitHubActionsIssuer {
		delegator = delegatorTrust(s.Identity, extra)
	}
	delegated := s.Issuer == GitHubActionsIssuer && f.BuilderID != "" && f.BuilderID != s.Identity
	// A generator that signs its own provenance must name itself as the builder; only a
	// delegator signs for another builder.
	if delegated && isGeneratorSigner(s.Identity) && delegator == "" {
		return fmt.Errorf("%w: the provenance names the builder %q but was signed by the workflow %q", ErrBuilder, f.BuilderID, s.Identity)
	}
	// Nor may a workflow name another GitHub workflow (the SLSA generator's, say) as the
	// builder: only that workflow can vouch for having built the artifact.
	if delegated && isWorkflow(f.BuilderID) && delegator == "" {
		return fmt.Errorf("%w: the provenance names the builder workflow %q but was signed by the workflow %q%s", ErrBuilder, f.BuilderID, s.Identity, untrustedDelegatorHint(s.Identity))
	}
	if want != "" {
		if ok, hint := builderMatches(res.Builder, want); !ok {
			return fmt.Errorf("%w: built by %q (from %s), not %q%s", ErrBuilder, res.Builder, from, want, hint)
		}
	}
	c := fmt.Sprintf("builder: %s (from %s)", res.Builder, from)
	if delegated && delegator != "" {
		c += fmt.Sprintf(", through the delegator %s", s.Identity)
		if delegator == "option" {
			c += " (trusted by option, not by default)"
			res.Warnings = append(res.Warnings, fmt.Sprintf("the delegator %s is trusted only because it was named as one (--trust-delegator-unsafe)", s.Identity))
		}
	}
	if want == "" {
		res.Warnings = append(res.Warnings, "builder not checked against an expected ID (use --builder-id)")
	} else {
		c += ", as expected"
	}
	res.Checks = append(res.Checks, c)
	return nil
}

// builderMatches: an expected ID with a ref must match exactly; one without matches any ref,
// except that a GitHub Actions workflow matches only at a tag or a branch (refs/tags/…,
// refs/heads/…), refs that only the workflow's repository can create: at a commit SHA (which
// may be an imposter commit from a fork) or a pull request's ref the workflow may run anyone's
// code under its name, so such a ref must be expected exactly. When got does not match, hint
// may say why.
func builderMatches(got, want string) (ok bool, hint string) {
	if got == want {
		return true, ""
	}
	if strings.Contains(want, "@") {
		return false, ""
	}
	base, ref, found := strings.Cut(got, "@")
	if !found || base != want {
		return false, ""
	}
	if isWorkflow(base) && !strings.HasPrefix(ref, "refs/tags/") && !strings.HasPrefix(ref, "refs/heads/") {
		return false, fmt.Sprintf(" (an expected workflow without a ref matches it at a tag or branch, not at %s, which may hold code from a fork or a pull request: expect %s@%s to accept it)", ref, want, ref)
	}
	return true, ""
}

func checkSource(res *Result, opts VerifyOptions) error {
	p, c := res.Source, res.CertificateSource
	if p != nil && c != nil {
		if !sameRepository(p.Repository, c.Repository) {
			return fmt.Errorf("%w: the provenance names the source %s but the certificate says the workflow ran in %s", ErrSource, p.Repository, c.Repository)
		}
		if p.Ref != "" && c.Ref != "" && p.Ref != c.Ref {
			return fmt.Errorf("%w: the provenance names the ref %s but the certificate says %s", ErrSource, p.Ref, c.Ref)
		}
		if p.Commit != "" && c.Commit != "" && p.Commit != c.Commit {
			return fmt.Errorf("%w: the provenance names the commit %s but the certificate says %s", ErrSource, p.Commit, c.Commit)
		}
	}
	src := p
	if src == nil {
		src = c
	}
	if src == nil {
		if opts.SourceURI != "" || opts.SourceTag != "" || opts.SourceBranch != "" {
			return fmt.Errorf("%w: neither the provenance nor the certificate records a source repository", ErrSource)
		}
		res.Warnings = append(res.Warnings, "the provenance records no source repository")
		return nil
	}
	ref := src.Ref
	if ref == "" && c != nil {
		ref = c.Ref
	}
	commit := src.Commit
	if commit == "" && c != nil {
		commit = c.Commit
	}
	if opts.SourceURI != "" && !sameRepository(src.Repository, opts.SourceURI) {
		return fmt.Errorf("%w: built from %s, not %s", ErrSource, src.Repository, opts.SourceURI)
	}
	for _, want := range []struct{ name, prefix string }{{opts.SourceTag, "refs/tags/"}, {opts.SourceBranch, "refs/heads/"}} {
		if want.name == "" {
			continue
		}
		full := want.name
		if !strings.HasPrefix(full, "refs/") {
			full = want.prefix + full
		}
		if ref == "" {
			return fmt.Errorf("%w: the provenance records no git ref for %s, so it cannot be %s", ErrSource, src.Repository, full)
		}
		if ref != full {
			return fmt.Errorf("%w: built from %s, not %s", ErrSource, ref, full)
		}
	}
	check := "source: " + src.Repository
	if ref != "" {
		check += " " + ref
	}
	if commit != "" {
		check += " at " + commit
	}
	check += " (from " + src.From
	if p != nil && c != nil {
		check += ", agreeing with the certificate"
	}
	check += ")"
	res.Checks = append(res.Checks, check)
	if opts.SourceURI == "" {
		res.Warnings = append(res.Warnings, "source repository not checked against an expected one (use --source-uri)")
	}
	return nil
}

// assessLevel derives the SLSA build level (https://slsa.dev/spec/v1.0/levels) the verified
// evidence supports. It can only see what the bundle shows: a level is claimed when the
// signer's identity proves the property, never on the provenance's word alone.
func assessLevel(res *Result) (int, []string) {
	f, s := res.Provenance, res.Signer
	reasons := []string{fmt.Sprintf("L1: SLSA provenance (%s) exists for the artifact and names the builder %s", f.SLSAVersion, res.Builder)}
	switch {
	case s.Kind == "key":
		return 1, append(reasons, "not L2: signed with a long-lived key; nothing shows that a hosted build platform, rather than a person, holds it")
	case s.Issuer != GitHubActionsIssuer && s.Issuer != "https://gitlab.com":
		return 1, append(reasons, fmt.Sprintf("not L2: signed by the identity %s (issuer %s), which is not a hosted build platform's workload identity", s.Identity, s.Issuer))
	case s.RunnerEnvironment == "self-hosted":
		return 1, append(reasons, "not L2: the workflow ran on a self-hosted runner, not on the hosted build platform")
	}
	platform := "GitHub Actions"
	if s.Issuer != GitHubActionsIssuer {
		platform = "GitLab CI"
	}
	l2 := fmt.Sprintf("L2: signed with a short-lived Fulcio certificate issued to the %s workflow %s", platform, s.Identity)
	if s.RunnerEnvironment != "" {
		l2 += " (runner: " + s.RunnerEnvironment + ")"
	}
	reasons = append(reasons, l2)
	m := generatorWorkflow.FindStringSubmatch(s.Identity)
	switch {
	case m == nil || m[1] != "slsa-framework" || !l3Workflows[m[2]]:
		return 2, append(reasons, fmt.Sprintf("not L3: the signer %s is not one of the SLSA GitHub generator's isolated reusable workflows (https://github.com/slsa-framework/slsa-github-generator)", s.Identity))
	case !releaseTag.MatchString(m[3]):
		return 2, append(reasons, fmt.Sprintf("not L3: the SLSA GitHub generator's workflow %s ran at %s, not at a release tag (vX.Y.Z)", m[2], m[3]))
	}
	l3 := fmt.Sprintf("L3: signed by the SLSA GitHub generator's reusable workflow %s at %s, which generates the provenance in a job the calling workflow cannot influence", m[2], strings.TrimPrefix(m[3], "refs/tags/"))
	if delegatorTrust(s.Identity, nil) != "" {
		l3 += fmt.Sprintf("; it delegated the build to %s", res.Builder)
	}
	return 3, append(reasons, l3)
}
