package spdx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spdx/tools-golang/convert"
	anydoc "github.com/spdx/tools-golang/spdx/common"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_1"
	v21tv "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	v22tv "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	v23tv "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
	tvreader "github.com/spdx/tools-golang/tagvalue/reader"
)

var bom = []byte("\xef\xbb\xbf")

// Sniff reports whether head, the first bytes of a file, looks like an SPDX 2 document: a JSON
// object with "spdxVersion": "SPDX-2.…", or tag-value whose first tag (after blank and comment
// lines) is "SPDXVersion: SPDX-2.".
func Sniff(head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, bom), " \t\r\n")
	if len(head) > 0 && head[0] == '{' {
		i := bytes.Index(head, []byte(`"spdxVersion"`))
		if i < 0 {
			return false
		}
		rest := bytes.TrimLeft(head[i+len(`"spdxVersion"`):], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			return false
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		return bytes.HasPrefix(rest, []byte(`"SPDX-2.`))
	}
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		line = bytes.TrimSpace(line)
		head = rest
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		tag, value, ok := bytes.Cut(line, []byte(":"))
		return ok && string(bytes.TrimSpace(tag)) == "SPDXVersion" &&
			bytes.HasPrefix(bytes.TrimSpace(value), []byte("SPDX-2."))
	}
	return false
}

// readDocument reads a JSON or tag-value SPDX 2.1, 2.2 or 2.3 document into the 2.3 model.
func readDocument(r io.Reader) (*v2_3.Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading SPDX document: %w", err)
	}
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrInvalid, MaxDocumentSize)
	}
	data = bytes.TrimPrefix(data, bom)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrInvalid)
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		return readJSON(trimmed)
	}
	return readTagValue(data)
}

// unsupported explains a version this package cannot read.
func unsupported(version string) error {
	if strings.HasPrefix(version, "SPDX-3") {
		return fmt.Errorf("%w: %s is not supported yet (only SPDX 2.2 and 2.3 can be read)", ErrInvalid, version)
	}
	return fmt.Errorf("%w: unsupported spdxVersion %q (only SPDX 2.2 and 2.3 can be read)", ErrInvalid, version)
}

// guard runs a tools-golang parser, turning a panic of the library on hostile input into an
// error. It is a second line of defence: Decode bounds its input before calling the library.
func guard(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: the SPDX library failed on this input (%v)", ErrInvalid, what, r)
		}
	}()
	return f()
}

