package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/store"
)

// fanOutBatch is the number of events fanned out per transaction.
const fanOutBatch = 500

// gapSettle is how long a missing event ID is watched before the PostgreSQL snapshot bound
// that decides it is recorded: long enough for the transaction that took the ID from the
// sequence to have written its row (and so to hold a transaction ID).
const gapSettle = time.Second

// gap is a missing event ID above the cursor: an event being written by a transaction that
// has not committed yet (PostgreSQL hands out IDs before commit, so they commit out of order),
// or an ID lost to a rollback or a deleted event.
type gap struct {
	seen time.Time
	// xmax is the first PostgreSQL transaction ID not yet assigned when the gap was watched
	// for gapSettle; once every transaction below it has ended, the gap can no longer be filled.
	// 0 until recorded.
	xmax uint64
}

// event is an outbox row as fan-out needs it.
type event struct {
	id, team int64
	typ      string
	created  int64
}

// hook is an active webhook as fan-out needs it.
type hook struct {
	id, team int64
	events   []string
	created  int64
}

func (h hook) wants(e event) bool {
	return h.team == e.team && h.created <= e.created && (len(h.events) == 0 || slices.Contains(h.events, e.typ))
}

// fanOut turns up to fanOutBatch new events into deliveries to the webhooks that want them
// and returns how many events it read. It runs under the lock of the cursor row, so replicas
// take turns.
//
// The cursor is the highest event ID below which every event is fanned out. Events above it
// that are fanned out already are listed in notify_fanout, so an event committed late (below
// an event that committed first) is still found, and the cursor moves over a missing ID only
// once no transaction can write it any more.
func (n *Notifier) fanOut(ctx context.Context) (int, error) {
	var count int
	err := n.st.Transact(ctx, func(tx *sql.Tx) error {
		count = 0
		lock := ""
		if n.st.Dialect() == store.Postgres {
			lock = " FOR UPDATE"
		}
		var cursor int64
		if err := tx.QueryRowContext(ctx, `SELECT last_event_id FROM notify_cursor WHERE id = 1`+lock).Scan(&cursor); err != nil {
			return fmt.Errorf("reading the fan-out cursor: %w", err)
		}
		events, err := newEvents(ctx, tx, cursor)
		if err != nil {
			return err
		}
		count = len(events)
		if len(events) > 0 {
			if err := n.insertDeliveries(ctx, tx, events); err != nil {
				return err
			}
		}
		return n.advance(ctx, tx, cursor, events)
	})
	return count, err
}

// newEvents reads the events above the cursor not fanned out yet, oldest first.
func newEvents(ctx context.Context, tx *sql.Tx, cursor int64) ([]event, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.team_id, e.type, e.created_at FROM events e
		WHERE e.id > ? AND NOT EXISTS (SELECT 1 FROM notify_fanout f WHERE f.event_id = e.id)
		ORDER BY e.id LIMIT ?`, cursor, fanOutBatch)
	if err != nil {
		return nil, fmt.Errorf("reading new events: %w", err)
	}
	defer rows.Close()
	var out []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.id, &e.team, &e.typ, &e.created); err != nil {
			return nil, fmt.Errorf("reading new events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading new events: %w", err)
	}
	return out, nil
}

// activeWebhooks reads the webhooks not deleted, by team.
func activeWebhooks(ctx context.Context, tx *sql.Tx) (map[int64][]hook, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, team_id, events, created_at FROM webhooks WHERE disabled = 0`)
	if err != nil {
		return nil, fmt.Errorf("reading webhooks: %w", err)
	}
	defer rows.Close()
	out := map[int64][]hook{}
	for rows.Next() {
		var h hook
		var filter string
		if err := rows.Scan(&h.id, &h.team, &filter, &h.created); err != nil {
			return nil, fmt.Errorf("reading webhooks: %w", err)
		}
		if err := json.Unmarshal([]byte(filter), &h.events); err != nil {
			return nil, fmt.Errorf("webhook %d: event filter: %w", h.id, err)
		}
		out[h.team] = append(out[h.team], h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading webhooks: %w", err)
	}
	return out, nil
}

// insertDeliveries creates the deliveries of events.
func (n *Notifier) insertDeliveries(ctx context.Context, tx *sql.Tx, events []event) error {
	hooks, err := activeWebhooks(ctx, tx)
	if err != nil {
		return err
	}
	now := ms(n.now())
	var deliveries []any
	for _, e := range events {
		for _, h := range hooks[e.team] {
			if h.wants(e) {
				deliveries = append(deliveries, e.id, h.id, now, now)
			}
		}
	}
	if err := insertRows(ctx, tx, `INSERT INTO deliveries (event_id, webhook_id, state, attempts, next_attempt_at, claimed_until, created_at) VALUES `,
		`(?, ?, 'pending', 0, ?, 0, ?)`, 4, ` ON CONFLICT (event_id, webhook_id) DO NOTHING`, deliveries); err != nil {
		return fmt.Errorf("creating deliveries: %w", err)
	}
	return nil
}

