package cli

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/hallmark-dev/hallmark/provenance"
)

// The provenance command: SLSA provenance generate and verify.

const provenanceAbout = `
Generate and verify SLSA build provenance (https://slsa.dev/spec/v1.0/provenance) in Sigstore
bundles.

verify checks, fully offline: the bundle's signature, certificate chain, transparency-log
entry and signed certificate timestamps against the trusted root (the embedded Sigstore
public-good root unless --trusted-root names another); the signer (--key, or the certificate
identity and OIDC issuer); that the payload is an in-toto statement with SLSA provenance v1 or
v0.2; that the artifact's sha256 is a subject; the builder ID; and the source repository and
ref, which must also agree with what Fulcio recorded in a GitHub Actions certificate. It then
reports the SLSA build level the evidence supports, with reasons. Any failure exits 1 and names
its reason.

generate runs COMMAND (its output goes to stderr), then writes SLSA v1.0 provenance about the
--subject files: the command, working directory and git source (repository, ref, commit),
resolved dependencies (the source and the packages Hallmark inventories in the working
directory, with digests where known), builder ID, invocation ID and times, signed with --key
(an unencrypted PEM key, or a Hallmark/cosign encrypted key whose password is in
HALLMARK_PASSWORD) into the --bundle.`

const provenanceExamples = `  hallmark provenance verify --bundle hello.intoto.sigstore \
    --certificate-identity-regexp '^https://github.com/slsa-framework/slsa-github-generator/' \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com \
    --source-uri github.com/slsa-framework/example-package --source-branch main hello
  hallmark provenance generate --key release.key --subject dist/app.tar.gz --bundle app.intoto.sigstore -- make dist
  hallmark provenance verify --bundle app.intoto.sigstore --key release.pub --builder-id https://hallmark.dev/builder/local dist/app.tar.gz`

const provenanceUsage = "hallmark provenance generate|verify [flags]"

func runProvenance(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		newFlagSet("provenance", provenanceUsage, provenanceAbout, provenanceExamples).printHelp(env.Stderr)
		return usageErrorf("provenance: name a subcommand: generate or verify")
	}
	switch args[0] {
	case "verify":
		return runProvenanceVerify(env, args[1:])
	case "generate":
		return runProvenanceGenerate(ctx, env, args[1:])
	case "-h", "-help", "--help", "help":
		newFlagSet("provenance", provenanceUsage, provenanceAbout, provenanceExamples).printHelp(env.Stdout)
		return nil
	}
	return usageErrorf("provenance: unknown subcommand %q (want generate or verify)", args[0])
}

// provMaxKeyFile bounds the key and trusted root files read.
const provMaxKeyFile = 1 << 20

