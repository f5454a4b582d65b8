// Package attest signs and verifies files and in-toto attestations as Sigstore bundles.
//
// It is a thin layer over sigstore-go (github.com/sigstore/sigstore-go, v1.3.0) that fixes the
// choices Hallmark makes:
//
//   - Keys (key.go): ECDSA P-256 or Ed25519 key pairs, the private key encrypted at rest in
//     cosign's format (PEM "ENCRYPTED SIGSTORE PRIVATE KEY": PKCS#8 sealed with scrypt and
//     NaCl secretbox), the public key as PEM PKIX.
//   - Signing (sign.go): a message signature over a file's SHA-256, or an in-toto Statement v1
//     in a DSSE envelope, in a Sigstore bundle v0.3 carrying the public key's hint. Signing is
//     offline: no transparency log entry and no signed timestamp are added.
//   - Keyless signing (keyless.go): an ephemeral key certified by the Fulcio that a signing
//     configuration names, for the identity of an OIDC token, with signed timestamps and/or
//     Rekor entries from the same configuration; package attesttest fakes Fulcio and a TSA.
//   - Verification (verify.go): with a public key, or keyless against a trusted root (Fulcio
//     chain, SCTs, transparency-log inclusion proofs and checkpoints, signed timestamps), never
//     fetching TUF metadata. The public-good trusted root ships embedded (trustedroot/).
//
// Every input is bounded (MaxBundleSize, MaxPredicateSize) before it is parsed.
package attest
