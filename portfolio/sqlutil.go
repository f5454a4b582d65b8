package portfolio

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/store"
)

// Limits.
const (
	// maxParams bounds the parameters of one statement (SQLite allows 32766, PostgreSQL 65535;
	// smaller statements plan faster and keep memory flat).
	maxParams = 2000
	// maxIn bounds the values of one IN list.
	maxIn = 500
	// defaultLimit and maxLimit bound a page.
	defaultLimit = 50
	maxLimit     = 1000
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scopeSQL returns a condition on the team column col that holds for the teams of sc.
func scopeSQL(sc Scope, col string) (string, []any) {
	if sc.All {
		return "1 = 1", nil
	}
	if len(sc.Teams) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(sc.Teams))
	for i, t := range sc.Teams {
		args[i] = t
	}
	return col + " IN (" + marks(len(args)) + ")", args
}

// marks returns n comma-separated placeholders.
func marks(n int) string { return store.Placeholders(n) }

// chunks calls f with consecutive slices of s of at most n elements.
func chunks[T any](s []T, n int, f func([]T) error) error {
	for off := 0; off < len(s); off += n {
		if err := f(s[off:min(off+n, len(s))]); err != nil {
			return err
		}
	}
	return nil
}

// anys converts a slice to arguments.
func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// insertRows inserts rows of cols values each (args holds them one row after the other) with
// as few multi-row INSERT statements as the parameter bound allows: head + "(?,…),(?,…)" +
// tail. Each returned row, when tail has a RETURNING clause, is passed to scan.
func insertRows(ctx context.Context, q querier, head string, cols int, tail string, args []any, scan func(*sql.Rows) error) error {
	row := "(" + marks(cols) + ")"
	per := maxParams / cols
	for off := 0; off < len(args); off += per * cols {
		k := min(per, (len(args)-off)/cols)
		stmt := head + strings.Repeat(row+",", k-1) + row + tail
		part := args[off : off+k*cols]
		if scan == nil {
			if _, err := q.ExecContext(ctx, stmt, part...); err != nil {
				return err
			}
			continue
		}
		rows, err := q.QueryContext(ctx, stmt, part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// queryEach runs a query and calls f for every row.
func queryEach(ctx context.Context, q querier, query string, args []any, f func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nullBytes passes a nil key as SQL NULL.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// limitOf returns the page size asked for, bounded.
func limitOf(pg Page) int {
	switch {
	case pg.Limit <= 0:
		return defaultLimit
	case pg.Limit > maxLimit:
		return maxLimit
	}
	return pg.Limit
}

// cursor is the key of the last item of a page: an ID, opaque to callers.
type cursor struct {
	ID int64 `json:"i"`
}

func encodeCursor(id int64) string {
	b, _ := json.Marshal(cursor{ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor; "" is the start (0).
func decodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if len(s) > 200 {
		return 0, fmt.Errorf("%w: cursor too long", ErrInvalid)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID <= 0 {
		return 0, fmt.Errorf("%w: malformed cursor", ErrInvalid)
	}
	return c.ID, nil
}

// jsonList encodes a string list as a JSON array ("[]" for none).
func jsonList(s []string) string {
	if len(s) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// parseList decodes a JSON array of strings, empty when malformed.
func parseList(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

// pageOf cuts a list read with limit+1 rows to one page, with the cursor of the next page
// ("" when this is the last), and never returns nil.
func pageOf[T any](items []T, limit int, id func(T) int64) ([]T, string) {
	if items == nil {
		return []T{}, ""
	}
	if len(items) > limit {
		items = items[:limit]
		return items, encodeCursor(id(items[limit-1]))
	}
	return items, ""
}
