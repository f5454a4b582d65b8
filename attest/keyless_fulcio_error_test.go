package attest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/attest/attesttest"
)

// TestKeylessFulcioRefuses: a Fulcio error is reported with its status, and a token the server
// echoes back is redacted.
func TestKeylessFulcioRefuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token: "+r.Header.Get("Authorization"), http.StatusForbidden)
	}))
	defer srv.Close()
	svc := root.Service{URL: srv.URL, MajorAPIVersion: 1, ValidityPeriodStart: time.Now().Add(-time.Hour)}
	sc, err := root.NewSigningConfig(root.SigningConfigMediaType02, []root.Service{svc}, nil, nil, root.ServiceConfiguration{},
		[]root.Service{{URL: srv.URL + "/tsa", MajorAPIVersion: 1, ValidityPeriodStart: time.Now().Add(-time.Hour)}},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY})
	if err != nil {
		t.Fatal(err)
	}
	token := attesttest.Token(testIssuer, testIdentity, time.Now().Add(time.Hour))
	path := writeFile(t, t.TempDir(), "f", "x")
	_, err = (&attest.Keyless{Config: sc, IDToken: token}).SignFile(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "Fulcio returned 403") || !strings.Contains(err.Error(), "<redacted token>") || strings.Contains(err.Error(), token) {
		t.Errorf("SignFile: %v", err)
	}
}
