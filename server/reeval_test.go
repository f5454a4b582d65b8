package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// failQueueing makes every insert into the re-evaluation queue fail, on either engine, until
// the returned function is called.
func (f *fixture) failQueueing() (restore func()) {
	f.t.Helper()
	on := []string{`CREATE TRIGGER queue_down BEFORE INSERT ON reevaluations BEGIN SELECT RAISE(ABORT, 'the queue is down'); END`}
	off := []string{`DROP TRIGGER queue_down`}
	if f.st.Dialect() == store.Postgres {
		on = []string{`CREATE FUNCTION queue_down() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''the queue is down''; END'`,
			`CREATE TRIGGER queue_down BEFORE INSERT ON reevaluations FOR EACH ROW EXECUTE FUNCTION queue_down()`}
		off = []string{`DROP TRIGGER queue_down ON reevaluations`, `DROP FUNCTION queue_down`}
	}
	run := func(stmts []string) {
		for _, q := range stmts {
			if _, err := f.st.SQL().Exec(q); err != nil {
				f.t.Fatalf("%s: %v", q, err)
			}
		}
	}
	run(on)
	return func() { run(off) }
}

// TestAdvisoryQueueingFails: when queueing the posted advisory for re-evaluation fails, the
// upload fails and stores nothing, so that the client's retry finds the advisory changed and
// queues it (were the advisory stored, the retry would find it unchanged and the
// re-evaluation would be lost). It holds for the first upload into an empty advisory
// database (one transaction) and for later ones (a transaction per batch).
func TestAdvisoryQueueingFails(t *testing.T) {
	for _, seeded := range []bool{false, true} {
		t.Run(fmt.Sprintf("seeded=%t", seeded), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, dsn string) {
				f := newFixture(t, dsn)
				if resp, body := f.postSBOM(f.ingestA, "name=shop&version=1", sbomDoc("shop"), false); resp.StatusCode != http.StatusCreated {
					t.Fatalf("POST sbom: %d %s", resp.StatusCode, body)
				}
				if seeded {
					f.call("POST", "/api/v1/advisories", f.admin, []byte(`{"id": "GHSA-seed", "modified": "2024-01-01T00:00:00Z"}`), http.StatusOK, nil)
					if _, err := f.srv.opts.Portfolio.RunQueue(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				restore := f.failQueueing()
				resp, body := f.request("POST", "/api/v1/advisories", f.admin, strings.NewReader(lodashAdvisory), http.Header{"Content-Type": {"application/json"}})
				if resp.StatusCode != http.StatusInternalServerError {
					t.Fatalf("POST advisories with the queue down: %d %s, want 500", resp.StatusCode, body)
				}
				f.call("GET", "/api/v1/advisories/GHSA-35jh-r3h4-6jhm", f.admin, nil, http.StatusNotFound, nil)
				restore()

				var adv advisoriesResult
				f.call("POST", "/api/v1/advisories", f.admin, []byte(lodashAdvisory), http.StatusOK, &adv)
				if !adv.Queued || !cmp.Equal(adv.Changed, []string{"GHSA-35jh-r3h4-6jhm"}) {
					t.Fatalf("retried upload: %+v, want the advisory changed and queued", adv)
				}
				st, err := f.srv.opts.Portfolio.RunQueue(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if st.Advisories != 1 || st.Opened != 1 {
					t.Errorf("re-evaluation of the queue: %+v, want the advisory's finding opened", st)
				}
			})
		})
	}
}
