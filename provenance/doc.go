// Package provenance generates and verifies SLSA build provenance
// (https://slsa.dev/spec/v1.0/provenance, and the older https://slsa.dev/spec/v0.2/provenance)
// carried as in-toto statements (https://github.com/in-toto/attestation/tree/main/spec) in
// DSSE envelopes inside Sigstore bundles.
//
// Verification is written step by step after the SLSA verification guide
// (https://slsa.dev/spec/v1.0/verifying-artifacts):
//
//  1. the bundle's signature, certificate chain, transparency-log entry and signed
//     certificate timestamps are checked against a trusted root (sigstore-go, offline);
//  2. the signer is the expected key or certificate identity;
//  3. the payload is an in-toto statement whose predicate is SLSA provenance;
//  4. the artifact's sha256 digest is one of the statement's subjects;
//  5. the builder and the source repository, ref and commit are the expected ones, and
//     agree with the GitHub Actions claims Fulcio wrote into the signing certificate;
//  6. the SLSA build level the evidence supports is derived, with its reasons.
//
// Every failure wraps one of the Err* sentinels and names what did not match.
//
// Generation runs a build command, then writes SLSA v1.0 provenance about its outputs
// (Statement, Build) and signs it into a Sigstore bundle with a long-lived key (Sign).
package provenance
