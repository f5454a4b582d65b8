package portfolio

import (
	"context"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/store"
	"github.com/hallmark-dev/hallmark/store/storetest"
)

// waitForGate returns once a re-evaluation waits at the gate: on SQLite a writer waiting on
// the lock makes TryRLock fail; on PostgreSQL pg_locks lists the advisory lock not granted.
func (f *fixture) waitForGate() {
	f.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if f.st.Dialect() != store.Postgres {
			if !f.p.gate.mu.TryRLock() {
				return
			}
			f.p.gate.mu.RUnlock()
			continue
		}
		var n int
		// An advisory lock's 64-bit key is in classid (high half) and objid (low half).
		err := f.st.SQL().QueryRowContext(f.ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND objid = ?`, int64(gateLock&0xffffffff)).Scan(&n)
		if err != nil {
			f.t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	f.t.Fatal("no re-evaluation waits at the gate after 30 s")
}

// TestUploadDuringReevaluation stores and re-evaluates an advisory while an upload that has
// already matched (without it) is about to write: the re-evaluation waits for the upload and
// opens its finding, which neither would have seen otherwise.
func TestUploadDuringReevaluation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		matched, release := make(chan struct{}), make(chan struct{})
		f.p.afterMatch = func() {
			close(matched)
			<-release
		}
		inv, doc := readSBOM(t, "app.cdx.json")
		ingested := make(chan *IngestResult, 1)
		go func() {
			res, err := f.p.Ingest(f.ctx, IngestRequest{TeamID: 1, Name: "shop", Version: "1.0.0", Format: "CycloneDX 1.6", Document: doc, Inventory: inv})
			if err != nil {
				t.Error(err)
			}
			ingested <- res
		}()
		<-matched
		f.p.afterMatch = nil
		f.importAdvisories("testdata/later")
		reevaluated := make(chan *ReevalStats, 1)
		go func() {
			st, err := f.p.Reevaluate(f.ctx, []string{minimistAdv})
			if err != nil {
				t.Error(err)
			}
			reevaluated <- st
		}()
		f.waitForGate()
		close(release)
		res := <-ingested
		st := <-reevaluated
		if res == nil || st == nil {
			t.FailNow()
		}
		if res.Findings != 0 {
			t.Errorf("the upload matched %d findings before the advisory existed", res.Findings)
		}
		if st.Opened != 1 {
			t.Errorf("re-evaluation %+v: want the upload's finding opened", st)
		}
		if got := f.findings(all, res.Artifact.ID, "open"); len(got) != 1 {
			t.Errorf("open findings %q, want minimist's", got)
		}
	})
}

// TestManyConcurrentUploads runs more uploads at once than the PostgreSQL pool has
// connections: each holds one for the gate while matching with others, so without a bound
// on concurrent uploads they could hold them all and wait for ever (the deadline would end
// the test with errors).
func TestManyConcurrentUploads(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.importAdvisories("testdata/later")
		ctx, cancel := context.WithTimeout(f.ctx, 2*time.Minute)
		defer cancel()
		const n = 40
		errs := make(chan error, n)
		for i := range n {
			go func() {
				inv, doc := readSBOM(t, "app.cdx.json")
				_, err := f.p.Ingest(ctx, IngestRequest{TeamID: 1, Name: "shop", Version: "1", Format: "CycloneDX 1.6",
					Document: append(doc, byte(i)), Inventory: inv})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if ev := f.events(); len(ev) != n {
			t.Errorf("%d events, want %d (one minimist finding per upload)", len(ev), n)
		}
	})
}