// insertRows inserts rows of cols arguments each, many per statement.
func insertRows(ctx context.Context, tx *sql.Tx, head, row string, cols int, tail string, args []any) error {
	const perStatement = 200
	for len(args) > 0 {
		k := min(len(args)/cols, perStatement)
		var b strings.Builder
		b.WriteString(head)
		for i := range k {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, b.String(), args[:k*cols]...); err != nil {
			return err
		}
		args = args[k*cols:]
	}
	return nil
}

// advance moves the cursor over the events above it that are fanned out, up to the first
// missing ID that may still be filled or the first event not fanned out yet, and forgets the
// marks below it. The events just fanned out count as fanned out; those left above the cursor
// are marked so.
func (n *Notifier) advance(ctx context.Context, tx *sql.Tx, cursor int64, fannedNow []event) error {
	fresh := make(map[int64]bool, len(fannedNow))
	for _, e := range fannedNow {
		fresh[e.id] = true
	}
	const walk = 1000
	start := cursor
	for {
		rows, err := tx.QueryContext(ctx, `SELECT e.id, CASE WHEN f.event_id IS NULL THEN 0 ELSE 1 END FROM events e
			LEFT JOIN notify_fanout f ON f.event_id = e.id WHERE e.id > ? ORDER BY e.id LIMIT ?`, cursor, walk)
		if err != nil {
			return fmt.Errorf("advancing the fan-out cursor: %w", err)
		}
		var ids []int64
		var fanned []bool
		for rows.Next() {
			var id int64
			var f int
			if err := rows.Scan(&id, &f); err != nil {
				rows.Close()
				return fmt.Errorf("advancing the fan-out cursor: %w", err)
			}
			ids = append(ids, id)
			fanned = append(fanned, f == 1 || fresh[id])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("advancing the fan-out cursor: %w", err)
		}
		stopped := false
		for i, id := range ids {
			if id != cursor+1 {
				closed, err := n.gapClosed(ctx, tx, cursor+1)
				if err != nil {
					return err
				}
				if !closed {
					stopped = true
					break
				}
			}
			if !fanned[i] {
				stopped = true
				break
			}
			cursor = id
		}
		if stopped || len(ids) < walk {
			break
		}
	}
	var marks []any
	for _, e := range fannedNow {
		if e.id > cursor {
			marks = append(marks, e.id)
		}
	}
	if err := insertRows(ctx, tx, `INSERT INTO notify_fanout (event_id) VALUES `, `(?)`, 1, ` ON CONFLICT (event_id) DO NOTHING`, marks); err != nil {
		return fmt.Errorf("marking events fanned out: %w", err)
	}
	if cursor == start {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notify_cursor SET last_event_id = ? WHERE id = 1`, cursor); err != nil {
		return fmt.Errorf("advancing the fan-out cursor: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM notify_fanout WHERE event_id <= ?`, cursor); err != nil {
		return fmt.Errorf("advancing the fan-out cursor: %w", err)
	}
	n.mu.Lock()
	for id := range n.gaps {
		if id <= cursor {
			delete(n.gaps, id)
		}
	}
	n.mu.Unlock()
	return nil
}

// gapClosed reports whether the missing event ID id can no longer appear. On SQLite it never
// can: one transaction writes at a time and takes the next ID when it inserts, so readers
// never see a later ID before an earlier one. On PostgreSQL the gap is watched for gapSettle,
// then the snapshot's xmax is recorded; once the oldest running transaction is at or beyond
// it, the transaction that took the ID has ended, and had it committed the row would be there.
func (n *Notifier) gapClosed(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	if n.st.Dialect() != store.Postgres {
		return true, nil
	}
	n.mu.Lock()
	g := n.gaps[id]
	if g == nil {
		g = &gap{seen: n.now()}
		n.gaps[id] = g
	}
	settled := n.now().Sub(g.seen) >= n.settle
	recorded := g.xmax
	n.mu.Unlock()
	if !settled {
		return false, nil
	}
	var xminText, xmaxText string
	if err := tx.QueryRowContext(ctx, `SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT), CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT)`).Scan(&xminText, &xmaxText); err != nil {
		return false, fmt.Errorf("reading the transaction snapshot: %w", err)
	}
	xmin, err1 := strconv.ParseUint(xminText, 10, 64)
	xmax, err2 := strconv.ParseUint(xmaxText, 10, 64)
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("reading the transaction snapshot: %q %q", xminText, xmaxText)
	}
	if recorded == 0 {
		n.mu.Lock()
		g.xmax = xmax
		n.mu.Unlock()
		recorded = xmax
	}
	return xmin >= recorded, nil
}
