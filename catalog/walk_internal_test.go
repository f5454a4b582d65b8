package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestTrimPosition(t *testing.T) {
	for _, c := range []struct {
		line     int
		msg      string
		wantLine int
		wantMsg  string
	}{
		{0, "a/b.txt:22: reading included file c.txt: not found", 22, "reading included file c.txt: not found"},
		{5, "a/b.txt:22: x", 5, "x"},
		{0, "a/b.txt: input too large", 0, "input too large"},
		{0, "a/b.txt!/x.jar: bad zip", 0, "a/b.txt!/x.jar: bad zip"},
		{0, "other.txt:3: x", 0, "other.txt:3: x"},
	} {
		line, msg := trimPosition("a/b.txt", c.line, c.msg)
		if line != c.wantLine || msg != c.wantMsg {
			t.Errorf("trimPosition(%d, %q) = %d, %q; want %d, %q", c.line, c.msg, line, msg, c.wantLine, c.wantMsg)
		}
	}
}

func TestIOMessage(t *testing.T) {
	err := &fs.PathError{Op: "open", Path: "/home/u/proj/a/go.mod", Err: fs.ErrPermission}
	if got := ioMessage(fmt.Errorf("walking: %w", err)); got != "open: permission denied" {
		t.Errorf("ioMessage = %q, want the operation and cause without the host path", got)
	}
	if got := ioMessage(errors.New("plain")); got != "plain" {
		t.Errorf("ioMessage = %q", got)
	}
}
