package provenance

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/hallmark-dev/hallmark/attest"
)

// TestSignLikeAttest: for the keys package attest handles (ECDSA P-256, Ed25519), Sign and
// attest.Attest make the same bundle — media type, key hint, DSSE payload type and payload,
// and for Ed25519 (deterministic) the same signature: the decoded bundles are equal — and
// each verifies with the other package's Verify. Sign stays separate because it also signs
// with ECDSA P-384 and P-521 and RSA keys, which attest.Keypair refuses, and because an
// attest.Keypair cannot be made from a loaded crypto.Signer.
func TestSignLikeAttest(t *testing.T) {
	st := must(NewStatement(testBuild()))(t)
	var ast attest.Statement
	if err := json.Unmarshal(must(json.Marshal(st))(t), &ast); err != nil {
		t.Fatal(err)
	}
	digest := must(hex.DecodeString(subjectDigest))(t)
	for _, alg := range []attest.Algorithm{attest.ECDSAP256, attest.Ed25519} {
		t.Run(string(alg), func(t *testing.T) {
			kp := must(attest.GenerateKey(alg))(t)
			priv := must(LoadPrivateKey(must(kp.EncryptedPEM([]byte("pw")))(t), []byte("pw")))(t)
			ours := must(Sign(st, priv))(t)
			theirs := must(attest.Attest(context.Background(), kp, &ast))(t)
			// Each verifies with the other package.
			opts := VerifyOptions{PublicKey: kp.GetPublicKey(), ArtifactSHA256: subjectDigest}
			if _, err := Verify(theirs, opts); err != nil {
				t.Errorf("provenance.Verify of attest.Attest's bundle: %v", err)
			}
			if _, err := attest.Verify(must(attest.ParseBundle(ours))(t), attest.Artifact{SHA256: digest}, attest.Policy{PublicKey: kp.GetPublicKey()}); err != nil {
				t.Errorf("attest.Verify of Sign's bundle: %v", err)
			}
			// The same bundle, but for ECDSA's random signatures.
			a, z := decodeBundle(t, ours), decodeBundle(t, theirs)
			if alg == attest.ECDSAP256 {
				a.GetDsseEnvelope().Signatures[0].Sig = nil
				z.GetDsseEnvelope().Signatures[0].Sig = nil
			}
			if !proto.Equal(a, z) {
				t.Errorf("bundles differ:\nSign:   %s\nAttest: %s", ours, theirs)
			}
		})
	}
}

func decodeBundle(t *testing.T, data []byte) *protobundle.Bundle {
	t.Helper()
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(data, &pb); err != nil {
		t.Fatal(err)
	}
	return &pb
}

// must returns a function that returns v, or ends the test if err is not nil:
// must(f())(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
