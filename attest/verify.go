package attest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Errors of verification. Every failure wraps ErrVerify with its reason.
var (
	ErrVerify = errors.New("verification failed")
	ErrBundle = errors.New("invalid bundle")
	ErrPolicy = errors.New("invalid verification options")
)

// Policy says whom to trust. Exactly one of PublicKey or an identity (Identity or
// IdentityRegexp, with Issuer or IssuerRegexp) is set.
type Policy struct {
	// PublicKey verifies bundles signed with a key. Bundles without a transparency-log entry
	// are accepted (Hallmark signs offline); entries that are present are verified against
	// TrustedRoot.
	PublicKey crypto.PublicKey
	// The signer identity (the certificate's SAN) and OIDC issuer of keyless bundles, exact or
	// as regular expressions (Go syntax, matched against the whole value only if anchored).
	Identity, IdentityRegexp, Issuer, IssuerRegexp string
	// TrustedRoot holds the Fulcio CAs, Rekor and CT logs and timestamp authorities; nil means
	// the embedded public-good root.
	TrustedRoot root.TrustedMaterial
}

func (p *Policy) validate() error {
	identity := p.Identity != "" || p.IdentityRegexp != "" || p.Issuer != "" || p.IssuerRegexp != ""
	switch {
	case p.PublicKey != nil && identity:
		return fmt.Errorf("%w: a public key and a certificate identity are exclusive", ErrPolicy)
	case p.PublicKey == nil && !identity:
		return fmt.Errorf("%w: give a public key or a certificate identity and issuer", ErrPolicy)
	case p.PublicKey == nil && (p.Identity == "") == (p.IdentityRegexp == ""):
		return fmt.Errorf("%w: give exactly one of the certificate identity or its regular expression", ErrPolicy)
	case p.PublicKey == nil && (p.Issuer == "") == (p.IssuerRegexp == ""):
		return fmt.Errorf("%w: give exactly one of the certificate OIDC issuer or its regular expression", ErrPolicy)
	}
	return nil
}

// Artifact is what a bundle is checked against: a file, or only its SHA-256.
type Artifact struct {
	Path   string // a file to hash (and, for Ed25519 message signatures, to read)
	SHA256 []byte // the artifact's digest, when the file is not at hand
}

// ParseDigest parses "sha256:HEX".
func ParseDigest(s string) ([]byte, error) {
	alg, hexd, ok := strings.Cut(s, ":")
	if !ok || alg != "sha256" {
		return nil, fmt.Errorf("digest %q: want sha256:HEX", s)
	}
	d, err := hex.DecodeString(hexd)
	if err != nil || len(d) != sha256.Size {
		return nil, fmt.Errorf("digest %q: want 64 hexadecimal digits after sha256:", s)
	}
	return d, nil
}

// Result is what a successful verification established.
type Result struct {
	MediaType string `json:"mediaType"`
	// KeyHint is the hint of a key-signed bundle; Identity and Issuer describe the
	// certificate of a keyless one.
	KeyHint  string `json:"keyHint,omitempty"`
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// Statement is the verified in-toto statement of a DSSE bundle.
	Statement *Statement `json:"statement,omitempty"`
	// TlogEntries is the number of verified transparency-log entries; Timestamps are the
	// verified times (RFC 3339) with their source.
	TlogEntries int      `json:"tlogEntries"`
	Timestamps  []string `json:"timestamps,omitempty"`
}

// ParseBundle decodes and validates a Sigstore bundle (v0.1 to v0.3) of at most MaxBundleSize
// bytes.
func ParseBundle(data []byte) (*bundle.Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBundle, MaxBundleSize)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	return &b, nil
}

