package cli

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/hallmark-dev/hallmark/attest"
)

// The key, sign, attest and verify commands: Sigstore bundles over files and in-toto
// attestations, signed with a local key (offline) and verified with a key or a signer identity
// (package attest).

func runKey(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(env.Stdout, "Usage: hallmark key generate [--output-prefix P] [--algorithm ecdsa-p256|ed25519]\n\nRun 'hallmark key generate --help' for details.\n")
		if len(args) == 0 {
			return usageErrorf("key: missing subcommand (generate)")
		}
		return errHelp
	}
	if args[0] != "generate" {
		return usageErrorf("key: unknown subcommand %q (want generate)", args[0])
	}
	fs := newFlagSet("key generate", "hallmark key generate [--output-prefix P] [--algorithm ecdsa-p256|ed25519]", `
Generate a signing key pair: P.key, the private key encrypted with a password in cosign's
format (PEM "ENCRYPTED SIGSTORE PRIVATE KEY", scrypt and NaCl secretbox; cosign reads it),
written with mode 0600; and P.pub, the public key in PEM (PKIX). Existing files are never
overwritten.

The password comes from the HALLMARK_PASSWORD environment variable, or is asked for twice on
the terminal. An empty password is refused.`, `
  HALLMARK_PASSWORD=... hallmark key generate --output-prefix release
  hallmark key generate --algorithm ed25519 --output-prefix ci`)
	prefix := fs.String("output-prefix", "hallmark", "write `P`.key and P.pub")
	alg := fs.String("algorithm", string(attest.ECDSAP256), "key `algorithm`: ecdsa-p256 or ed25519")
	pos, err := fs.parse(args[1:], env.Stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("key generate takes no arguments (got %q)", pos[0])
	}
	if *alg != string(attest.ECDSAP256) && *alg != string(attest.Ed25519) {
		return usageErrorf("key generate: unknown --algorithm %q (want ecdsa-p256 or ed25519)", *alg)
	}
	keyPath, pubPath := *prefix+".key", *prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s already exists: remove it or choose another --output-prefix", p)
		}
	}
	password, err := readPassword(env, true)
	if err != nil {
		return err
	}
	defer clear(password)
	if len(password) == 0 {
		return fmt.Errorf("the password is empty: Hallmark does not write unencrypted private keys")
	}
	k, err := attest.GenerateKey(attest.Algorithm(*alg))
	if err != nil {
		return err
	}
	priv, err := k.EncryptedPEM(password)
	if err != nil {
		return err
	}
	pub, err := k.PublicKeyPEM()
	if err != nil {
		return err
	}
	if err := writeNew(keyPath, priv, 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, pub, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	fmt.Fprintf(env.Stderr, "Private key written to %s (encrypted, mode 0600), public key to %s.\n", keyPath, pubPath)
	return nil
}

// writeNew creates path with data, failing if it exists.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists: remove it or choose another --output-prefix", path)
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// readPassword returns the key password: HALLMARK_PASSWORD, or asked on the terminal (twice
// when confirm is set). It never echoes or prints it.
func readPassword(env *Env, confirm bool) ([]byte, error) {
	if p := env.Getenv("HALLMARK_PASSWORD"); p != "" {
		return []byte(p), nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errors.New("no password: set HALLMARK_PASSWORD, or run on a terminal to be asked for it")
	}
	fmt.Fprint(env.Stderr, "Password for the private key: ")
	p1, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the password: %w", err)
	}
	if !confirm {
		return p1, nil
	}
	fmt.Fprint(env.Stderr, "Password again: ")
	p2, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	defer clear(p2)
	if err != nil {
		clear(p1)
		return nil, fmt.Errorf("reading the password: %w", err)
	}
	if subtle.ConstantTimeCompare(p1, p2) != 1 {
		clear(p1)
		return nil, errors.New("the passwords differ")
	}
	return p1, nil
}

