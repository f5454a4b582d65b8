package provenance

import "errors"

// Verification failures. Each error Verify returns wraps exactly one of these and says what
// did not match, so a caller can tell the kind of failure with errors.Is and show the message.
var (
	// ErrBundle: the bundle cannot be read, or is not a DSSE attestation bundle.
	ErrBundle = errors.New("unusable bundle")
	// ErrSignature: the signature, certificate chain, transparency-log entry, signed
	// certificate timestamp or signed timestamp does not verify against the trusted root or key.
	ErrSignature = errors.New("signature verification failed")
	// ErrIdentity: the bundle verifies but was not signed by the expected identity.
	ErrIdentity = errors.New("unexpected signer")
	// ErrNotProvenance: the signed payload is not an in-toto statement with SLSA provenance.
	ErrNotProvenance = errors.New("not SLSA provenance")
	// ErrSubject: the artifact is not a subject of the provenance.
	ErrSubject = errors.New("artifact is not a subject of the provenance")
	// ErrBuilder: the provenance was made by another builder than the expected one.
	ErrBuilder = errors.New("unexpected builder")
	// ErrSource: the provenance names another source repository, ref or commit, or none.
	ErrSource = errors.New("unexpected source")
)
