package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
)

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("x: %w", access.ErrUnauthenticated), 401},
		{fmt.Errorf("x: %w", errForbidden), 403},
		{fmt.Errorf("artifact 3: %w", portfolio.ErrNotFound), 404},
		{fmt.Errorf("x: %w", portfolio.ErrInvalid), 400},
		{fmt.Errorf("x: %w", access.ErrInvalid), 400},
		{fmt.Errorf("%w: %w", errBadRequest, cyclonedx.ErrInvalid), 400},
		{&http.MaxBytesError{Limit: 1}, 413},
		{fmt.Errorf("x: %w", errUnsupported), 415},
		{fmt.Errorf("x: %w", errRateLimited), 429},
		{fmt.Errorf("x: %w", errNotAvailable), 503},
		// Losing the database.
		{fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P01"}), 503}, // terminated by an administrator
		{fmt.Errorf("query: %w", &pgconn.PgError{Code: "08006"}), 503},
		{fmt.Errorf("query: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), 503},
		{fmt.Errorf("query: %w", driver.ErrBadConn), 503},
		{errors.New("sql: database is closed"), 503},
		{errors.New("failed to connect to `host=127.0.0.1`: conn closed"), 503},
		// A query that fails is the server's fault.
		{fmt.Errorf("query: %w", &pgconn.PgError{Code: "42P01"}), 500},
		{errors.New("boom"), 500},
		{context.Canceled, 499},
	} {
		if got := statusOf(tc.err); got != tc.want {
			t.Errorf("statusOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
