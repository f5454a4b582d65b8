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
	st, err := NewStatement(testBuild())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var ast attest.Statement
	if err := json.Unmarshal(payload, &ast); err != nil {
		t.Fatal(err)
	}
	digest, err := hex.DecodeString(subjectDigest)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []attest.Algorithm{attest.ECDSAP256, attest.Ed25519} {
		t.Run(string(alg), func(t *testing.T) {
			kp, err := attest.GenerateKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			pemBytes, err := kp.EncryptedPEM([]byte("pw"))
			if err != nil {
				t.Fatal(err)
			}
			priv, err := LoadPrivateKey(pemBytes, []byte("pw"))
			if err != nil {
				t.Fatal(err)
			}
			ours, err := Sign(st, priv)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := attest.Attest(context.Background(), kp, &ast)
			if err != nil {
				t.Fatal(err)
			}
			// Each verifies with the other package.
			opts := VerifyOptions{PublicKey: kp.GetPublicKey(), ArtifactSHA256: subjectDigest}
			if _, err := Verify(theirs, opts); err != nil {
				t.Errorf("provenance.Verify of attest.Attest's bundle: %v", err)
			}
			b, err := attest.ParseBundle(ours)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := attest.Verify(b, attest.Artifact{SHA256: digest}, attest.Policy{PublicKey: kp.GetPublicKey()}); err != nil {
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