func readJSON(data []byte) (*v2_3.Document, error) {
	var probe struct {
		Version *string         `json:"spdxVersion"`
		Context json.RawMessage `json:"@context"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON: %v", ErrInvalid, err)
	}
	if probe.Version == nil {
		if bytes.Contains(probe.Context, []byte("spdx.org/rdf/3")) {
			return nil, fmt.Errorf("%w: SPDX 3 JSON-LD documents are not supported yet (only SPDX 2.2 and 2.3 can be read)", ErrInvalid)
		}
		return nil, fmt.Errorf("%w: missing spdxVersion", ErrInvalid)
	}
	var src anydoc.AnyDocument
	switch *probe.Version {
	case v2_3.Version:
		src = &v2_3.Document{}
	case v2_2.Version:
		src = &v2_2.Document{}
	case v2_1.Version:
		src = &v2_1.Document{}
	default:
		return nil, unsupported(*probe.Version)
	}
	var doc v2_3.Document
	err := guard("reading JSON", func() error {
		if err := json.Unmarshal(data, src); err != nil {
			return fmt.Errorf("%w: %s JSON: %v", ErrInvalid, *probe.Version, err)
		}
		if d, ok := src.(*v2_3.Document); ok {
			doc = *d
			return nil
		}
		if err := convert.Document(src, &doc); err != nil {
			return fmt.Errorf("%w: converting %s: %v", ErrInvalid, *probe.Version, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &doc, nil
}

// tagValues splits a tag-value document into pairs the way tools-golang's reader does (SPDX
// 2.3 §5: "Tag: value", multi-line values in <text>…</text>, # comments), but with a line
// length limit instead of bufio.Scanner's 64 KiB one and with the line of each error.
func tagValues(data []byte) ([]tvreader.TagValuePair, error) {
	var pairs []tvreader.TagValuePair
	var tag string
	var text strings.Builder
	midtext := false
	textLine := 0
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > MaxLineLength {
			return nil, fmt.Errorf("%w: line %d is longer than %d bytes", ErrInvalid, n, MaxLineLength)
		}
		s := string(line)
		if midtext {
			before, _, closed := strings.Cut(s, "</text>")
			text.WriteString(before)
			if !closed {
				text.WriteString("\n")
				continue
			}
			pairs = append(pairs, tvreader.TagValuePair{Tag: tag, Value: text.String()})
			midtext = false
			continue
		}
		s = strings.TrimLeft(s, " \t\v\f\r\u0085\u00a0")
		if s == "" || s[0] == '#' {
			continue
		}
		t, value, ok := strings.Cut(s, ":")
		if !ok {
			return nil, fmt.Errorf("%w: line %d: no colon in tag-value line %.40q", ErrInvalid, n, s)
		}
		tag = strings.TrimSpace(t)
		before, after, hasText := strings.Cut(value, "<text>")
		if !hasText {
			pairs = append(pairs, tvreader.TagValuePair{Tag: tag, Value: strings.TrimSpace(before)})
			continue
		}
		if inner, _, closed := strings.Cut(after, "</text>"); closed {
			pairs = append(pairs, tvreader.TagValuePair{Tag: tag, Value: inner})
			continue
		}
		text.Reset()
		text.WriteString(after + "\n")
		midtext, textLine = true, n
	}
	if midtext {
		return nil, fmt.Errorf("%w: <text> opened on line %d is never closed", ErrInvalid, textLine)
	}
	return pairs, nil
}

func readTagValue(data []byte) (*v2_3.Document, error) {
	pairs, err := tagValues(data)
	if err != nil {
		return nil, err
	}
	version, found := "", false
	for _, p := range pairs {
		if p.Tag == "SPDXVersion" {
			version, found = p.Value, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: missing SPDXVersion (not an SPDX tag-value document)", ErrInvalid)
	}
	pairs, detached, err := detachSnippets(pairs)
	if err != nil {
		return nil, err
	}
	var doc v2_3.Document
	err = guard("reading tag-value", func() error {
		var src anydoc.AnyDocument
		var err error
		switch version {
		case v2_3.Version:
			var d *v2_3.Document
			if d, err = v23tv.ParseTagValues(pairs); err == nil {
				doc = *d
				return nil
			}
		case v2_2.Version:
			src, err = v22tv.ParseTagValues(pairs)
		case v2_1.Version:
			src, err = v21tv.ParseTagValues(pairs)
		default:
			return unsupported(version)
		}
		if err != nil {
			return fmt.Errorf("%w: %s tag-value: %v", ErrInvalid, version, err)
		}
		if err := convert.Document(src, &doc); err != nil {
			return fmt.Errorf("%w: converting %s: %v", ErrInvalid, version, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range detached {
		doc.Snippets = append(doc.Snippets, v2_3.Snippet{SnippetSPDXIdentifier: id})
	}
	return &doc, nil
}

// detachSnippets removes the snippet sections that do not follow a file section, returning
// their IDs. SPDX 2.3 allows them (the specification's own tag-value example puts a snippet
// after a package), but tools-golang v0.5.7 rejects them ("received unknown tag SnippetSPDXID
// in Package section"). Snippets are not imported, so only their IDs are kept, for
// relationships that name them.
func detachSnippets(pairs []tvreader.TagValuePair) ([]tvreader.TagValuePair, []common.ElementID, error) {
	var ids []common.ElementID
	out := make([]tvreader.TagValuePair, 0, len(pairs))
	inFile, detached := false, false
	for _, p := range pairs {
		switch p.Tag {
		case "FileName":
			inFile, detached = true, false
		case "PackageName", "LicenseID":
			inFile, detached = false, false
		case "SnippetSPDXID":
			if !inFile {
				id, ok := strings.CutPrefix(p.Value, "SPDXRef-")
				if !ok || id == "" || strings.Contains(id, ":") {
					return nil, nil, fmt.Errorf("%w: snippet identifier %q is not SPDXRef-…", ErrInvalid, p.Value)
				}
				ids = append(ids, common.ElementID(id))
				detached = true
			}
		}
		if detached && (strings.HasPrefix(p.Tag, "Snippet") || p.Tag == "LicenseInfoInSnippet") {
			continue
		}
		out = append(out, p)
	}
	return out, ids, nil
}
