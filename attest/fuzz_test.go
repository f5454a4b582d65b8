package attest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/attest"
)

// FuzzParseBundle feeds hostile bundles to ParseBundle and to a keyed verification of what it
// accepts, seeded with every conformance bundle.
func FuzzParseBundle(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bundle-verify/*/bundle.sigstore.json")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	k, err := attest.GenerateKey(attest.ECDSAP256)
	if err != nil {
		f.Fatal(err)
	}
	tr, err := attest.PublicGoodTrustedRoot()
	if err != nil {
		f.Fatal(err)
	}
	digest := make([]byte, 32)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := attest.ParseBundle(data)
		if err != nil {
			return
		}
		_, _ = attest.Verify(b, attest.Artifact{SHA256: digest}, attest.Policy{PublicKey: k.GetPublicKey(), TrustedRoot: tr})
		_, _ = attest.Verify(b, attest.Artifact{SHA256: digest}, attest.Policy{Identity: "a", Issuer: "b", TrustedRoot: tr})
	})
}

// FuzzParseStatement feeds hostile in-toto statements to ParseStatement.
func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"x","predicate":{}}`))
	f.Add([]byte(`{"_type":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = attest.ParseStatement(data)
	})
}
