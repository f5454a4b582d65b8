package catalog

import (
	"errors"
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	p := Problems{Path: "a.lock"}
	if p.Err() != nil {
		t.Fatal("no problems, but an error")
	}
	for i := 1; i <= MaxProblems+5; i++ {
		p.Errorf(i, "bad line")
	}
	p.Limit(errors.New("first limit"))
	p.Limit(errors.New("second limit"))
	err := p.Err()
	msg := err.Error()
	if !strings.HasPrefix(msg, "first limit\n") || strings.Contains(msg, "second limit") {
		t.Errorf("the first limit error is not first (or the second is kept):\n%s", msg)
	}
	if !strings.Contains(msg, "a.lock:20: bad line") || strings.Contains(msg, "a.lock:21:") || !strings.Contains(msg, "5 more problems not shown") {
		t.Errorf("want %d problems and a count of the rest:\n%s", MaxProblems, msg)
	}
	if !errors.Is(err, ErrMalformed) || !p.Limited() {
		t.Error("the joined error should match ErrMalformed, and Limited be true")
	}
}
