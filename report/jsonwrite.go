package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"
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
	// depth 2 ("    {" … "    }"), joined by ",\n    ".
	workers := max(1, runtime.GOMAXPROCS(0))
	per := (len(findings) + workers*4 - 1) / (workers * 4)
	chunks := make([]bytes.Buffer, (len(findings)+per-1)/per)
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for j, f := range findings[i*per : min((i+1)*per, len(findings))] {
				if j > 0 {
					chunks[i].WriteString(",\n    ")
				}
				if errs[i] = encodeIndented(&chunks[i], &f, "    "); errs[i] != nil {
					return
				}
				chunks[i].Truncate(chunks[i].Len() - 1) // the encoder's newline
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	b := head.Bytes()
	parts := [][]byte{b[:at], []byte("\n  \"findings\": [\n    ")}
	for i := range chunks {
		if i > 0 {
			parts = append(parts, []byte(",\n    "))
		}
		parts = append(parts, chunks[i].Bytes())
	}
	parts = append(parts, []byte("\n  ]"), b[at+len(marker):])
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
