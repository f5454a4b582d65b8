package server

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/format/spdx"
	"github.com/hallmark-dev/hallmark/notify"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/server/access"
)

// Error kinds of the server itself; handlers wrap them with the reason.
var (
	errBadRequest   = errors.New("bad request")
	errNotFound     = errors.New("not found")
	errForbidden    = errors.New("forbidden")
	errTooLarge     = errors.New("request body too large")
	errUnsupported  = errors.New("unsupported media type")
	errRateLimited  = errors.New("too many requests")
	errUnavailable  = errors.New("service unavailable")
	errNotAvailable = errors.New("not available on this server")
)

// statusOf is the one place that maps errors to HTTP status codes.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, access.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, portfolio.ErrNotFound), errors.Is(err, errNotFound):
		return http.StatusNotFound
	case errors.As(err, &mbe), errors.Is(err, errTooLarge), errors.Is(err, catalog.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errUnsupported):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, errRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, portfolio.ErrInvalid), errors.Is(err, access.ErrInvalid), errors.Is(err, errBadRequest),
		errors.Is(err, cyclonedx.ErrInvalid), errors.Is(err, spdx.ErrInvalid), errors.Is(err, notify.ErrURL):
		return http.StatusBadRequest
	case errors.Is(err, errUnavailable), errors.Is(err, errNotAvailable), isConnectionError(err):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads the answer
	}
	return http.StatusInternalServerError
}

// isConnectionError reports whether err says the database cannot be reached (as opposed to a
// query that failed): the answer is 503 and the client may retry.
func isConnectionError(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-57P03: the server is shutting down or starting.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	s := err.Error()
	return strings.Contains(s, "conn closed") || strings.Contains(s, "connection refused") || strings.Contains(s, "SQLITE_BUSY") ||
		strings.Contains(s, "database is closed") ||
		strings.Contains(s, "database is locked")
}

// writeError answers with err's status and {"error": message}, or a page for a browser on
// the routes it navigates to (servePage). Messages of server errors are logged, not sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	switch {
	case status == http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "error", err)
		msg = "internal server error"
	case status == http.StatusServiceUnavailable && !errors.Is(err, errNotAvailable):
		s.log.WarnContext(r.Context(), "unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
		msg = "service unavailable: the database cannot be reached; retry later"
		w.Header().Set("Retry-After", "5")
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="hallmark"`)
	}
	if s.servePage(w, r, err, status, msg) {
		return
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// reply answers with v as JSON and the given status when err is nil, and returns err.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}
