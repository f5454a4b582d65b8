package attest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
)

// Algorithm names a key algorithm for GenerateKey.
type Algorithm string

// The key algorithms Hallmark generates.
const (
	ECDSAP256 Algorithm = "ecdsa-p256" // ECDSA on NIST P-256 with SHA-256 (the default, as in cosign)
	Ed25519   Algorithm = "ed25519"    // pure Ed25519 (RFC 8032)
)

// PEM block types of encrypted private keys. cosign writes the first since v2.2 and reads both.
const (
	pemEncryptedKey       = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemEncryptedCosignKey = "ENCRYPTED COSIGN PRIVATE KEY"
	pemPublicKey          = "PUBLIC KEY"
)

// Errors of key handling.
var (
	ErrKeyFormat     = errors.New("not a Hallmark or cosign encrypted private key")
	ErrWrongPassword = errors.New("wrong password, or the key file is corrupt")
	ErrEmptyPassword = errors.New("the password is empty")
	ErrKeyAlgorithm  = errors.New("unsupported key algorithm")
)

// maxKeyFile bounds key files read by ParseEncryptedKey and ParsePublicKey.
const maxKeyFile = 64 << 10

// Keypair is a private signing key with its public half. It implements sign.Keypair of
// sigstore-go. Its String and GoString methods never show the private key.
type Keypair struct {
	alg  Algorithm
	priv crypto.Signer
	hint []byte
}

var _ sign.Keypair = (*Keypair)(nil)

// GenerateKey makes a new key pair.
func GenerateKey(alg Algorithm) (*Keypair, error) {
	switch alg {
	case ECDSAP256, "":
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return newKeypair(priv)
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return newKeypair(priv)
	}
	return nil, fmt.Errorf("%w %q (want %s or %s)", ErrKeyAlgorithm, alg, ECDSAP256, Ed25519)
}

func newKeypair(priv crypto.Signer) (*Keypair, error) {
	k := &Keypair{priv: priv}
	switch p := priv.(type) {
	case *ecdsa.PrivateKey:
		if p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: ECDSA on %s (only P-256)", ErrKeyAlgorithm, p.Curve.Params().Name)
		}
		k.alg = ECDSAP256
	case ed25519.PrivateKey:
		k.alg = Ed25519
	default:
		return nil, fmt.Errorf("%w: %T", ErrKeyAlgorithm, priv)
	}
	hint, err := KeyHint(priv.Public())
	if err != nil {
		return nil, err
	}
	k.hint = []byte(hint)
	return k, nil
}

// KeyHint is the hint Hallmark and sigstore-go put in a bundle signed with a key: the standard
// base64 of the SHA-256 of the public key's PKIX DER encoding.
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// Algorithm reports the key's algorithm.
func (k *Keypair) Algorithm() Algorithm { return k.alg }

// String describes the key without revealing it.
func (k *Keypair) String() string { return fmt.Sprintf("attest.Keypair(%s, hint %s)", k.alg, k.hint) }

// GoString describes the key without revealing it, for %#v.
func (k *Keypair) GoString() string { return k.String() }

// EncryptedPEM returns the private key encrypted with password in cosign's format: the
// PKCS#8 DER of the key sealed by go-securesystemslib's encrypted package (scrypt key
// derivation, NaCl secretbox), in a PEM block "ENCRYPTED SIGSTORE PRIVATE KEY".
func (k *Keypair) EncryptedPEM(password []byte) ([]byte, error) {
	if len(password) == 0 {
		return nil, ErrEmptyPassword
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	sealed, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, fmt.Errorf("encrypting the private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemEncryptedKey, Bytes: sealed}), nil
}

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" block (PKIX DER).
func (k *Keypair) PublicKeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der}), nil
}

// ParseEncryptedKey decrypts a private key written by EncryptedPEM or by cosign
// (generate-key-pair, import-key-pair). The NaCl secretbox authenticator is checked in
// constant time, so a wrong password and a corrupted file give the same ErrWrongPassword.
func ParseEncryptedKey(data, password []byte) (*Keypair, error) {
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrKeyFormat, maxKeyFile)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrKeyFormat)
	}
	if block.Type != pemEncryptedKey && block.Type != pemEncryptedCosignKey {
		return nil, fmt.Errorf("%w: PEM block %q", ErrKeyFormat, block.Type)
	}
	der, err := encrypted.Decrypt(block.Bytes, password)
	if err != nil {
		// Decrypt fails for a wrong password (secretbox.Open) and for a malformed envelope.
		return nil, ErrWrongPassword
	}
	defer clear(der)
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrKeyAlgorithm, key)
	}
	if p, ok := signer.(*ed25519.PrivateKey); ok {
		signer = *p
	}
	return newKeypair(signer)
}

// ParsePublicKey reads a PEM "PUBLIC KEY" block (PKIX) holding an ECDSA, Ed25519 or RSA key.
func ParsePublicKey(data []byte) (crypto.PublicKey, error) {
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("public key file larger than %d bytes", maxKeyFile)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block in the public key file")
	}
	if block.Type != pemPublicKey {
		return nil, fmt.Errorf("PEM block %q is not a PUBLIC KEY", block.Type)
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}

// GetHashAlgorithm returns the hash recorded in a bundle's message digest: SHA2-256 for both
// algorithms (pure Ed25519 signs the whole message; the digest is then only a hint).
func (k *Keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}

// GetSigningAlgorithm returns the signing algorithm in Sigstore's terms.
func (k *Keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	if k.alg == Ed25519 {
		return protocommon.PublicKeyDetails_PKIX_ED25519
	}
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

// GetHint returns the public key hint (see KeyHint).
func (k *Keypair) GetHint() []byte { return k.hint }

// GetKeyAlgorithm returns "ECDSA" or "ED25519", as Fulcio names them.
func (k *Keypair) GetKeyAlgorithm() string {
	if k.alg == Ed25519 {
		return "ED25519"
	}
	return "ECDSA"
}

// GetPublicKey returns the public key.
func (k *Keypair) GetPublicKey() crypto.PublicKey { return k.priv.Public() }

// GetPublicKeyPem returns the public key in PEM.
func (k *Keypair) GetPublicKeyPem() (string, error) {
	b, err := k.PublicKeyPEM()
	return string(b), err
}

// SignData signs data and returns the signature and the SHA-256 of data. ECDSA signs that
// digest; Ed25519 signs data itself.
func (k *Keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	sum := sha256.Sum256(data)
	if k.alg == Ed25519 {
		sig, err := k.priv.Sign(rand.Reader, data, crypto.Hash(0))
		return sig, sum[:], err
	}
	sig, err := k.priv.Sign(rand.Reader, sum[:], crypto.SHA256)
	return sig, sum[:], err
}

// digestKeypair signs a precomputed SHA-256 digest handed to SignData, so that large files
// are hashed as a stream and never held in memory. ECDSA only.
type digestKeypair struct{ *Keypair }

func (k digestKeypair) SignData(_ context.Context, digest []byte) ([]byte, []byte, error) {
	if k.alg != ECDSAP256 || len(digest) != sha256.Size {
		return nil, nil, errors.New("internal error: digest signing needs an ECDSA key and a SHA-256 digest")
	}
	sig, err := k.priv.Sign(rand.Reader, digest, crypto.SHA256)
	return sig, digest, err
}
