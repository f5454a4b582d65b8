package notify

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/store"
)

// job is a claimed delivery with what sending it needs.
type job struct {
	id, eventID, webhookID int64
	attempts               int // before this one
	typ                    string
	payload                []byte
	url, secret            string
	claim                  int64 // the claimed_until written when claiming: the claim's token
}

func (j *job) key() string { return deliveryKey(j.eventID, j.webhookID) }

func deliveryKey(eventID, webhookID int64) string {
	return strconv.FormatInt(eventID, 10) + "-" + strconv.FormatInt(webhookID, 10)
}

// lease is how long a claim lasts: a delivery is claimed when a request slot is free for it,
// so the request starts at once and ends within the timeout, and recording its outcome is
// quick. A replica that dies loses its claims when they expire, and another one sends the
// deliveries again.
func (n *Notifier) lease() time.Duration {
	return n.opts.Timeout + 30*time.Second
}

// outcome is the result of one attempt.
type outcome struct {
	status    int   // the answer's HTTP status, 0 for none
	err       error // why the attempt failed, nil if it succeeded
	abandoned bool  // cut short by the end of Run: no attempt
	at        time.Time
}

// claim takes up to limit due pending deliveries nobody holds (or whose holder's lease ran
// out) for a lease and reads what sending them needs. Each webhook is offered what its share
// of the request slots allows (see slots). more reports whether another claim right away
// might find more.
func (n *Notifier) claim(ctx context.Context, limit int) (jobs []job, more bool, err error) {
	now := ms(n.now())
	until := now + n.lease().Milliseconds()
	n.slots.sweep(n.now())
	// Each webhook with due deliveries gets a share of the slots, so that one webhook's
	// backlog (a receiver that has been down while events piled up) does not hold back the
	// deliveries of the others behind it in time order.
	hooks, err := n.dueWebhooks(ctx, now, limit, n.slots.held())
	if err != nil || len(hooks) == 0 {
		return nil, false, err
	}
	more = n.slots.offer(hooks, limit)
	// One statement claims each webhook's share: a subquery per webhook, which PostgreSQL
	// runs with SKIP LOCKED so that replicas claim different rows instead of waiting for each
	// other's.
	sub := `SELECT id FROM deliveries WHERE webhook_id = ? AND state = 'pending' AND next_attempt_at <= ? AND claimed_until <= ?
		ORDER BY next_attempt_at, id LIMIT ?`
	if n.st.Dialect() == store.Postgres {
		sub += ` FOR UPDATE SKIP LOCKED`
	}
	var q strings.Builder
	args := []any{until}
	byID := make(map[int64]*target, len(hooks))
	for i := range hooks {
		h := &hooks[i]
		if h.take == 0 {
			continue
		}
		if len(byID) > 0 {
			q.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&q, "SELECT id FROM (%s) c%d", sub, i)
		byID[h.id] = h
		args = append(args, h.id, now, now, h.take)
	}
	if len(byID) == 0 {
		return nil, more, nil
	}
	rows, err := n.st.SQL().QueryContext(ctx, `UPDATE deliveries SET claimed_until = ? WHERE id IN (`+q.String()+`)
		RETURNING id, webhook_id, event_id, attempts`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("claiming deliveries: %w", err)
	}
	for rows.Next() {
		j := job{claim: until}
		if err := rows.Scan(&j.id, &j.webhookID, &j.eventID, &j.attempts); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("claiming deliveries: %w", err)
		}
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("claiming deliveries: %w", err)
	}
	for i := range jobs {
		h := byID[jobs[i].webhookID]
		h.got++
		jobs[i].url, jobs[i].secret = h.url, h.secret
	}
	// A webhook that got all it was offered, below its room, may have more due.
	for _, h := range hooks {
		more = more || h.take > 0 && h.got == h.take && h.take < h.room
	}
	if len(jobs) == 0 {
		return nil, more, nil
	}
	jobs, err = n.readEvents(ctx, jobs)
	return jobs, more, err
}

