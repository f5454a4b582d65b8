package attest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
)

// Keyless signing: an ephemeral ECDSA P-256 key pair, certified by the Fulcio named in a
// signing configuration for the identity of an OIDC token, with a signed timestamp from the
// configuration's timestamp authorities and/or an entry in its Rekor logs. Nothing is fetched
// but what the configuration names: Hallmark never downloads the public-good configuration.

// maxSigningConfig bounds a signing configuration file; MaxIDToken bounds an OIDC token.
const (
	maxSigningConfig = 1 << 20
	MaxIDToken       = 64 << 10
)

// ErrKeyless is wrapped by every error in the keyless inputs (configuration, token).
var ErrKeyless = errors.New("keyless signing")

// LoadSigningConfig reads a Sigstore signing configuration (signing_config.v0.2.json, media type
// application/vnd.dev.sigstore.signingconfig.v0.2+json) naming the Fulcio, Rekor and
// timestamp-authority URLs.
func LoadSigningConfig(path string) (*root.SigningConfig, error) {
	data, err := readLimited(path, maxSigningConfig)
	if err != nil {
		return nil, err
	}
	sc, err := root.NewSigningConfigFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%w: signing configuration %s: %v", ErrKeyless, path, err)
	}
	return sc, nil
}

// IDTokenClaims are the unverified claims of an OIDC token that Hallmark reads to report
// errors early. Fulcio verifies the token; these are never trusted.
type IDTokenClaims struct {
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	Email   string `json:"email"`
	Expiry  int64  `json:"exp"`
}

// ParseIDToken checks that token looks like a JWT with an issuer and a subject, unexpired at
// now, and returns its (unverified) claims. Its errors never quote the token.
func ParseIDToken(token string, now time.Time) (*IDTokenClaims, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: the OIDC token is empty", ErrKeyless)
	}
	if len(token) > MaxIDToken {
		return nil, fmt.Errorf("%w: the OIDC token is larger than %d bytes", ErrKeyless, MaxIDToken)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: the OIDC token is not a JWT (want three base64url parts separated by dots, got %d)", ErrKeyless, len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("%w: the OIDC token's payload is not base64url", ErrKeyless)
	}
	var c IDTokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: the OIDC token's payload is not a JSON object of claims", ErrKeyless)
	}
	if c.Issuer == "" || c.Subject == "" {
		return nil, fmt.Errorf("%w: the OIDC token has no issuer (iss) or no subject (sub)", ErrKeyless)
	}
	if c.Expiry != 0 && now.After(time.Unix(c.Expiry, 0)) {
		return nil, fmt.Errorf("%w: the OIDC token (issuer %s) expired at %s: get a fresh one", ErrKeyless, c.Issuer, time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339))
	}
	return &c, nil
}

// Keyless is what keyless signing needs. Its String method hides the token.
type Keyless struct {
	// Config names the Fulcio, and the timestamp authorities and/or Rekor logs, to use.
	Config *root.SigningConfig
	// IDToken is the OIDC identity token (a JWT) sent to Fulcio.
	IDToken string
	// Now is the time used to pick services and check the token; nil means time.Now.
	Now func() time.Time
	// Transport carries the HTTP requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

func (kl *Keyless) String() string   { return "attest.Keyless{IDToken: <redacted>}" }
func (kl *Keyless) GoString() string { return kl.String() }

// services are the signing services chosen from the configuration.
type services struct {
	fulcio string
	tsas   []*sign.TimestampAuthority
	tlogs  []sign.Transparency
}

func (kl *Keyless) services() (*services, error) {
	if kl.Config == nil {
		return nil, fmt.Errorf("%w: no signing configuration", ErrKeyless)
	}
	now := time.Now()
	if kl.Now != nil {
		now = kl.Now()
	}
	if _, err := ParseIDToken(kl.IDToken, now); err != nil {
		return nil, err
	}
	sc := kl.Config
	if len(sc.FulcioCertificateAuthorityURLs()) == 0 {
		return nil, fmt.Errorf("%w: the signing configuration names no Fulcio (caUrls)", ErrKeyless)
	}
	fulcio, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), sign.FulcioAPIVersions, now)
	if err != nil {
		return nil, fmt.Errorf("%w: the signing configuration's caUrls: %v", ErrKeyless, err)
	}
	if err := checkURL("Fulcio", fulcio.URL); err != nil {
		return nil, err
	}
	s := &services{fulcio: strings.TrimRight(fulcio.URL, "/")}
	// sigstore-go's URLsConfig accessors dereference absent configurations: read them from
	// the protobuf, whose getters are nil-safe.
	raw, err := sc.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: signing configuration: %v", ErrKeyless, err)
	}
	pb, err := root.NewSigningConfigProtobuf(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: signing configuration: %v", ErrKeyless, err)
	}
	tsaConfig := root.ServiceConfiguration{Selector: pb.GetTsaConfig().GetSelector(), Count: pb.GetTsaConfig().GetCount()}
	rekorConfig := root.ServiceConfiguration{Selector: pb.GetRekorTlogConfig().GetSelector(), Count: pb.GetRekorTlogConfig().GetCount()}
	if len(sc.TimestampAuthorityURLs()) > 0 {
		chosen, err := selectServices(sc.TimestampAuthorityURLs(), tsaConfig, sign.TimestampAuthorityAPIVersions, now, "tsaUrls")
		if err != nil {
			return nil, err
		}
		for _, c := range chosen {
			if err := checkURL("the timestamp authority", c.URL); err != nil {
				return nil, err
			}
			s.tsas = append(s.tsas, sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: c.URL, Transport: kl.Transport}))
		}
	}
	if len(sc.RekorLogURLs()) > 0 {
		chosen, err := selectServices(sc.RekorLogURLs(), rekorConfig, sign.RekorAPIVersions, now, "rekorTlogUrls")
		if err != nil {
			return nil, err
		}
		for _, c := range chosen {
			if err := checkURL("Rekor", c.URL); err != nil {
				return nil, err
			}
			if kl.Transport != nil {
				return nil, fmt.Errorf("%w: a custom HTTP transport is not supported with Rekor", ErrKeyless)
			}
			s.tlogs = append(s.tlogs, sign.NewRekor(&sign.RekorOptions{BaseURL: c.URL, Version: c.MajorAPIVersion}))
		}
	}
	if len(s.tsas) == 0 && len(s.tlogs) == 0 {
		return nil, fmt.Errorf("%w: the signing configuration names no timestamp authority (tsaUrls) and no transparency log (rekorTlogUrls): the short-lived certificate would have no verifiable signing time", ErrKeyless)
	}
	return s, nil
}