// ReadBundle reads and parses the bundle file at path.
func ReadBundle(path string) (*bundle.Bundle, error) {
	data, err := readLimited(path, MaxBundleSize)
	if err != nil {
		return nil, err
	}
	b, err := ParseBundle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// Verify checks entity (usually a *bundle.Bundle) against art under p, following the Sigstore
// client specification through sigstore-go's verifier.
func Verify(entity verify.SignedEntity, art Artifact, p Policy) (*Result, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	tm := p.TrustedRoot
	if tm == nil {
		pg, err := PublicGoodTrustedRoot()
		if err != nil {
			return nil, err
		}
		tm = pg
	}
	tlogs, err := entity.TlogEntries()
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %v", ErrVerify, ErrBundle, err)
	}
	signedTimestamps, err := entity.Timestamps()
	if err != nil {
		return nil, fmt.Errorf("%w: %w: %v", ErrVerify, ErrBundle, err)
	}

	var vopts []verify.VerifierOption
	var popts []verify.PolicyOption
	timestamps, logged := false, false
	if len(tlogs) > 0 || p.PublicKey == nil && len(tm.RekorLogs()) > 0 {
		// Keyless bundles must be logged when the root has logs; keyed ones may be offline.
		vopts = append(vopts, verify.WithTransparencyLog(1))
		logged = true
		if entity.HasInclusionPromise() {
			vopts = append(vopts, verify.WithIntegratedTimestamps(1))
			timestamps = true
		}
	}
	if len(signedTimestamps) > 0 && len(tm.TimestampingAuthorities()) > 0 {
		vopts = append(vopts, verify.WithSignedTimestamps(1))
		timestamps = true
	}
	if p.PublicKey != nil {
		km, err := keyMaterial(p.PublicKey)
		if err != nil {
			return nil, err
		}
		tm = root.TrustedMaterialCollection{km, tm}
		popts = append(popts, verify.WithKey())
		if !timestamps {
			vopts = append(vopts, verify.WithNoObserverTimestamps())
		}
	} else {
		// SCTs are required whenever the trusted root lists CT logs (always, for public-good).
		if len(tm.CTLogs()) > 0 {
			vopts = append(vopts, verify.WithSignedCertificateTimestamps(1))
		}
		if !timestamps {
			return nil, fmt.Errorf("%w: a keyless bundle needs a verifiable time (a signed timestamp from a trusted authority, or a transparency-log entry with an inclusion promise), and this one has none", ErrVerify)
		}
		id, err := verify.NewShortCertificateIdentity(p.Issuer, p.IssuerRegexp, p.Identity, p.IdentityRegexp)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
		}
		popts = append(popts, verify.WithCertificateIdentity(id))
	}

	if _, ed := p.PublicKey.(ed25519.PublicKey); ed && art.Path == "" {
		if sc, err := entity.SignatureContent(); err == nil && sc.MessageSignatureContent() != nil {
			return nil, fmt.Errorf("%w: an Ed25519 signature covers the whole file: verify it against the file, not its digest", ErrVerify)
		}
	}

	v, err := verify.NewVerifier(tm, vopts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	artOpt, closeArt, err := artifactOption(art, p.PublicKey)
	if err != nil {
		return nil, err
	}
	defer closeArt()
	res, err := v.Verify(entity, verify.NewPolicy(artOpt, popts...))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrVerify, err)
	}
	out := result(entity, res)
	if logged {
		out.TlogEntries = len(tlogs)
	}
	return out, nil
}

func artifactOption(art Artifact, pub crypto.PublicKey) (verify.ArtifactPolicyOption, func(), error) {
	if art.Path == "" {
		if len(art.SHA256) != sha256.Size {
			return nil, nil, fmt.Errorf("%w: no artifact and no SHA-256 digest", ErrPolicy)
		}
		return verify.WithArtifactDigest("sha256", art.SHA256), func() {}, nil
	}
	f, err := os.Open(art.Path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a regular file", art.Path)
	}
	var r io.Reader = f
	if fi.Size() > MaxEd25519File {
		// sigstore-go reads the whole artifact for Ed25519 signatures; for the others it is a
		// stream. Larger files are checked by digest, computed here as a stream.
		sum, err := FileDigest(art.Path)
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		return verify.WithArtifactDigest("sha256", sum), func() {}, nil
	}
	return verify.WithArtifact(r), func() { f.Close() }, nil
}

func result(entity verify.SignedEntity, res *verify.VerificationResult) *Result {
	out := &Result{MediaType: res.MediaType}
	if res.Signature != nil && res.Signature.Certificate != nil {
		out.Identity = res.Signature.Certificate.SubjectAlternativeName
		out.Issuer = res.Signature.Certificate.Issuer
	}
	if vc, err := entity.VerificationContent(); err == nil && vc.PublicKey() != nil {
		out.KeyHint = vc.PublicKey().Hint()
	}
	for _, ts := range res.VerifiedTimestamps {
		out.Timestamps = append(out.Timestamps, ts.Type+" "+ts.Timestamp.UTC().Format(time.RFC3339))
	}
	sc, err := entity.SignatureContent()
	if err == nil && sc.EnvelopeContent() != nil {
		st, err := sc.EnvelopeContent().Statement()
		if err == nil && st != nil {
			if raw := sc.EnvelopeContent().RawEnvelope(); raw != nil {
				if payload, err := raw.DecodeB64Payload(); err == nil {
					if parsed, err := ParseStatement(payload); err == nil {
						out.Statement = parsed
					}
				}
			}
		}
	}
	return out
}

// keyMaterial trusts pub for any key hint, at any time.
func keyMaterial(pub crypto.PublicKey) (root.TrustedMaterial, error) {
	v, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: public key: %v", ErrPolicy, err)
	}
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
	}), nil
}
