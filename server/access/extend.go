package access

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Extension is a token's expiry moved later by ExtendToken or ExtendNamed.
type Extension struct {
	ID   int64
	Name string
	// Previous is the expiry before; it may be in the past (an expired token works again).
	Previous time.Time
	// Expires is the new expiry; zero: the token no longer expires.
	Expires time.Time
}

// ExtendToken moves the expiry of the token with the given ID to expires (zero: never). The
// new expiry must be later than the current one and in the future, at most MaxTokenLifetime
// away; a token that expired works again. A revoked token is not extended: it stays revoked.
// Errors are ErrInvalid when there is no such token or the new expiry is not later.
func (a *Access) ExtendToken(ctx context.Context, id int64, expires time.Time) (*Extension, error) {
	ext, err := a.extend(ctx, expires, func(tx *sql.Tx) (int64, error) { return id, nil })
	if err != nil {
		return nil, fmt.Errorf("extending token %d: %w", id, err)
	}
	return ext, nil
}

// ExtendNamed is ExtendToken for the one token called name that is not revoked; ErrInvalid
// when there is none, or several (then extend by ID: they are listed).
func (a *Access) ExtendNamed(ctx context.Context, name string, expires time.Time) (*Extension, error) {
	ext, err := a.extend(ctx, expires, func(tx *sql.Tx) (int64, error) {
		ids, err := liveTokensNamed(ctx, tx, name)
		switch {
		case err != nil:
			return 0, err
		case len(ids) == 0:
			return 0, fmt.Errorf("%w: no token named %q that is not revoked", ErrInvalid, name)
		case len(ids) > 1:
			return 0, fmt.Errorf("%w: %d tokens are named %q (IDs %v): extend one by its ID", ErrInvalid, len(ids), name, ids)
		}
		return ids[0], nil
	})
	if err != nil {
		return nil, fmt.Errorf("extending token %q: %w", name, err)
	}
	return ext, nil
}

// extend moves the expiry of the token pick returns, in one transaction.
func (a *Access) extend(ctx context.Context, expires time.Time, pick func(*sql.Tx) (int64, error)) (*Extension, error) {
	now := a.now()
	if !expires.IsZero() {
		if !expires.After(now) {
			return nil, fmt.Errorf("%w: expiry %s is not in the future", ErrInvalid, expires.UTC().Format(time.RFC3339))
		}
		if expires.Sub(now) > MaxTokenLifetime {
			return nil, fmt.Errorf("%w: expiry %s is more than 100 years away", ErrInvalid, expires.UTC().Format(time.RFC3339))
		}
	}
	var ext *Extension
	err := a.st.Transact(ctx, func(tx *sql.Tx) error {
		id, err := pick(tx)
		if err != nil {
			return err
		}
		ext = &Extension{ID: id}
		var previous, revoked sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT name, expires_at, revoked_at FROM tokens WHERE id = ?`, id).Scan(&ext.Name, &previous, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no token %d", ErrInvalid, id)
		}
		if err != nil {
			return err
		}
		ext.Previous = nullTime(previous)
		var next sql.NullInt64
		if !expires.IsZero() {
			ext.Expires = msTime(ms(expires))
			next = sql.NullInt64{Int64: ms(expires), Valid: true}
		}
		switch {
		case revoked.Valid:
			return fmt.Errorf("%w: token %d was revoked at %s: create a new one", ErrInvalid, id, nullTime(revoked).Format(time.RFC3339))
		case !previous.Valid:
			return fmt.Errorf("%w: token %d never expires", ErrInvalid, id)
		case next.Valid && next.Int64 <= previous.Int64:
			return fmt.Errorf("%w: token %d expires at %s already, not before %s (revoke it to end it sooner)", ErrInvalid, id,
				ext.Previous.Format(time.RFC3339), ext.Expires.Format(time.RFC3339))
		}
		// Conditional on what was read, so that a concurrent change (or revocation) on
		// another connection is not overwritten.
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET expires_at = ? WHERE id = ? AND expires_at = ? AND revoked_at IS NULL`, next, id, previous.Int64)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("%w: token %d changed meanwhile; try again", ErrInvalid, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ext, nil
}
