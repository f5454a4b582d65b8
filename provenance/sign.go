package provenance

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"google.golang.org/protobuf/encoding/protojson"
)

// ErrPassword means an encrypted private key needs a password that was not given or is wrong.
var ErrPassword = errors.New("the private key is encrypted: set HALLMARK_PASSWORD to its password")

// LoadPrivateKey reads a PEM private key: unencrypted PKCS#8, SEC 1 ("EC PRIVATE KEY") or
// PKCS#1, or encrypted in the Sigstore/cosign format ("ENCRYPTED SIGSTORE PRIVATE KEY",
// "ENCRYPTED COSIGN PRIVATE KEY": scrypt and NaCl secretbox) with password. The key must be
// ECDSA, Ed25519 or RSA.
func LoadPrivateKey(pemBytes, password []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("private key: not a PEM file")
	}
	encrypted := block.Type == "ENCRYPTED SIGSTORE PRIVATE KEY" || block.Type == "ENCRYPTED COSIGN PRIVATE KEY" || block.Type == "ENCRYPTED PRIVATE KEY"
	if encrypted && len(password) == 0 {
		return nil, ErrPassword
	}
	key, err := cryptoutils.UnmarshalPEMToPrivateKey(pemBytes, func(bool) ([]byte, error) { return password, nil })
	if err != nil {
		if encrypted {
			return nil, fmt.Errorf("%w (decrypting it failed: wrong password?)", ErrPassword)
		}
		return nil, fmt.Errorf("private key: %w", err)
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("private key: unsupported key type %T (want ECDSA, Ed25519 or RSA)", key)
}

// BundleMediaType is the media type of the bundles Sign writes.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// PAE is DSSE's pre-authentication encoding of a payload
// (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md): what is signed.
func PAE(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// KeyHint is the key identifier written into bundles: the base64 sha256 of the public key's
// PKIX DER encoding (what sigstore-go writes).
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// Sign puts st in a DSSE envelope signed with priv and returns it as a Sigstore bundle
// (v0.3, JSON) whose verification material is the key's hint. Nothing is sent to a
// transparency log: the bundle is verified with the public key. ECDSA keys sign the SHA-256
// (P-256), SHA-384 (P-384) or SHA-512 (P-521) digest, RSA keys PKCS #1 v1.5 over SHA-256,
// Ed25519 keys the message itself. For ECDSA P-256 and Ed25519 keys the bundle is the one
// attest.Attest makes (tested); Sign is kept because attest.Keypair takes neither those other
// keys nor a crypto.Signer loaded elsewhere.
func Sign(st *Statement, priv crypto.Signer) ([]byte, error) {
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding the statement: %w", err)
	}
	hint, err := KeyHint(priv.Public())
	if err != nil {
		return nil, err
	}
	msg := PAE(PayloadType, payload)
	var hf crypto.Hash
	switch k := priv.Public().(type) {
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			hf = crypto.SHA256
		case 384:
			hf = crypto.SHA384
		case 521:
			hf = crypto.SHA512
		default:
			return nil, fmt.Errorf("signing key: unsupported ECDSA curve %s", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		hf = crypto.SHA256
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("signing key: unsupported key type %T", k)
	}
	digest := msg
	if hf != 0 {
		h := hf.New()
		h.Write(msg)
		digest = h.Sum(nil)
	}
	sig, err := priv.Sign(rand.Reader, digest, hf)
	if err != nil {
		return nil, fmt.Errorf("signing the statement: %w", err)
	}
	pb := &protobundle.Bundle{
		MediaType: BundleMediaType,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: hint}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: payload, PayloadType: PayloadType, Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("encoding the bundle: %w", err)
	}
	return out, nil
}
