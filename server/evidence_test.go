package server

import (
	"net/http"
	"os"
	"testing"

	"github.com/hallmark-dev/hallmark/evidence"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// aTxt is the subject digest of testdata/slsa.sigstore.json.
const aTxt = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"

func TestAttestations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, func(o *Options) {
			// No trusted signer: the bundle is stored as not verified, with the reason.
			ev, err := evidence.New(o.Store, evidence.Options{})
			if err != nil {
				t.Fatal(err)
			}
			o.Evidence = EvidenceService(ev)
		})
		bundle, err := os.ReadFile("testdata/slsa.sigstore.json")
		if err != nil {
			t.Fatal(err)
		}
		var att struct {
			Verified      bool
			PredicateType string `json:"predicate_type"`
			Failure       string
		}
		f.call("POST", "/api/v1/attestations", f.ingestA, bundle, http.StatusCreated, &att)
		if att.Verified || att.PredicateType != "https://slsa.dev/provenance/v1" || att.Failure == "" {
			t.Errorf("attestation %+v", att)
		}
		f.call("POST", "/api/v1/attestations", f.ingestA, []byte(`{"not": "a bundle"}`), http.StatusBadRequest, nil)

		if resp, body := f.postSBOM(f.ingestA, "name=a.txt&version=1&digest="+aTxt, sbomDoc("a"), false); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
		}
		var arts list[struct{ ID int64 }]
		f.call("GET", "/api/v1/artifacts", f.ingestA, nil, http.StatusOK, &arts)
		if len(arts.Items) != 1 {
			t.Fatalf("artifacts %+v", arts)
		}
		path := "/api/v1/artifacts/" + itoa(arts.Items[0].ID) + "/attestations"
		var atts list[struct{ Verified bool }]
		f.call("GET", path, f.readB, nil, http.StatusNotFound, nil)
		f.call("GET", path, f.ingestA, nil, http.StatusOK, &atts)
		if len(atts.Items) != 1 || atts.Items[0].Verified {
			t.Errorf("attestations %+v", atts)
		}
	})
}