// loadKey reads and decrypts the private key at path.
func loadKey(env *Env, path string) (*attest.Keypair, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the key: %w", err)
	}
	password, err := readPassword(env, false)
	if err != nil {
		return nil, err
	}
	defer clear(password)
	k, err := attest.ParseEncryptedKey(data, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func writeBundle(path string, stdout io.Writer, data []byte) error {
	return writeOutput(path, stdout, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func runSign(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("sign", "hallmark sign (--key P.key | --keyless --signing-config FILE) --bundle OUT FILE", `
Sign FILE with a private key from 'hallmark key generate' (or cosign): a Sigstore bundle v0.3
holding a message signature over the file's SHA-256 and the public key's hint.

Signing with a key is offline: the bundle has no transparency-log entry and no signed
timestamp, so it proves who signed (whoever holds the key) but not when. Verify it with
'hallmark verify --key P.pub'. The key's password comes from HALLMARK_PASSWORD or the terminal.
`+keylessHelp, `
  hallmark sign --key release.key --bundle app.tar.gz.sigstore.json app.tar.gz
  SIGSTORE_ID_TOKEN=... hallmark sign --keyless --signing-config signing_config.json --bundle app.sigstore.json app.tar.gz`)
	sf := addSignerFlags(fs)
	out := fs.String("bundle", "", "write the bundle to `FILE` (- for stdout)")
	pos, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if err := sf.check("sign"); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("sign needs --bundle")
	}
	if len(pos) != 1 {
		return usageErrorf("sign takes one FILE (got %d)", len(pos))
	}
	if err := regularFile(pos[0]); err != nil {
		return err
	}
	var b []byte
	if *sf.keyless {
		kl, err := sf.load(env)
		if err != nil {
			return err
		}
		b, err = kl.SignFile(ctx, pos[0])
		if err != nil {
			return err
		}
	} else {
		k, err := loadKey(env, *sf.key)
		if err != nil {
			return err
		}
		if b, err = attest.SignFile(ctx, k, pos[0]); err != nil {
			return err
		}
	}
	return writeBundle(*out, env.Stdout, b)
}

const keylessHelp = `
With --keyless, no key is needed: an ephemeral key pair is certified by Fulcio for the identity
of an OIDC token, and the signature gets signed timestamps from timestamp authorities and/or
transparency-log (Rekor) entries. --signing-config names those services (a Sigstore
signing_config.json, media type application/vnd.dev.sigstore.signingconfig.v0.2+json); it is
required: Hallmark never fetches the public-good one. The OIDC token (a JWT) comes from
SIGSTORE_ID_TOKEN or --identity-token-file; it is sent to Fulcio only, over https (plain http
only to the loopback interface), and never printed. Verify keyless bundles with
'hallmark verify --certificate-identity ... --certificate-oidc-issuer ...'.`

// signerFlags choose a key or keyless signing.
type signerFlags struct {
	key, signingConfig, tokenFile *string
	keyless                       *bool
}

func addSignerFlags(fs *flagSet) *signerFlags {
	return &signerFlags{
		key:           fs.String("key", "", "the encrypted private `key` file"),
		keyless:       fs.Bool("keyless", false, "sign keylessly: a Fulcio certificate for an OIDC identity (needs --signing-config)"),
		signingConfig: fs.String("signing-config", "", "keyless: the Sigstore signing configuration `FILE` naming Fulcio, Rekor and timestamp authorities"),
		tokenFile:     fs.String("identity-token-file", "", "keyless: read the OIDC token from `FILE` (default: $SIGSTORE_ID_TOKEN)"),
	}
}

// check reports flag combinations that cannot work.
func (sf *signerFlags) check(cmd string) error {
	switch {
	case *sf.keyless && *sf.key != "":
		return usageErrorf("%s: --key and --keyless are exclusive", cmd)
	case !*sf.keyless && *sf.key == "":
		return usageErrorf("%s needs --key and --bundle (or, instead of --key, --keyless with --signing-config)", cmd)
	case *sf.keyless && *sf.signingConfig == "":
		return usageErrorf("%s --keyless needs --signing-config FILE (Fulcio, Rekor and timestamp-authority URLs; Hallmark does not fetch the public-good one)", cmd)
	case !*sf.keyless && (*sf.signingConfig != "" || *sf.tokenFile != ""):
		return usageErrorf("%s: --signing-config and --identity-token-file need --keyless", cmd)
	}
	return nil
}

// load reads the signing configuration and the OIDC token.
func (sf *signerFlags) load(env *Env) (*attest.Keyless, error) {
	sc, err := attest.LoadSigningConfig(*sf.signingConfig)
	if err != nil {
		return nil, err
	}
	var token string
	if *sf.tokenFile != "" {
		if token, err = attest.ReadIDToken(*sf.tokenFile); err != nil {
			return nil, err
		}
		if token == "" {
			return nil, fmt.Errorf("no OIDC token: %s is empty", *sf.tokenFile)
		}
	} else if token = strings.TrimSpace(env.Getenv("SIGSTORE_ID_TOKEN")); token == "" {
		return nil, errors.New("no OIDC token for keyless signing: set SIGSTORE_ID_TOKEN or pass --identity-token-file")
	}
	return &attest.Keyless{Config: sc, IDToken: token}, nil
}

func regularFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	return nil
}

func runAttest(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("attest", "hallmark attest (--key P.key | --keyless --signing-config FILE) --type TYPE --predicate FILE --bundle OUT SUBJECT...", `
Sign an attestation about the SUBJECT files: an in-toto Statement v1 whose subjects are the
files (as named on the command line) with their SHA-256, and whose predicate is the JSON object
in --predicate, in a DSSE envelope, in a Sigstore bundle v0.3. With --key, offline, as for
'hallmark sign'; with --keyless, as for 'hallmark sign --keyless' (see 'hallmark sign --help').

--type is a predicate type URI, or one of the short names
  slsaprovenance  https://slsa.dev/provenance/v1
  openvex         https://openvex.dev/ns/v0.2.0
  cyclonedx       https://cyclonedx.org/bom
  spdx            https://spdx.dev/Document
  vuln            https://cosign.sigstore.dev/attestation/vuln/v1`, `
  hallmark sbom . -o sbom.cdx.json
  hallmark attest --key release.key --type cyclonedx --predicate sbom.cdx.json --bundle app.att.json app.tar.gz
  hallmark attest --keyless --signing-config signing_config.json --identity-token-file token.jwt \
      --type cyclonedx --predicate sbom.cdx.json --bundle app.att.json app.tar.gz`)
	sf := addSignerFlags(fs)
	typ := fs.String("type", "", "predicate `type`: a short name or a URI")
	predicate := fs.String("predicate", "", "the predicate: a JSON object in `FILE`")
	out := fs.String("bundle", "", "write the bundle to `FILE` (- for stdout)")
	pos, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if err := sf.check("attest"); err != nil {
		return err
	}
	if *out == "" || *typ == "" || *predicate == "" {
		return usageErrorf("attest needs --type, --predicate and --bundle")
	}
	if len(pos) == 0 {
		return usageErrorf("attest needs at least one SUBJECT file")
	}
	ptype, err := attest.PredicateType(*typ)
	if err != nil {
		return usageErrorf("attest: %v", err)
	}
	pred, err := readBounded(*predicate, attest.MaxPredicateSize)
	if err != nil {
		return err
	}
	var subjects []attest.Subject
	for _, p := range pos {
		if err := regularFile(p); err != nil {
			return err
		}
		s, err := attest.FileSubject(filepath.ToSlash(filepath.Clean(p)), p)
		if err != nil {
			return err
		}
		subjects = append(subjects, s)
	}
	st, err := attest.NewStatement(ptype, pred, subjects)
	if err != nil {
		return fmt.Errorf("%s: %w", *predicate, err)
	}
	var b []byte
	if *sf.keyless {
		kl, err := sf.load(env)
		if err != nil {
			return err
		}
		if b, err = kl.Attest(ctx, st); err != nil {
			return err
		}
	} else {
		k, err := loadKey(env, *sf.key)
		if err != nil {
			return err
		}
		if b, err = attest.Attest(ctx, k, st); err != nil {
			return err
		}
	}
	return writeBundle(*out, env.Stdout, b)
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

func runVerify(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("verify", "hallmark verify --bundle B (--key PUB | --certificate-identity[-regexp] ID --certificate-oidc-issuer[-regexp] ISS) [--trusted-root FILE] FILE|sha256:HEX", `
Verify a Sigstore bundle (v0.1 to v0.3; a message signature or a DSSE in-toto attestation)
over FILE, or over an artifact known only by its digest (sha256:HEX). Exit 0 when it is valid;
exit 1 with the reason when it is not.

With --key, the bundle must be signed by that public key. Bundles without a transparency-log
entry are accepted (Hallmark signs offline); entries that are present must verify against the
trusted root.

Without --key, the bundle is keyless: its Fulcio certificate must chain to the trusted root, carry
a valid SCT, name the given identity and OIDC issuer, and be valid at a verified time (a signed
timestamp or the transparency log's); transparency-log inclusion proofs and checkpoints are
checked. All offline: the trusted root is --trusted-root or the embedded Sigstore public-good
root (a warning says when it is more than six months old); TUF metadata is never fetched.`, `
  hallmark verify --bundle app.tar.gz.sigstore.json --key release.pub app.tar.gz
  hallmark verify --bundle app.sigstore.json \
      --certificate-identity https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.0.0 \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com app.tar.gz`)
	bundlePath := fs.String("bundle", "", "the Sigstore bundle `FILE`")
	keyPath := fs.String("key", "", "verify with this PEM public `key`")
	identity := fs.String("certificate-identity", "", "the signer `identity` (certificate SAN)")
	identityRE := fs.String("certificate-identity-regexp", "", "the signer identity as a `regexp`")
	issuer := fs.String("certificate-oidc-issuer", "", "the signer's OIDC `issuer`")
	issuerRE := fs.String("certificate-oidc-issuer-regexp", "", "the OIDC issuer as a `regexp`")
	trustedRoot := fs.String("trusted-root", "", "the Sigstore trusted root JSON `FILE` (default: embedded public-good root)")
	asJSON := fs.Bool("json", false, "print the verification result as JSON")
	pos, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if *bundlePath == "" {
		return usageErrorf("verify needs --bundle")
	}
	if len(pos) != 1 {
		return usageErrorf("verify takes one FILE or sha256:HEX (got %d)", len(pos))
	}
	keyless := *identity != "" || *identityRE != "" || *issuer != "" || *issuerRE != ""
	switch {
	case *keyPath != "" && keyless:
		return usageErrorf("verify: --key and --certificate-* are exclusive")
	case *keyPath == "" && !keyless:
		return usageErrorf("verify needs --key, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp]")
	case keyless && (*identity == "") == (*identityRE == ""):
		return usageErrorf("verify: give one of --certificate-identity or --certificate-identity-regexp")
	case keyless && (*issuer == "") == (*issuerRE == ""):
		return usageErrorf("verify: give one of --certificate-oidc-issuer or --certificate-oidc-issuer-regexp")
	}

	policy := attest.Policy{Identity: *identity, IdentityRegexp: *identityRE, Issuer: *issuer, IssuerRegexp: *issuerRE}
	if *keyPath != "" {
		data, err := readBounded(*keyPath, 64<<10)
		if err != nil {
			return err
		}
		pub, err := attest.ParsePublicKey(data)
		if err != nil {
			return fmt.Errorf("%s: %w", *keyPath, err)
		}
		policy.PublicKey = pub
	}
	var art attest.Artifact
	if d, derr := attest.ParseDigest(pos[0]); derr == nil {
		if _, err := os.Stat(pos[0]); err != nil {
			art.SHA256 = d
		}
	}
	if art.SHA256 == nil {
		if err := regularFile(pos[0]); err != nil {
			return err
		}
		art.Path = pos[0]
	}
	b, err := attest.ReadBundle(*bundlePath)
	if err != nil {
		return err
	}
	if *trustedRoot != "" {
		tr, err := attest.LoadTrustedRoot(*trustedRoot)
		if err != nil {
			return err
		}
		policy.TrustedRoot = tr
	} else if keyless || b.HasInclusionProof() || b.HasInclusionPromise() {
		if attest.TrustedRootStale(time.Now()) {
			fmt.Fprintf(env.Stderr, "hallmark: warning: the embedded Sigstore trusted root dates from %s, more than six months ago; pass a current one with --trusted-root\n",
				attest.TrustedRootDate.Format("2006-01-02"))
		}
	}
	res, err := attest.Verify(b, art, policy)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Schema string `json:"schema"`
			*attest.Result
		}{"hallmark.verify/v1", res})
	}
	fmt.Fprintf(env.Stdout, "Verified OK: %s\n", pos[0])
	if res.KeyHint != "" {
		fmt.Fprintf(env.Stdout, "  signed with key %s\n", res.KeyHint)
	} else {
		fmt.Fprintf(env.Stdout, "  signed by %s (issuer %s)\n", res.Identity, res.Issuer)
	}
	if res.Statement != nil {
		fmt.Fprintf(env.Stdout, "  attestation %s about %d subject(s)\n", res.Statement.PredicateType, len(res.Statement.Subject))
	}
	if res.TlogEntries == 0 {
		fmt.Fprintf(env.Stdout, "  no transparency-log entry\n")
	}
	for _, ts := range res.Timestamps {
		fmt.Fprintf(env.Stdout, "  time %s\n", ts)
	}
	return nil
}

// notYet is the error of a command that is planned but not implemented.
func notYet(cmd string) error {
	return &exitError{code: ExitError, err: errors.New(cmd + " is not implemented yet (see the README, 'What works today')")}
}