func runProvenanceVerify(env *Env, args []string) error {
	fs := newFlagSet("provenance verify",
		"hallmark provenance verify --bundle B (--key PUB | --certificate-identity[-regexp] ID --certificate-oidc-issuer[-regexp] ISS) [--trusted-root FILE] [--source-uri URI] [--source-tag T | --source-branch B] [--builder-id ID] [--trust-delegator-unsafe WORKFLOW]... [--json] ARTIFACT|sha256:HEX",
		provenanceAbout, provenanceExamples)
	bundlePath := fs.String("bundle", "", "the Sigstore `bundle` holding the provenance (required)")
	keyPath := fs.String("key", "", "verify against this PEM public `key`")
	identity := fs.String("certificate-identity", "", "the signing certificate's expected `identity` (subject alternative name)")
	identityRE := fs.String("certificate-identity-regexp", "", "a `regexp` the certificate identity must match")
	issuer := fs.String("certificate-oidc-issuer", "", "the certificate's expected OIDC `issuer`")
	issuerRE := fs.String("certificate-oidc-issuer-regexp", "", "a `regexp` the OIDC issuer must match")
	trustedRoot := fs.String("trusted-root", "", "Sigstore trusted_root.json `file` (default: the embedded public-good root)")
	sourceURI := fs.String("source-uri", "", "the expected source `repository` (github.com/o/r)")
	sourceTag := fs.String("source-tag", "", "the expected git `tag` of the source")
	sourceBranch := fs.String("source-branch", "", "the expected git `branch` of the source")
	builderID := fs.String("builder-id", "", "the expected builder `ID` (without @ref: any ref, for a GitHub workflow any tag or branch)")
	var delegators stringList
	fs.Var(&delegators, "trust-delegator-unsafe", "also trust this `workflow` (https://github.com/o/r/.github/workflows/f.yml, no ref) as a delegator that may sign provenance naming any builder; repeatable; by default only the SLSA GitHub generator's delegators at release tags are trusted")
	asJSON := fs.Bool("json", false, "print the result as JSON ("+provenance.ResultSchema+")")
	pos, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("provenance verify: name one ARTIFACT file or sha256:HEX digest")
	}
	if *bundlePath == "" {
		return usageErrorf("provenance verify: --bundle is required")
	}
	if *sourceTag != "" && *sourceBranch != "" {
		return usageErrorf("provenance verify: give --source-tag or --source-branch, not both")
	}
	opts := provenance.VerifyOptions{SourceURI: *sourceURI, SourceTag: *sourceTag, SourceBranch: *sourceBranch, BuilderID: *builderID,
		TrustedDelegatorsUnsafe: delegators}
	keyless := *identity != "" || *identityRE != "" || *issuer != "" || *issuerRE != ""
	switch {
	case *keyPath != "" && keyless:
		return usageErrorf("provenance verify: give --key or the --certificate-* flags, not both")
	case *keyPath != "":
		pemBytes, err := provReadFile(*keyPath, provMaxKeyFile)
		if err != nil {
			return err
		}
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
		if err != nil {
			return fmt.Errorf("provenance verify: %s is not a PEM public key: %w", *keyPath, err)
		}
		opts.PublicKey = pub
	case keyless:
		if (*identity == "") == (*identityRE == "") {
			return usageErrorf("provenance verify: give one of --certificate-identity and --certificate-identity-regexp")
		}
		if (*issuer == "") == (*issuerRE == "") {
			return usageErrorf("provenance verify: give one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp")
		}
		id, err := verify.NewShortCertificateIdentity(*issuer, *issuerRE, *identity, *identityRE)
		if err != nil {
			return usageErrorf("provenance verify: %v", err)
		}
		opts.Identity = &id
	default:
		return usageErrorf("provenance verify: name the signer: --key, or --certificate-identity and --certificate-oidc-issuer")
	}
	digest, err := provArtifactDigest(pos[0])
	if err != nil {
		return err
	}
	opts.ArtifactSHA256 = digest
	var tr *root.TrustedRoot
	if *trustedRoot != "" {
		b, err := provReadFile(*trustedRoot, provMaxKeyFile)
		if err != nil {
			return err
		}
		if tr, err = root.NewTrustedRootFromJSON(b); err != nil {
			return fmt.Errorf("provenance verify: trusted root %s: %w", *trustedRoot, err)
		}
	} else {
		if tr, err = provenance.PublicGoodTrustedRoot(); err != nil {
			return err
		}
		if w := provenance.RootAgeWarning(time.Now()); w != "" {
			fmt.Fprintf(env.Stderr, "warning: %s\n", w)
		}
	}
	opts.TrustedMaterial = tr
	data, err := provReadFile(*bundlePath, provenance.MaxBundleSize)
	if err != nil {
		return err
	}
	res, err := provenance.Verify(data, opts)
	if err != nil {
		return fmt.Errorf("provenance verify: %s: %w", *bundlePath, err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printProvenanceResult(env.Stdout, res)
	for _, w := range res.Warnings {
		fmt.Fprintf(env.Stderr, "warning: %s\n", w)
	}
	return nil
}

func printProvenanceResult(w io.Writer, res *provenance.Result) {
	fmt.Fprintf(w, "Verified: SLSA provenance for %s\n", res.Artifact)
	for _, c := range res.Checks {
		fmt.Fprintf(w, "  %s\n", c)
	}
	fmt.Fprintf(w, "SLSA build level %d\n", res.Level)
	for _, r := range res.LevelReasons {
		fmt.Fprintf(w, "  %s\n", r)
	}
}

// provArtifactDigest is the sha256 of the named file, or the digest of a "sha256:HEX" argument.
func provArtifactDigest(arg string) (string, error) {
	if hexDigest, ok := strings.CutPrefix(arg, "sha256:"); ok {
		hexDigest = strings.ToLower(hexDigest)
		if b, err := hex.DecodeString(hexDigest); err != nil || len(b) != sha256.Size {
			return "", usageErrorf("provenance: %q is not a sha256 digest (sha256: and 64 hex digits)", arg)
		}
		return hexDigest, nil
	}
	return provFileDigest(arg)
}

func provFileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("provenance: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("provenance: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("provenance: %s is not a regular file", path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("provenance: reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// provReadFile reads a file of at most limit bytes.
func provReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("provenance: reading %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("provenance: %s is larger than %d bytes", path, limit)
	}
	return b, nil
}

func runProvenanceGenerate(ctx context.Context, env *Env, args []string) error {
	// Everything after "--" is the command, even words that look like flags.
	var command []string
	for i, a := range args {
		if a == "--" {
			args, command = args[:i], args[i+1:]
			break
		}
	}
	fs := newFlagSet("provenance generate",
		"hallmark provenance generate --key P.key --subject PATH... --bundle OUT [--builder-id ID] [--unsigned-statement OUT] -- COMMAND...",
		provenanceAbout, provenanceExamples)
	keyPath := fs.String("key", "", "the private `key` to sign with (PEM; encrypted keys take HALLMARK_PASSWORD)")
	var subjects stringList
	fs.Var(&subjects, "subject", "a `file` the command produces (repeatable; more may follow as arguments)")
	bundlePath := fs.String("bundle", "", "write the signed provenance bundle to this `file`")
	builderID := fs.String("builder-id", provenance.DefaultBuilderID, "the builder `ID` to record")
	unsigned := fs.String("unsigned-statement", "", "also write the unsigned in-toto statement to this `file`")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	pos, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	subjects = append(subjects, pos...)
	if len(command) == 0 {
		return usageErrorf("provenance generate: give the build command after --")
	}
	if len(subjects) == 0 {
		return usageErrorf("provenance generate: name at least one --subject")
	}
	if (*keyPath == "") != (*bundlePath == "") {
		return usageErrorf("provenance generate: --key and --bundle go together")
	}
	if *bundlePath == "" && *unsigned == "" {
		return usageErrorf("provenance generate: give --key and --bundle (or --unsigned-statement)")
	}
	// Load the key before the build, so a wrong password does not cost a build.
	var key crypto.Signer
	if *keyPath != "" {
		pemBytes, err := provReadFile(*keyPath, provMaxKeyFile)
		if err != nil {
			return err
		}
		k, err := provenance.LoadPrivateKey(pemBytes, []byte(env.Getenv("HALLMARK_PASSWORD")))
		if err != nil {
			return fmt.Errorf("provenance generate: %s: %w", *keyPath, err)
		}
		key = k
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	src, err := provenance.ReadGitSource(ctx, wd)
	if err != nil {
		return fmt.Errorf("provenance generate: reading the git checkout: %w", err)
	}
	invocation, err := provenance.NewInvocationID()
	if err != nil {
		return err
	}

	started := time.Now().UTC()
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Dir = wd
	cmd.Env = buildEnviron(os.Environ())
	cmd.Stdin = env.Stdin
	cmd.Stdout, cmd.Stderr = env.Stderr, env.Stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("provenance generate: the build command failed (%v); no provenance written", err)
	}
	finished := time.Now().UTC()

	b := &provenance.Build{BuilderID: *builderID, Command: command, WorkDir: wd, Source: src,
		InvocationID: invocation, Started: started, Finished: finished}
	for _, s := range subjects {
		d, err := provFileDigest(s)
		if err != nil {
			return fmt.Errorf("provenance generate: subject: %w", err)
		}
		b.Subjects = append(b.Subjects, provenance.ResourceDescriptor{Name: filepath.ToSlash(s), Digest: map[string]string{"sha256": d}})
	}
	inv, err := inventory(ctx, env, []string{wd}, nil, true)
	if err != nil {
		return fmt.Errorf("provenance generate: inventory of %s: %w", wd, err)
	}
	b.Dependencies, b.InventoryPackages = provenance.Dependencies(inv, provenance.MaxDependencies)
	st, err := provenance.NewStatement(b)
	if err != nil {
		return fmt.Errorf("provenance generate: %w", err)
	}
	if *unsigned != "" {
		if err := writeOutput(*unsigned, env.Stdout, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		}); err != nil {
			return err
		}
	}
	if key != nil {
		bundle, err := provenance.Sign(st, key)
		if err != nil {
			return fmt.Errorf("provenance generate: %w", err)
		}
		if err := writeOutput(*bundlePath, env.Stdout, func(w io.Writer) error {
			_, err := w.Write(append(bundle, '\n'))
			return err
		}); err != nil {
			return err
		}
	}
	if !*quiet {
		out := *bundlePath
		if out == "" {
			out = *unsigned + " (unsigned)"
		}
		srcDesc := "no git source"
		if src != nil {
			srcDesc = src.URI() + " at " + src.Commit
			if src.Dirty {
				srcDesc += " (with uncommitted changes)"
			}
		}
		fmt.Fprintf(env.Stderr, "provenance: %d subject(s), builder %s, %s, %d of %d inventory package(s) as dependencies, written to %s\n",
			len(b.Subjects), b.BuilderID, srcDesc, len(b.Dependencies), b.InventoryPackages, out)
	}
	if inv.Partial() {
		fmt.Fprintf(env.Stderr, "warning: %d file(s) could not be inventoried; resolvedDependencies may be incomplete\n", len(inv.Errors))
	}
	return nil
}

// buildEnviron is the environment the build command runs in: Hallmark's own, without the
// signing key's password, which the build has no use for and might print or upload.
func buildEnviron(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); k == "HALLMARK_PASSWORD" {
			continue
		}
		out = append(out, kv)
	}
	return out
}