func selectServices(list []root.Service, cfg root.ServiceConfiguration, versions []uint32, now time.Time, field string) ([]root.Service, error) {
	if cfg.Selector == prototrustroot.ServiceSelector_SERVICE_SELECTOR_UNDEFINED {
		return nil, fmt.Errorf("%w: the signing configuration lists %s but no selector for them (%sConfig: ALL, ANY or EXACT)", ErrKeyless, field, strings.TrimSuffix(field, "Urls"))
	}
	chosen, err := root.SelectServices(list, cfg, versions, now)
	if err != nil {
		return nil, fmt.Errorf("%w: the signing configuration's %s: %v", ErrKeyless, field, err)
	}
	return chosen, nil
}

// checkURL refuses a service URL that is not https, except on the loopback interface (local
// test servers): the OIDC token must not travel in clear.
func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: %s URL %q is not an absolute URL", ErrKeyless, what, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("%w: %s URL %q must use https (plain http only on the loopback interface)", ErrKeyless, what, raw)
}

// certificate obtains, for the ephemeral key k, a Fulcio certificate for the token's identity.
func (kl *Keyless) certificate(ctx context.Context, s *services, k *Keypair) (sign.CertificateProvider, error) {
	f := sign.NewFulcio(&sign.FulcioOptions{BaseURL: s.fulcio, Transport: kl.Transport})
	der, err := f.GetCertificate(ctx, k, &sign.CertificateProviderOptions{IDToken: kl.IDToken})
	if err != nil {
		return nil, fmt.Errorf("getting a certificate from Fulcio at %s: %s", s.fulcio, redact(err.Error(), kl.IDToken))
	}
	return fixedCertificate(der), nil
}

// redact removes the token from an error message (a server might echo it).
func redact(msg, token string) string {
	if token == "" {
		return msg
	}
	return strings.ReplaceAll(msg, token, "<redacted token>")
}

// fixedCertificate is a CertificateProvider returning a certificate already obtained.
type fixedCertificate []byte

func (c fixedCertificate) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	return c, nil
}

func (kl *Keyless) sign(ctx context.Context, content sign.Content, k *Keypair, kp sign.Keypair) ([]byte, error) {
	s, err := kl.services()
	if err != nil {
		return nil, err
	}
	cert, err := kl.certificate(ctx, s, k)
	if err != nil {
		return nil, err
	}
	return bundleJSON(content, kp, sign.BundleOptions{
		Context:              ctx,
		CertificateProvider:  cert,
		TimestampAuthorities: s.tsas,
		TransparencyLogs:     s.tlogs,
	}, kl.IDToken)
}

// SignFile signs the file at path keylessly: a message signature over its SHA-256 by an
// ephemeral key, in a Sigstore bundle v0.3 with the Fulcio certificate, signed timestamps and
// transparency-log entries. It returns the bundle's JSON.
func (kl *Keyless) SignFile(ctx context.Context, path string) ([]byte, error) {
	sum, err := FileDigest(path)
	if err != nil {
		return nil, err
	}
	k, err := GenerateKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	return kl.sign(ctx, digestContent{sum}, k, digestKeypair{k})
}

// Attest signs st keylessly, in a DSSE envelope; otherwise as SignFile.
func (kl *Keyless) Attest(ctx context.Context, st *Statement) ([]byte, error) {
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	k, err := GenerateKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	return kl.sign(ctx, &sign.DSSEData{Data: payload, PayloadType: PayloadType}, k, k)
}

// ReadIDToken returns the OIDC token in the file at path (surrounding white space removed).
func ReadIDToken(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w: identity token file %s is not a regular file", ErrKeyless, path)
	}
	data, err := readLimited(path, MaxIDToken)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}
