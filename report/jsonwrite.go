package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"

	"github.com/hallmark-dev/hallmark/sbom"
)

// parallelItems is the length of the findings or inventory list from which WriteJSON encodes
// the result in pieces (writeJSONParallel).
const parallelItems = 2000

// writeJSONParallel writes what WriteJSON writes, byte for byte, without holding the document
// in memory and using all cores. encoding/json marshals a whole value into one buffer and
// then indents it into a second one, in one thread: for a 10,000-package scan that took a
// quarter of the run and was the largest thing the scan held at its end (the inventory alone
// is megabytes of JSON). Here the result is encoded with its two long lists, the findings and
// the inventory's packages, left empty; each list's place in that head is found by its key,
// as the document's encoder writes it, and the list is encoded in chunks on all cores and
// written in order, at most a few chunks held at once.
//
// The keys are unambiguous: only top-level keys start a line with two spaces ("findings"),
// and with four spaces only the members of top-level objects ("packages" of the inventory;
// tool and database have none such); strings cannot hold a raw newline.
func writeJSONParallel(w io.Writer, r *Result) error {
	head := *r
	head.Targets = nonNil(head.Targets)
	head.Findings = []Finding{}
	var pkgs []*sbom.Package
	if r.Inventory != nil {
		inv := *r.Inventory
		pkgs = inv.Packages
		inv.Packages = []*sbom.Package{}
		head.Inventory = &inv
	}
	var hb bytes.Buffer
	if err := encodeIndented(&hb, &head, ""); err != nil {
		return err
	}
	lists := []*jsonList{{indent: "  ", name: "findings", n: len(r.Findings), encode: func(i int, enc *json.Encoder) error {
		return enc.Encode(normalizedFinding(r.Findings[i]))
	}}}
	if r.Inventory != nil {
		lists = append(lists, &jsonList{indent: "    ", name: "packages", n: len(pkgs), encode: func(i int, enc *json.Encoder) error {
			return enc.Encode(pkgs[i])
		}})
	}
	return writeLists(w, hb.Bytes(), lists)
}

// writeLists writes the document whose head is b, with the elements of the lists in their
// places: b is the document as encodeIndented writes it with each list empty ("[]"), and
// each list is found in it by its key and indentation, which must occur once. The lists'
// elements are encoded in chunks on all cores and written in order, at most a few chunks
// held at once; what is written is, byte for byte, what encodeIndented writes of the whole
// document.
//
// A key preceded by a newline and its indentation can only be a key of an object at that
// depth (strings cannot hold a raw newline): the caller chooses lists whose key is unique
// among the keys of the objects at that depth.
func writeLists(w io.Writer, b []byte, lists []*jsonList) error {
	for _, l := range lists {
		key := []byte(l.key())
		l.at = bytes.Index(b, key)
		if l.at < 0 || bytes.Count(b, key) != 1 {
			return fmt.Errorf("streaming JSON: no single %q list in the document", l.name)
		}
	}
	slices.SortFunc(lists, func(a, b *jsonList) int { return a.at - b.at })
	chunks := encodeChunks(lists)
	defer chunks.stop()
	from := 0
	for _, l := range lists {
		end := l.at + len(l.key())
		if l.n == 0 {
			continue // written as it is, "[]"
		}
		nl := "\n" + l.indent + "  " // before each element
		if err := writeAll(w, b[from:end-1], []byte(nl)); err != nil {
			return err
		}
		for i := range l.chunks() {
			c := chunks.next()
			if c.err != nil {
				return c.err
			}
			sep := []byte("," + nl)
			if i == 0 {
				sep = nil
			}
			if err := writeAll(w, sep, c.buf.Bytes()); err != nil {
				return err
			}
		}
		if err := writeAll(w, []byte("\n"+l.indent+"]")); err != nil {
			return err
		}
		from = end
	}
	return writeAll(w, b[from:])
}

// writeHashed writes, with writeLists, the document made of a head and the lists twice: first
// into a SHA-256 with the head head(nil) returns, then to w with the head head(sum) returns,
// sum being that SHA-256. It is how a document names itself by its content (OpenVEX @id,
// CycloneDX serialNumber) without being held in memory.
func writeHashed(w io.Writer, head func(sum []byte) any, lists []*jsonList) error {
	h := sha256.New()
	var b bytes.Buffer
	if err := encodeIndented(&b, head(nil), ""); err != nil {
		return err
	}
	if err := writeLists(h, b.Bytes(), lists); err != nil {
		return err
	}
	b.Reset()
	if err := encodeIndented(&b, head(h.Sum(nil)), ""); err != nil {
		return err
	}
	return writeLists(w, b.Bytes(), lists)
}

// jsonList is a long list of a document that writeLists encodes in chunks.
type jsonList struct {
	// indent is what precedes the list's key on its line; name is the key.
	indent, name string
	// n is the list's length; encode encodes its element i as the document's encoder would,
	// with an encoder that indents as the list's elements are indented.
	n      int
	encode func(i int, enc *json.Encoder) error
	// at is where key is in the head.
	at int
}

// key is the list's key with an empty value, as the document's encoder writes it, with the
// newline before it.
func (l *jsonList) key() string { return "\n" + l.indent + `"` + l.name + `": []` }

// chunks is how many chunks the list is written in.
func (l *jsonList) chunks() int { return (l.n + jsonChunk - 1) / jsonChunk }

// jsonChunk is how many elements one chunk holds (about 250 KB of findings).
const jsonChunk = 256

// chunk is one encoded chunk: its elements, each indented as the document indents it, joined
// by a comma and a newline, without the encoder's final newline.
type chunk struct {
	buf bytes.Buffer
	err error
}

// chunkStream hands out the encoded chunks of every list in order.
type chunkStream struct {
	done  []chan *chunk
	slots chan struct{}
	quit  chan struct{}
	i     int
}

// next waits for the next chunk.
func (s *chunkStream) next() *chunk {
	c := <-s.done[s.i]
	<-s.slots
	s.i++
	return c
}

func (s *chunkStream) stop() { close(s.quit) }

// encodeChunks encodes the chunks of the lists, in order, on all cores, with at most two
// chunks per core encoded or being encoded and not yet taken.
func encodeChunks(lists []*jsonList) *chunkStream {
	type work struct {
		l  *jsonList
		lo int
	}
	var todo []work
	for _, l := range lists {
		for i := range l.chunks() {
			todo = append(todo, work{l, i * jsonChunk})
		}
	}
	s := &chunkStream{
		done:  make([]chan *chunk, len(todo)),
		slots: make(chan struct{}, 2*max(1, runtime.GOMAXPROCS(0))),
		quit:  make(chan struct{}),
	}
	for i := range s.done {
		s.done[i] = make(chan *chunk, 1)
	}
	go func() {
		for i, wk := range todo {
			select {
			case s.slots <- struct{}{}:
			case <-s.quit:
				return
			}
			go func() {
				c := &chunk{}
				enc := json.NewEncoder(&c.buf)
				enc.SetIndent(wk.l.indent+"  ", "  ")
				enc.SetEscapeHTML(false)
				for j := wk.lo; j < min(wk.lo+jsonChunk, wk.l.n); j++ {
					if j > wk.lo {
						c.buf.WriteString(",\n" + wk.l.indent + "  ")
					}
					if c.err = wk.l.encode(j, enc); c.err != nil {
						break
					}
					c.buf.Truncate(c.buf.Len() - 1) // the encoder's newline
				}
				s.done[i] <- c
			}()
		}
	}()
	return s
}

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
