package portfolio

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/hallmark-dev/hallmark/store"
)

// The gate orders uploads and re-evaluations. An upload matches its components against the
// advisories before its transaction (so that the write lock is held only for the writes); an
// advisory imported and re-evaluated between that matching and the upload's commit would be
// seen by neither. So an upload holds the gate shared from before its matching until its
// commit, and a re-evaluation passes the gate exclusively before its range scans: it waits for
// the uploads in flight, whose components it then finds, while uploads that enter after it
// read the advisory, which was stored before the re-evaluation began.
//
// On PostgreSQL the gate is an advisory lock, so it orders the replicas too (an upload holds
// it in a transaction of its own, released when that ends, whatever happens to the request).
// On SQLite it is a lock in the process: several processes writing one SQLite file are not
// ordered.
type gate struct {
	mu sync.RWMutex // SQLite
}

// gateLock is the PostgreSQL advisory lock of the gate.
const gateLock = 0x68616c6c676174 // "hallgat"

// enterUpload takes the gate shared and returns the function that releases it.
func (p *Portfolio) enterUpload(ctx context.Context) (leave func(), err error) {
	if p.st.Dialect() != store.Postgres {
		p.gate.mu.RLock()
		return p.gate.mu.RUnlock, nil
	}
	tx, err := p.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("entering the upload gate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, int64(gateLock)); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("entering the upload gate: %w", err)
	}
	return func() { tx.Rollback() }, nil
}

// passGate waits until no upload that entered the gate before it is still in flight.
func (p *Portfolio) passGate(ctx context.Context) error {
	if p.st.Dialect() != store.Postgres {
		p.gate.mu.Lock()
		p.gate.mu.Unlock() //nolint:staticcheck // an empty critical section: a barrier
		return nil
	}
	err := p.st.Transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(gateLock))
		return err
	})
	if err != nil {
		return fmt.Errorf("waiting for uploads in flight: %w", err)
	}
	return nil
}