// readEvents fills in the events of jobs, in ID order, and drops those whose event is gone.
func (n *Notifier) readEvents(ctx context.Context, jobs []job) ([]job, error) {
	slices.SortFunc(jobs, func(a, b job) int { return cmp.Compare(a.id, b.id) })
	events := map[int64][]int{} // event ID → indexes in jobs
	ids := make([]int64, 0, len(jobs))
	for i, j := range jobs {
		if events[j.eventID] == nil {
			ids = append(ids, j.eventID)
		}
		events[j.eventID] = append(events[j.eventID], i)
	}
	in, args := inList(ids)
	rows, err := n.st.SQL().QueryContext(ctx, `SELECT id, type, payload FROM events WHERE id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("reading claimed deliveries: %w", err)
	}
	defer rows.Close()
	found := make([]bool, len(jobs))
	for rows.Next() {
		var id int64
		var typ, payload string
		if err := rows.Scan(&id, &typ, &payload); err != nil {
			return nil, fmt.Errorf("reading claimed deliveries: %w", err)
		}
		for _, i := range events[id] {
			jobs[i].typ, jobs[i].payload, found[i] = typ, []byte(payload), true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading claimed deliveries: %w", err)
	}
	out := jobs[:0]
	for i, j := range jobs {
		if found[i] {
			out = append(out, j)
		}
	}
	return out, nil
}

// target is a webhook with due deliveries, what sending to it needs, and its share of a claim.
type target struct {
	id              int64
	url, secret     string
	failed          bool // its latest attempt, by any replica, failed
	take, room, got int  // deliveries offered, that it could have taken, and claimed
}

// dueWebhooks returns, in turn from the one after the last served, up to limit enabled
// webhooks that have a delivery due that nobody holds, leaving out those in held; one index
// probe each.
func (n *Notifier) dueWebhooks(ctx context.Context, now int64, limit int, held []int64) ([]target, error) {
	n.mu.Lock()
	after := n.lastHook
	n.mu.Unlock()
	skip, skipArgs := "", []any(nil)
	if len(held) > 0 {
		var in string
		in, skipArgs = inList(held)
		skip = ` AND w.id NOT IN ` + in
	}
	q := `SELECT w.id, w.url, w.secret, CASE WHEN w.last_error = '' THEN 0 ELSE 1 END FROM webhooks w WHERE w.disabled = 0 AND w.id > ?` + skip + ` AND EXISTS (SELECT 1 FROM deliveries d
		WHERE d.webhook_id = w.id AND d.state = 'pending' AND d.next_attempt_at <= ? AND d.claimed_until <= ?) ORDER BY w.id LIMIT ?`
	var hooks []target
	for _, from := range []int64{after, 0} {
		args := append(append([]any{from}, skipArgs...), now, now, limit-len(hooks))
		rows, err := n.st.SQL().QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("finding webhooks with due deliveries: %w", err)
		}
		for rows.Next() {
			var h target
			var failed int
			if err := rows.Scan(&h.id, &h.url, &h.secret, &failed); err != nil {
				rows.Close()
				return nil, fmt.Errorf("finding webhooks with due deliveries: %w", err)
			}
			h.failed = failed == 1
			if !slices.ContainsFunc(hooks, func(o target) bool { return o.id == h.id }) {
				hooks = append(hooks, h)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("finding webhooks with due deliveries: %w", err)
		}
		if after == 0 || len(hooks) >= limit {
			break
		}
	}
	if len(hooks) > 0 {
		n.mu.Lock()
		n.lastHook = hooks[len(hooks)-1].id
		n.mu.Unlock()
	}
	return hooks, nil
}

// inList returns "(?, ?, …)" for ids and the ids as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + store.Placeholders(len(ids)) + ")", args
}

// post sends j once and returns the answer's status (0 when there was none) and why the
// attempt failed, nil when it succeeded.
func (n *Notifier) post(ctx context.Context, j *job) (int, error) {
	if _, err := checkURL(j.url, n.opts.AllowPrivateUnsafe); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	ts := strconv.FormatInt(n.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.payload))
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hallmark-webhook/1")
	req.Header.Set("X-Hallmark-Event", j.typ)
	req.Header.Set("X-Hallmark-Delivery", j.key())
	req.Header.Set("X-Hallmark-Timestamp", ts)
	req.Header.Set("X-Hallmark-Signature", Sign(j.secret, ts, j.payload))
	resp, err := n.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Read a bounded part of the answer: the start for the error message, the rest (up to
	// MaxResponse) so that the connection can be reused.
	head := make([]byte, 256)
	k, _ := io.ReadFull(resp.Body, head)
	head = head[:k]
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponse-int64(k)))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Errorf("HTTP %d: redirect to %q not followed", resp.StatusCode, resp.Header.Get("Location"))
	case k == 0:
		return resp.StatusCode, fmt.Errorf("HTTP %d", resp.StatusCode)
	default:
		return resp.StatusCode, fmt.Errorf("HTTP %d: %s", resp.StatusCode, printable(head))
	}
}

// printable returns b as one line of valid UTF-8 for an error message.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.Fields(s), " ")
	return s
}

// truncate shortens s to at most max bytes without splitting a character.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// record writes the outcomes of attempts at jobs: delivered, to be retried after the
// backoff, failed after the last attempt, or released when abandoned; and, per webhook, the
// error of its latest attempt.
func (n *Notifier) record(ctx context.Context, jobs []job, outs []outcome) error {
	type latest struct {
		msg string
		at  time.Time
	}
	hooks := map[int64]latest{}
	note := func(id int64, l latest) {
		if old, ok := hooks[id]; !ok || !l.at.Before(old.at) {
			hooks[id] = l
		}
	}
	return n.st.Transact(ctx, func(tx *sql.Tx) error {
		clear(hooks)
		// Successes, in one statement per status code: delivered, even if this replica's
		// lease ran out and another one holds the delivery now (that one's outcome then
		// changes nothing).
		delivered := map[int][]int64{}
		for i, o := range outs {
			if o.err == nil {
				delivered[o.status] = append(delivered[o.status], jobs[i].id)
				note(jobs[i].webhookID, latest{"", o.at})
			}
		}
		for status, ids := range delivered {
			in, args := inList(ids)
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?, last_error = '',
				delivered_at = ?, claimed_until = 0 WHERE state = 'pending' AND id IN `+in, append([]any{status, ms(n.now())}, args...)...); err != nil {
				return err
			}
		}
		for i := range jobs {
			j, o := &jobs[i], outs[i]
			attempts := j.attempts + 1
			switch {
			case o.abandoned:
				if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET claimed_until = 0 WHERE id = ? AND claimed_until = ? AND state = 'pending'`, j.id, j.claim); err != nil {
					return err
				}
				continue
			case o.err == nil:
				continue
			}
			msg := truncate(o.err.Error(), maxErrorText)
			state, next := StatePending, o.at.Add(n.opts.Backoff(attempts))
			if attempts >= n.opts.MaxAttempts {
				state = StateFailed
			}
			res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, claimed_until = 0, last_status = ?, last_error = ?
				WHERE id = ? AND claimed_until = ? AND state = 'pending'`, state, attempts, ms(next), o.status, msg, j.id, j.claim)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err == nil && k == 0 {
				// The lease ran out and another replica holds the delivery: its attempt counts.
				continue
			}
			note(j.webhookID, latest{msg, o.at})
			if state == StateFailed {
				n.log.Error("webhook delivery failed; giving up", "webhook", j.webhookID, "delivery", j.key(), "attempts", attempts, "err", msg)
			} else {
				n.log.Warn("webhook delivery failed; will retry", "webhook", j.webhookID, "delivery", j.key(), "attempts", attempts, "next", next, "err", msg)
			}
		}
		// In ID order, so that replicas recording at once lock the rows in one order.
		for _, id := range slices.Sorted(maps.Keys(hooks)) {
			l := hooks[id]
			// A success changes the row only when it clears an error, so that concurrent
			// batches to one webhook do not queue for its row lock.
			q := `UPDATE webhooks SET last_error = ?, last_attempt_at = ? WHERE id = ? AND last_attempt_at <= ?`
			if l.msg == "" {
				q += ` AND last_error <> ''`
			}
			if _, err := tx.ExecContext(ctx, q, l.msg, ms(l.at), id, ms(l.at)); err != nil {
				return err
			}
		}
		return nil
	})
}
