package attest

// Limits on what is signed and read.
const (
	// MaxBundleSize bounds a bundle read for verification.
	MaxBundleSize = 64 << 20
	// MaxPredicateSize bounds an attestation's predicate.
	MaxPredicateSize = 32 << 20
	// MaxEd25519File bounds a file signed or verified with pure Ed25519, which signs the whole
	// message and so holds it in memory (ECDSA signs a streamed SHA-256).
	MaxEd25519File = 1 << 30
)
