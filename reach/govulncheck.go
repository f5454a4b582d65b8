package reach

import (
	"context"
	"io"

	"golang.org/x/vuln/scan"
)

// The govulncheck library. It is behind the govulncheck build tag until go.mod requires
// golang.org/x/vuln directly (with its golang.org/x/telemetry dependency in go.sum); once it
// does, drop the tag and nogovulncheck.go.
var run runner = func(ctx context.Context, env []string, stdout, stderr io.Writer, args ...string) error {
	cmd := scan.Command(ctx, args...)
	cmd.Env = env
	cmd.Stdin = eofReader{}
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Wait()
}

// eofReader is an empty stdin: govulncheck reads it only in convert mode.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
