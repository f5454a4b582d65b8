package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

// TestServerScripts runs the scripts in testdata/server against a real 'hallmark serve'
// running in this process on a fresh SQLite database: $SERVER is its URL, $DB its database,
// $ADMIN_TOKEN the bootstrap token it printed and $CI_TOKEN an ingest token of team web.
func TestServerScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/server",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			db := "sqlite:" + filepath.Join(env.WorkDir, "server.db")
			url, admin, err := startServe(env.T(), env.Defer, db)
			if err != nil {
				return err
			}
			var out, errb bytes.Buffer
			if code := cli.Main(context.Background(), []string{"admin", "token", "create", "--db", db, "--name", "ci", "--scope", "ingest", "--team", "web"},
				nil, &out, &errb); code != 0 {
				return fmt.Errorf("admin token create: exit %d: %s", code, errb.String())
			}
			env.Setenv("SERVER", url)
			env.Setenv("DB", db)
			env.Setenv("ADMIN_TOKEN", admin)
			env.Setenv("CI_TOKEN", strings.TrimSpace(out.String()))
			return nil
		},
	})
}

// startServe runs 'hallmark serve' on a free port until the test's cleanup, and returns its
// URL and the bootstrap token it printed.
func startServe(t testscript.T, deferFn func(func()), db string) (url, token string, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", db, "--log-level", "warn"}, nil, io.Discard, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "hm_") {
			token = line
		}
		if rest, ok := strings.CutPrefix(line, "hallmark: serving "); ok {
			url, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if url == "" {
		cancel()
		return "", "", fmt.Errorf("hallmark serve did not start (exit %d)", <-done)
	}
	go io.Copy(io.Discard, pr) // the rest of the log
	deferFn(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Fatal(fmt.Sprintf("hallmark serve exited with %d after shutdown", code))
		}
	})
	return url, token, nil
}
