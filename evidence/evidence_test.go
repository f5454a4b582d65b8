package evidence

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// The signer of the Sigstore conformance bundles (testdata/*/README.md).
const (
	beaconSAN    = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	beaconIssuer = "https://token.actions.githubusercontent.com"
	// aTxt is the SHA-256 of a.txt, the subject of the conformance bundles.
	aTxt = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
)

var beacon = Identity{IssuerRegexp: `^https://token\.actions\.githubusercontent\.com$`, SANRegexp: `^https://github\.com/sigstore-conformance/`}

// openDB opens a fresh database with two teams, red and blue.
func openDB(t *testing.T, dsn string) (st *store.DB, red, blue int64) {
	t.Helper()
	ctx := context.Background()
	st = storetest.Open(t, dsn)
	for _, p := range []struct {
		name string
		id   *int64
	}{{"red", &red}, {"blue", &blue}} {
		if err := st.SQL().QueryRowContext(ctx, `INSERT INTO teams (name, created_at) VALUES (?, 0) RETURNING id`, p.name).Scan(p.id); err != nil {
			t.Fatal(err)
		}
	}
	return st, red, blue
}

func read(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func publicKey(t *testing.T, pemFile ...string) crypto.PublicKey {
	t.Helper()
	k, err := attest.ParsePublicKey(read(t, pemFile...))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestConformance ingests Sigstore conformance bundles, each under a server policy like the
// case's: the passing ones must be stored verified with their signer and subjects, the
// failing ones stored unverified with a reason.
func TestConformance(t *testing.T) {
	cases := []struct {
		dir      string
		opts     func(t *testing.T) Options
		verified bool
		signer   string
		subject  string
		predType string
	}{{
		dir: "happy-path-intoto-in-dsse-v3",
		opts: func(t *testing.T) Options {
			return Options{TrustedRoot: read(t, "public-good-trusted_root.json"), Identities: []Identity{beacon}}
		},
		verified: true, signer: beaconSAN, subject: aTxt, predType: "https://slsa.dev/provenance/v1",
	}, {
		dir: "intoto-with-custom-trust-root",
		opts: func(t *testing.T) Options {
			return Options{TrustedRoot: read(t, "intoto-with-custom-trust-root", "trusted_root.json"), Identities: []Identity{beacon}}
		},
		verified: true, signer: beaconSAN, predType: "https://slsa.dev/provenance/v1",
		subject: "sha256:330a043220fa13e01d68a7db39c89e12b0c4c3b6a0346fe624b0903f1303b5b2",
	}, {
		dir: "happy-path-intoto-in-dsse-v3",
		opts: func(t *testing.T) Options {
			return Options{Identities: []Identity{{IssuerRegexp: "^https://accounts\\.google\\.com$", SANRegexp: ".*"}}}
		},
		subject: aTxt, predType: "https://slsa.dev/provenance/v1", // another issuer is trusted
	}, {
		dir: "happy-path-intoto-in-dsse-v3",
		opts: func(t *testing.T) Options {
			return Options{PublicKeys: []crypto.PublicKey{publicKey(t, "managed-key-happy-path", "key.pub")}}
		},
		subject: aTxt, predType: "https://slsa.dev/provenance/v1", // keyless, and only a key is trusted
	}, {
		dir: "dsse-invalid-sig_fail",
		opts: func(t *testing.T) Options {
			return Options{TrustedRoot: read(t, "public-good-trusted_root.json"), Identities: []Identity{beacon}}
		},
		subject: aTxt, predType: "https://slsa.dev/provenance/v1",
	}, {
		dir: "managed-key-happy-path",
		opts: func(t *testing.T) Options {
			return Options{PublicKeys: []crypto.PublicKey{publicKey(t, "managed-key-happy-path", "key.pub")}}
		},
		verified: true, subject: aTxt,
	}, {
		dir: "managed-key-happy-path",
		opts: func(t *testing.T) Options {
			k, err := attest.GenerateKey(attest.ECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			return Options{PublicKeys: []crypto.PublicKey{k.GetPublicKey()}} // another key
		},
		subject: aTxt,
	}}
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, red, _ := openDB(t, dsn)
		for _, c := range cases {
			s, err := New(st, c.opts(t))
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Ingest(ctx, red, read(t, c.dir, "bundle.sigstore.json"))
			if err != nil {
				t.Fatalf("%s: %v", c.dir, err)
			}
			if a.Verified != c.verified || (a.Failure == "") != c.verified {
				t.Errorf("%s: verified %v (%s), want %v", c.dir, a.Verified, a.Failure, c.verified)
			}
			if !c.verified {
				t.Logf("%s: fails as expected: %s", c.dir, a.Failure)
			}
			if c.signer != "" && (a.Signer != c.signer || a.Issuer != beaconIssuer) {
				t.Errorf("%s: signer %q issuer %q", c.dir, a.Signer, a.Issuer)
			}
			if c.verified && c.signer == "" && !strings.HasPrefix(a.Signer, "key:") {
				t.Errorf("%s: signer %q, want key:<hint>", c.dir, a.Signer)
			}
			if len(a.Subjects) != 1 || a.Subjects[0].Digest != c.subject || a.PredicateType != c.predType {
				t.Errorf("%s: subjects %v, predicate type %q", c.dir, a.Subjects, a.PredicateType)
			}
			if c.predType != "" && !strings.Contains(string(a.Predicate), `"buildDefinition"`) {
				t.Errorf("%s: predicate %.100s", c.dir, a.Predicate)
			}
			// What was stored reads back the same.
			got, err := s.Get(ctx, portfolio.Scope{Teams: []int64{red}}, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: stored (-ingested +read):\n%s", c.dir, diff)
			}
		}
	})
}

// TestKeySigned ingests bundles made with attest's own signing: an attestation and a message
// signature, with the trusted key, another key, and again; then lists them by digest in and
// out of scope.
func TestKeySigned(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, red, blue := openDB(t, dsn)
		trusted, err := attest.GenerateKey(attest.ECDSAP256)
		if err != nil {
			t.Fatal(err)
		}
		other, err := attest.GenerateKey(attest.ECDSAP256)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(st, Options{PublicKeys: []crypto.PublicKey{trusted.GetPublicKey()}})
		if err != nil {
			t.Fatal(err)
		}
		clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		s.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
		sum := sha256.Sum256([]byte("app v1"))
		digest := "sha256:" + hex.EncodeToString(sum[:])
		stmt, err := attest.NewStatement("https://slsa.dev/provenance/v1", []byte(`{"builder": {"id": "ci"}}`),
			[]attest.Subject{{Name: "app", Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}})
		if err != nil {
			t.Fatal(err)
		}
		good, err := attest.Attest(ctx, trusted, stmt)
		if err != nil {
			t.Fatal(err)
		}
		bad, err := attest.Attest(ctx, other, stmt)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "app")
		if err := os.WriteFile(file, []byte("app v1"), 0o644); err != nil {
			t.Fatal(err)
		}
		signed, err := attest.SignFile(ctx, trusted, file)
		if err != nil {
			t.Fatal(err)
		}
		hint, _ := attest.KeyHint(trusted.GetPublicKey())

		a1, err := s.Ingest(ctx, red, good)
		if err != nil {
			t.Fatal(err)
		}
		want := &Attestation{
			ID: a1.ID, TeamID: red, BundleDigest: a1.BundleDigest, MediaType: a1.MediaType,
			Subjects: []Subject{{Name: "app", Digest: digest}}, PredicateType: "https://slsa.dev/provenance/v1",
			Predicate: []byte(`{"builder":{"id":"ci"}}`), Signer: "key:" + hint, Verified: true,
			Created: clock, VerifiedAt: clock,
		}
		if diff := cmp.Diff(want, a1); diff != "" {
			t.Errorf("attestation signed with the trusted key (-want +got):\n%s", diff)
		}
		a2, err := s.Ingest(ctx, red, bad)
		if err != nil {
			t.Fatal(err)
		}
		if a2.Verified || a2.Signer != "" || !strings.Contains(a2.Failure, "verification failed") {
			t.Errorf("attestation signed with another key: verified %v, signer %q, failure %q", a2.Verified, a2.Signer, a2.Failure)
		}
		a3, err := s.Ingest(ctx, blue, signed)
		if err != nil {
			t.Fatal(err)
		}
		if !a3.Verified || a3.PredicateType != "" || string(a3.Predicate) != "null" || len(a3.Subjects) != 1 || a3.Subjects[0].Digest != digest {
			t.Errorf("message signature: %+v", a3)
		}
		// The same bundle again is the same attestation, verified anew.
		again, err := s.Ingest(ctx, red, good)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != a1.ID || !again.Created.Equal(a1.Created) || !again.VerifiedAt.After(a1.VerifiedAt) {
			t.Errorf("posted again: id %d created %v verified %v; first: id %d created %v", again.ID, again.Created, again.VerifiedAt, a1.ID, a1.Created)
		}

		ids := func(sc portfolio.Scope) []int64 {
			t.Helper()
			list, err := s.ForDigest(ctx, sc, strings.ToUpper(digest[:10])+digest[10:])
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, a := range list {
				out = append(out, a.ID)
			}
			return out
		}
		for _, c := range []struct {
			name string
			sc   portfolio.Scope
			want []int64
		}{
			{"red", portfolio.Scope{Teams: []int64{red}}, []int64{a2.ID, a1.ID}},
			{"blue", portfolio.Scope{Teams: []int64{blue}}, []int64{a3.ID}},
			{"all", portfolio.Scope{All: true}, []int64{a3.ID, a2.ID, a1.ID}},
			{"none", portfolio.Scope{}, nil},
		} {
			if diff := cmp.Diff(c.want, ids(c.sc)); diff != "" {
				t.Errorf("ForDigest in scope %s (-want +got):\n%s", c.name, diff)
			}
		}
		if _, err := s.Get(ctx, portfolio.Scope{Teams: []int64{blue}}, a1.ID); !errors.Is(err, portfolio.ErrNotFound) {
			t.Errorf("another team's attestation: %v, want ErrNotFound", err)
		}
		if b, err := s.Bundle(ctx, portfolio.Scope{Teams: []int64{red}}, a1.ID); err != nil || string(b) != string(good) {
			t.Errorf("Bundle: %v, the bundle as posted: %v", err, string(b) == string(good))
		}
		if _, err := s.Bundle(ctx, portfolio.Scope{Teams: []int64{blue}}, a1.ID); !errors.Is(err, portfolio.ErrNotFound) {
			t.Errorf("another team's bundle: %v, want ErrNotFound", err)
		}
		if _, err := s.ForDigest(ctx, portfolio.Scope{All: true}, "md5:xyz"); !errors.Is(err, portfolio.ErrInvalid) {
			t.Errorf("ForDigest of a bad digest: %v, want ErrInvalid", err)
		}
	})
}

func TestIngestRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st, red, _ := openDB(t, dsn)
		s, err := New(st, Options{Identities: []Identity{beacon}})
		if err != nil {
			t.Fatal(err)
		}
		good := read(t, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json")
		for _, c := range []struct {
			name string
			team int64
			data []byte
			want error
		}{
			{"not JSON", red, []byte("hello"), portfolio.ErrInvalid},
			{"not a bundle", red, []byte(`{"mediaType": "application/json"}`), portfolio.ErrInvalid},
			{"DSSE payload not a statement", red, []byte(strings.Replace(string(good), `"payloadType": "application/vnd.in-toto+json"`, `"payloadType": "text/plain"`, 1)), portfolio.ErrInvalid},
			{"too large", red, make([]byte, attest.MaxBundleSize+1), portfolio.ErrInvalid},
			{"no such team", 777, good, portfolio.ErrNotFound},
		} {
			if _, err := s.Ingest(ctx, c.team, c.data); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		var n int
		if err := st.SQL().QueryRow(`SELECT COUNT(*) FROM attestations`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d attestations stored (%v), want none", n, err)
		}
	})
}

func TestOptionsChecked(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"trusted root not JSON", Options{TrustedRoot: []byte("{")}},
		{"identity without issuer", Options{Identities: []Identity{{SANRegexp: ".*"}}}},
		{"bad regexp", Options{Identities: []Identity{{IssuerRegexp: "(", SANRegexp: ".*"}}}},
		{"unusable key", Options{PublicKeys: []crypto.PublicKey{"not a key"}}},
	} {
		if _, err := New(nil, c.opts); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
