package server

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/store/storetest"
)

// TestDatabaseLost terminates the server's PostgreSQL connections (as a failover or a restart
// of the database does): requests answer 200 or 503, never 500, and answer 200 again once new
// connections are made.
func TestDatabaseLost(t *testing.T) {
	dsn := storetest.NewPostgres(t)
	f := newFixture(t, dsn)
	f.call("GET", "/api/v1/artifacts", f.admin, nil, http.StatusOK, nil)

	admin, err := sql.Open("pgx", os.Getenv(storetest.EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	u, _ := url.Parse(dsn)
	name := strings.TrimPrefix(u.Path, "/")
	if _, err := admin.ExecContext(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()`, name); err != nil {
		t.Fatal(err)
	}
	recovered := false
	for i := 0; i < 10 && !recovered; i++ {
		resp, body := f.request("GET", "/api/v1/artifacts", f.admin, nil, nil)
		t.Logf("request %d: %d", i, resp.StatusCode)
		switch resp.StatusCode {
		case http.StatusOK:
			recovered = true
		case http.StatusServiceUnavailable:
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After: %s", body)
			}
		default:
			t.Fatalf("request %d after the connections were lost: %d %s", i, resp.StatusCode, body)
		}
	}
	if !recovered {
		t.Fatal("no request succeeded after the connections were lost")
	}
	f.call("GET", "/readyz", "", nil, http.StatusOK, nil)
}
