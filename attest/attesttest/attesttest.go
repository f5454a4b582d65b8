// Package attesttest runs a fake Sigstore signing infrastructure on local httptest servers,
// for tests of keyless signing: a Fulcio (v2 signingCert API) whose certificates chain to an
// in-test CA, and an RFC 3161 timestamp authority. It has no transparency log. Nothing here is
// secure; it is for tests only.
package attesttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// FulcioRequest is what the fake Fulcio received.
type FulcioRequest struct {
	Authorization string // the Authorization header
	PublicKeyPEM  string // the public key to certify
	Algorithm     string
	ProofOK       bool // the proof of possession verified
}

// Sigstore is the fake infrastructure.
type Sigstore struct {
	Fulcio *httptest.Server
	TSA    *httptest.Server

	caRoot, caInter *x509.Certificate
	caInterKey      *ecdsa.PrivateKey
	tsaRoot         *x509.Certificate
	tsaLeaf         *x509.Certificate
	tsaLeafKey      *ecdsa.PrivateKey

	mu             sync.Mutex
	fulcioRequests []FulcioRequest
	tsaRequests    int
}

// New starts the fake servers; they stop when t ends.
func New(t testing.TB) *Sigstore {
	t.Helper()
	s := &Sigstore{}
	var err error
	now := time.Now()
	var rootKey *ecdsa.PrivateKey
	s.caRoot, rootKey, err = newCert(nil, nil, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "fake-fulcio-root", Organization: []string{"hallmark-test"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.caInter, s.caInterKey, err = newCert(s.caRoot, rootKey, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "fake-fulcio-intermediate", Organization: []string{"hallmark-test"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true, IsCA: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var tsaRootKey *ecdsa.PrivateKey
	s.tsaRoot, tsaRootKey, err = newCert(nil, nil, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "fake-tsa-root", Organization: []string{"hallmark-test"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	s.tsaLeaf, s.tsaLeafKey, err = newCert(s.tsaRoot, tsaRootKey, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "fake-tsa", Organization: []string{"hallmark-test"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Fulcio = httptest.NewServer(http.HandlerFunc(s.fulcio))
	t.Cleanup(s.Fulcio.Close)
	s.TSA = httptest.NewServer(http.HandlerFunc(s.tsa))
	t.Cleanup(s.TSA.Close)
	return s
}

var serial int64

func newCert(parent *x509.Certificate, parentKey crypto.Signer, tmpl *x509.Certificate) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

// FulcioRequests returns the requests the fake Fulcio received.
func (s *Sigstore) FulcioRequests() []FulcioRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]FulcioRequest(nil), s.fulcioRequests...)
}

// TSARequests returns how many timestamps the fake TSA issued.
func (s *Sigstore) TSARequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tsaRequests
}

// Token returns an unsigned JWT with these claims (Fulcio is fake: it does not check
// signatures). A subject that is a URL becomes a URI SAN, else an email SAN.
func Token(issuer, subject string, expiry time.Time) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	claims := map[string]any{"iss": issuer, "sub": subject, "exp": expiry.Unix(), "aud": "sigstore"}
	if !strings.Contains(subject, "://") {
		claims["email"], claims["email_verified"] = subject, true
	}
	return enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + enc(claims) + ".c2ln"
}

func (s *Sigstore) fulcio(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var req struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Algorithm string `json:"algorithm"`
				Content   string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession string `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	rec := FulcioRequest{
		Authorization: r.Header.Get("Authorization"),
		PublicKeyPEM:  req.PublicKeyRequest.PublicKey.Content,
		Algorithm:     req.PublicKeyRequest.PublicKey.Algorithm,
	}
	defer func() {
		s.mu.Lock()
		s.fulcioRequests = append(s.fulcioRequests, rec)
		s.mu.Unlock()
	}()
	token, ok := strings.CutPrefix(rec.Authorization, "Bearer ")
	if !ok {
		http.Error(w, "no bearer token", http.StatusUnauthorized)
		return
	}
	parts := strings.Split(token, ".")
	var claims struct {
		Iss, Sub, Email string
	}
	if len(parts) != 3 {
		http.Error(w, "token is not a JWT", http.StatusUnauthorized)
		return
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(payload, &claims) != nil || claims.Iss == "" || claims.Sub == "" {
		http.Error(w, "token has no iss or sub", http.StatusUnauthorized)
		return
	}
	block, _ := pem.Decode([]byte(rec.PublicKeyPEM))
	if block == nil {
		http.Error(w, "public key is not PEM", http.StatusBadRequest)
		return
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		http.Error(w, "public key: "+err.Error(), http.StatusBadRequest)
		return
	}
	ecpub, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		http.Error(w, "public key is not ECDSA", http.StatusBadRequest)
		return
	}
	subject := claims.Sub
	if claims.Email != "" {
		subject = claims.Email
	}
	sig, _ := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	sum := sha256.Sum256([]byte(subject))
	if !ecdsa.VerifyASN1(ecpub, sum[:], sig) {
		http.Error(w, "proof of possession does not verify", http.StatusBadRequest)
		return
	}
	rec.ProofOK = true
	issuerExt, _ := asn1.MarshalWithParams(claims.Iss, "utf8")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(10 * time.Minute),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}, Value: []byte(claims.Iss)},
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}, Value: issuerExt},
		},
	}
	if u, err := url.Parse(subject); err == nil && strings.Contains(subject, "://") {
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{subject}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.caInter, ecpub, s.caInterKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	pemOf := func(der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	var resp struct {
		Cert struct {
			Chain struct {
				Certificates []string `json:"certificates"`
			} `json:"chain"`
		} `json:"signedCertificateEmbeddedSct"`
	}
	resp.Cert.Chain.Certificates = []string{pemOf(der), pemOf(s.caInter.Raw), pemOf(s.caRoot.Raw)}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (s *Sigstore) tsa(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, "bad timestamp request: "+err.Error(), http.StatusBadRequest)
		return
	}
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm,
		HashedMessage: req.HashedMessage,
		Time:          time.Now(),
		Policy:        asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2},
		Nonce:         req.Nonce,
	}
	resp, err := ts.CreateResponseWithOpts(s.tsaLeaf, s.tsaLeafKey, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.tsaRequests++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

// SigningConfig returns a signing configuration (v0.2) naming the fake Fulcio and, if withTSA,
// the fake TSA.
func (s *Sigstore) SigningConfig(withTSA bool) []byte {
	svc := func(u string) map[string]any {
		return map[string]any{"url": u, "majorApiVersion": 1, "validFor": map[string]string{"start": "2020-01-01T00:00:00Z"}, "operator": "hallmark-test"}
	}
	sc := map[string]any{
		"mediaType": root.SigningConfigMediaType02,
		"caUrls":    []any{svc(s.Fulcio.URL)},
	}
	if withTSA {
		sc["tsaUrls"] = []any{svc(s.TSA.URL + "/api/v1/timestamp")}
		sc["tsaConfig"] = map[string]string{"selector": "ANY"}
	}
	b, _ := json.MarshalIndent(sc, "", "  ")
	return b
}

// TrustedRoot returns a trusted root (trusted_root.json) listing the fake CA and TSA, with no
// transparency or CT logs.
func (s *Sigstore) TrustedRoot(t testing.TB) []byte {
	t.Helper()
	now := time.Now()
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{&root.FulcioCertificateAuthority{
			Root: s.caRoot, Intermediates: []*x509.Certificate{s.caInter},
			ValidityPeriodStart: now.Add(-time.Hour), URI: s.Fulcio.URL,
		}},
		nil,
		[]root.TimestampingAuthority{&root.SigstoreTimestampingAuthority{
			Root: s.tsaRoot, Leaf: s.tsaLeaf,
			ValidityPeriodStart: now.Add(-time.Hour), URI: s.TSA.URL,
		}},
		nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// String describes the fake.
func (s *Sigstore) String() string {
	return fmt.Sprintf("fake Sigstore (Fulcio %s, TSA %s)", s.Fulcio.URL, s.TSA.URL)
}
