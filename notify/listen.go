package notify

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// eventsChannel is the PostgreSQL notification channel on which inserts into the outbox are
// announced, at commit, by a trigger (migration 0011).
const eventsChannel = "hallmark_events"

// relisten is how long a failed listener waits before it connects again; Run polls meanwhile.
const relisten = 5 * time.Second

// errNoPgx means the database's driver connections do not hand out pgx's connection, which
// waiting for notifications needs.
var errNoPgx = errors.New("the PostgreSQL driver connection does not expose pgx (no Conn() *pgx.Conn method)")

// pgxConner is a driver connection that hands out its pgx connection, as pgx's stdlib.Conn
// does.
type pgxConner interface{ Conn() *pgx.Conn }

// listen wakes Run whenever events are written to the PostgreSQL database, by this replica or
// another, until ctx ends. It holds one connection of the pool while it listens. When that
// connection fails it connects again after n.relisten; until then, and if listening is not
// possible at all, Run relies on polling.
func (n *Notifier) listen(ctx context.Context) {
	for {
		err := n.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNoPgx) {
			n.log.Warn("not listening for new events; other replicas' events are found by polling", "err", err)
			return
		}
		n.log.Warn("listening for new events failed; polling until listening again", "err", err, "retry", n.relisten)
		select {
		case <-ctx.Done():
			return
		case <-time.After(n.relisten):
		}
	}
}

// listenOnce takes a connection from the pool, listens on it until it fails or ctx ends, and
// discards it (a connection that listens must not serve other queries).
func (n *Notifier) listenOnce(ctx context.Context) error {
	conn, err := n.st.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	var lerr error
	conn.Raw(func(dc any) error {
		pc, ok := dc.(pgxConner)
		if !ok {
			lerr = errNoPgx
			return nil
		}
		lerr = n.wait(ctx, pc.Conn())
		return driver.ErrBadConn
	})
	return lerr
}

// wait listens on c and calls Wake for each notification until c fails or ctx ends.
func (n *Notifier) wait(ctx context.Context, c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "LISTEN "+eventsChannel); err != nil {
		return fmt.Errorf("LISTEN: %w", err)
	}
	// Events may have been written while no listener was there.
	n.Wake()
	if n.listening != nil {
		n.listening()
	}
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("waiting for notifications: %w", err)
		}
		n.Wake()
	}
}
