package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/portfolio"
)

// Create registers a webhook of team teamID that receives the events of the given types (all
// of EventTypes when events is empty), from now on. The URL is checked (see the package
// documentation); the secret signs the requests and must be MinSecret to MaxSecret bytes.
// Invalid input is reported wrapping portfolio.ErrInvalid.
func (n *Notifier) Create(ctx context.Context, teamID int64, url, secret string, events []string) (*Webhook, error) {
	if _, err := checkURL(url, n.opts.AllowPrivateUnsafe); err != nil {
		return nil, fmt.Errorf("%w: %w", portfolio.ErrInvalid, err)
	}
	if len(secret) < MinSecret || len(secret) > MaxSecret {
		return nil, fmt.Errorf("%w: the secret must be %d to %d bytes (use random bytes, hex- or base64-encoded)", portfolio.ErrInvalid, MinSecret, MaxSecret)
	}
	filter, err := normalizeEvents(events)
	if err != nil {
		return nil, err
	}
	filterJSON, err := json.Marshal(filter)
	if err != nil {
		return nil, err
	}
	now := n.now()
	w := &Webhook{TeamID: teamID, URL: url, Events: filter, Created: fromMS(ms(now))}
	err = n.st.Transact(ctx, func(tx *sql.Tx) error {
		var teams, hooks int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE id = ?`, teamID).Scan(&teams); err != nil {
			return err
		}
		if teams == 0 {
			return fmt.Errorf("%w: no team %d", portfolio.ErrInvalid, teamID)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE team_id = ? AND disabled = 0`, teamID).Scan(&hooks); err != nil {
			return err
		}
		if hooks >= MaxWebhooksPerTeam {
			return fmt.Errorf("%w: the team has %d webhooks, the most allowed", portfolio.ErrInvalid, hooks)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO webhooks (team_id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			teamID, url, secret, string(filterJSON), ms(now)).Scan(&w.ID)
	})
	if err != nil {
		if errors.Is(err, portfolio.ErrInvalid) {
			return nil, err
		}
		return nil, fmt.Errorf("creating a webhook: %w", err)
	}
	return w, nil
}

// normalizeEvents checks a filter against EventTypes and returns it sorted without
// duplicates (never nil).
func normalizeEvents(events []string) ([]string, error) {
	out := []string{}
	for _, e := range events {
		if !slices.Contains(EventTypes, e) {
			return nil, fmt.Errorf("%w: unknown event type %q (known: %s)", portfolio.ErrInvalid, truncate(e, 64), strings.Join(EventTypes, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out, nil
}

// scopeSQL returns the condition " AND col IN (…)" restricting col to sc's teams, and its
// arguments.
func scopeSQL(sc portfolio.Scope, col string) (string, []any) {
	if sc.All {
		return "", nil
	}
	if len(sc.Teams) == 0 {
		return " AND 1 = 0", nil
	}
	in, args := inList(sc.Teams)
	return " AND " + col + " IN " + in, args
}

// List returns the webhooks of the teams in scope, oldest first.
func (n *Notifier) List(ctx context.Context, teams portfolio.Scope) ([]Webhook, error) {
	cond, args := scopeSQL(teams, "w.team_id")
	rows, err := n.st.SQL().QueryContext(ctx, `SELECT w.id, w.team_id, w.url, w.events, w.created_at, w.last_error,
		(SELECT COUNT(*) FROM deliveries d WHERE d.webhook_id = w.id AND d.state = 'failed')
		FROM webhooks w WHERE w.disabled = 0`+cond+` ORDER BY w.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var w Webhook
		var filter string
		var created int64
		if err := rows.Scan(&w.ID, &w.TeamID, &w.URL, &filter, &created, &w.LastError, &w.Failing); err != nil {
			return nil, fmt.Errorf("listing webhooks: %w", err)
		}
		if err := json.Unmarshal([]byte(filter), &w.Events); err != nil {
			return nil, fmt.Errorf("webhook %d: event filter: %w", w.ID, err)
		}
		if w.Events == nil {
			w.Events = []string{}
		}
		w.Created = fromMS(created)
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing webhooks: %w", err)
	}
	return out, nil
}

// Delete removes a webhook of a team in scope (portfolio.ErrNotFound otherwise) and its
// pending deliveries; requests already under way finish. Its delivery history stays in the
// database but is no longer listed.
func (n *Notifier) Delete(ctx context.Context, teams portfolio.Scope, id int64) error {
	cond, args := scopeSQL(teams, "team_id")
	err := n.st.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET disabled = 1, secret = '' WHERE id = ? AND disabled = 0`+cond, append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return fmt.Errorf("webhook %d: %w", id, portfolio.ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM deliveries WHERE webhook_id = ? AND state = 'pending'`, id)
		return err
	})
	if err != nil && !errors.Is(err, portfolio.ErrNotFound) {
		return fmt.Errorf("deleting a webhook: %w", err)
	}
	return err
}

// Deliveries returns the latest deliveries to a webhook of a team in scope
// (portfolio.ErrNotFound otherwise), newest first, only the failed ones if failedOnly; at most
// limit (0 means 50, at most 1000).
func (n *Notifier) Deliveries(ctx context.Context, teams portfolio.Scope, webhookID int64, failedOnly bool, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	cond, args := scopeSQL(teams, "team_id")
	var found int
	if err := n.st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE id = ? AND disabled = 0`+cond,
		append([]any{webhookID}, args...)...).Scan(&found); err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", err)
	}
	if found == 0 {
		return nil, fmt.Errorf("webhook %d: %w", webhookID, portfolio.ErrNotFound)
	}
	state := ""
	if failedOnly {
		state = ` AND d.state = 'failed'`
	}
	rows, err := n.st.SQL().QueryContext(ctx, `SELECT d.id, d.event_id, e.type, d.state, d.attempts, d.next_attempt_at, d.last_status,
		d.last_error, d.delivered_at, d.created_at
		FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.webhook_id = ?`+state+` ORDER BY d.id DESC LIMIT ?`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d := Delivery{WebhookID: webhookID}
		var next, created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&d.ID, &d.EventID, &d.EventType, &d.State, &d.Attempts, &next, &d.LastStatus,
			&d.LastError, &delivered, &created); err != nil {
			return nil, fmt.Errorf("listing deliveries: %w", err)
		}
		d.Key = deliveryKey(d.EventID, webhookID)
		if d.State == StatePending {
			t := fromMS(next)
			d.NextAttempt = &t
		}
		if delivered.Valid {
			t := fromMS(delivered.Int64)
			d.Delivered = &t
		}
		d.Created = fromMS(created)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", err)
	}
	return out, nil
}
