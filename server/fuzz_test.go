package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// FuzzUpload posts arbitrary bodies as SBOMs, VEX documents and advisories: the server never
// panics and never answers 500 (hostile input is the client's error).
func FuzzUpload(f *testing.F) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(sbomDoc("fuzz"))
	zw.Close()
	for _, seed := range [][]byte{sbomDoc("fuzz"), gz.Bytes(), []byte(lodashAdvisory), []byte(`{"spdxVersion": "SPDX-2.3"}`), []byte("PK\x03\x04"), {}} {
		for route := uint8(0); route < 4; route++ {
			f.Add(route, seed)
		}
	}
	fx := newFixture(f, storetest.Engines()[0].NewDSN(f))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		target, ctype, token := "/api/v1/sboms?name=fuzz&version=1", MediaCycloneDX, fx.ingestA
		switch route % 4 {
		case 1:
			ctype = MediaSPDX
		case 2:
			target = "/api/v1/vex"
		case 3:
			target, ctype, token = "/api/v1/advisories", "application/json", fx.admin
		}
		req := httptest.NewRequest("POST", target, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+token)
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			req.Header.Set("Content-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		fx.srv.ServeHTTP(w, req)
		if w.Code >= http.StatusInternalServerError {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	})
}
