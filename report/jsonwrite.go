package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
)

// parallelFindings is the number of findings from which WriteJSON encodes them on all cores.
const parallelFindings = 2000

// writeJSONParallel writes what WriteJSON writes, byte for byte, encoding the findings in
// chunks on all cores: encoding/json marshals and then indents a document in one thread, which
// took a quarter of a 10,000-component scan. The rest of the result is encoded with an empty
// findings list, whose place in the output is then taken by the findings: "findings": [] at
// the top level is the only line of the output that starts with two spaces and that key
// (strings cannot hold a raw newline, and deeper keys are indented further).
func writeJSONParallel(w io.Writer, n *Result) error {
	findings := n.Findings
	c := *n
	c.Findings = []Finding{}
	var head bytes.Buffer
	if err := encodeIndented(&head, &c, ""); err != nil {
		return err
	}
	marker := []byte("\n  \"findings\": []")
	at := bytes.Index(head.Bytes(), marker)
	if at < 0 || bytes.Count(head.Bytes(), marker) != 1 {
		return fmt.Errorf("writing JSON: no single findings list in the result")
	}
	// Each chunk is a run of array elements, as the whole document's encoder writes them at
	// depth 2 ("    {" … "    }"), joined by ",\n    ". Chunks are encoded on all cores and
	// written in order as they are done, at most inFlight of them held at once, so the output
	// is never all in memory (it is the largest thing a big scan holds at its end).
	workers := max(1, runtime.GOMAXPROCS(0))
	inFlight := 2 * workers
	nChunks := (len(findings) + jsonChunk - 1) / jsonChunk
	type chunk struct {
		buf bytes.Buffer
		err error
	}
	done := make([]chan *chunk, nChunks)
	for i := range done {
		done[i] = make(chan *chunk, 1)
	}
	slots := make(chan struct{}, inFlight)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := range nChunks {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			go func() {
				c := &chunk{}
				for j, f := range findings[i*jsonChunk : min((i+1)*jsonChunk, len(findings))] {
					if j > 0 {
						c.buf.WriteString(",\n    ")
					}
					if c.err = encodeIndented(&c.buf, &f, "    "); c.err != nil {
						break
					}
					c.buf.Truncate(c.buf.Len() - 1) // the encoder's newline
				}
				done[i] <- c
			}()
		}
	}()
	b := head.Bytes()
	if err := writeAll(w, b[:at], []byte("\n  \"findings\": [\n    ")); err != nil {
		return err
	}
	for i := range nChunks {
		c := <-done[i]
		<-slots
		if c.err != nil {
			return c.err
		}
		sep := []byte(",\n    ")
		if i == 0 {
			sep = nil
		}
		if err := writeAll(w, sep, c.buf.Bytes()); err != nil {
			return err
		}
	}
	return writeAll(w, []byte("\n  ]"), b[at+len(marker):])
}

// jsonChunk is how many findings one chunk of writeJSONParallel holds (about 250 KB of JSON).
const jsonChunk = 256

// writeAll writes the parts in order.
func writeAll(w io.Writer, parts ...[]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// encodeIndented encodes v as WriteJSON does, with prefix at the start of every line but the
// first, and a newline at the end.
func encodeIndented(w io.Writer, v any, prefix string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
