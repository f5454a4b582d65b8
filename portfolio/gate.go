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
//
// On PostgreSQL an upload's hold of the gate keeps a connection (its transaction) while the
// matching takes others; at most maxUploads uploads of a process run at once, so that they can
// never hold every connection of the pool (16) while each waits for one more.
type gate struct {
	mu    sync.RWMutex // SQLite
	once  sync.Once
	slots chan struct{} // uploads running in this process
}

// maxUploads bounds the uploads a process matches and writes at once; others wait their turn.
const maxUploads = 4

// gateLock is the PostgreSQL advisory lock of the gate.
const gateLock = 0x68616c6c676174 // "hallgat"

// enterUpload takes the gate shared and returns the function that releases it.
func (p *Portfolio) enterUpload(ctx context.Context) (leave func(), err error) {
	p.gate.once.Do(func() { p.gate.slots = make(chan struct{}, maxUploads) })
	select {
	case p.gate.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for an upload slot: %w", ctx.Err())
	}
	release := func() { <-p.gate.slots }
	if p.st.Dialect() != store.Postgres {
		p.gate.mu.RLock()
		return func() { p.gate.mu.RUnlock(); release() }, nil
	}
	tx, err := p.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, fmt.Errorf("entering the upload gate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, int64(gateLock)); err != nil {
		tx.Rollback()
		release()
		return nil, fmt.Errorf("entering the upload gate: %w", err)
	}
	return func() { tx.Rollback(); release() }, nil
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
