package maven

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/catalog"
)

// pomModel is the part of a POM (https://maven.apache.org/ref/current/maven-model/maven.html)
// that decides coordinates: the raw, uninterpolated values as written, with lines. Profiles,
// build plugins and their dependencies are not read: which profiles are active depends on the
// build machine.
type pomModel struct {
	path string // slash path in the target
	line int    // line of <project>

	parent *pomParent

	groupID, artifactID, version, packaging string
	licenses                                []string

	properties []pomProperty // in document order; a later one overrides an earlier one
	depMgmt    []pomDep      // dependencyManagement/dependencies
	deps       []pomDep      // dependencies
	modules    []string
}

type pomParent struct {
	groupID, artifactID, version string
	// relativePath is nil when <relativePath> is absent (Maven then looks in ../pom.xml)
	// and points to "" for <relativePath/> (Maven then does not look in the tree).
	relativePath *string
	line         int
}

type pomProperty struct{ name, value string }

type pomDep struct {
	groupID, artifactID, version, typ, classifier, scope, optional, systemPath string
	line                                                                       int
}

// pomElements are the element paths read, relative to <project>; everything else is skipped.
const (
	elemDependency = "dependencies/dependency"
	elemManaged    = "dependencyManagement/dependencies/dependency"
	elemProperties = "properties"
)

// parsePOM parses a POM document. It reads tokens, not reflection, so that it can bound the
// nesting depth and record the line of every dependency.
func parsePOM(data []byte, file string) (*pomModel, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	converted := false
	d.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		r, err := charsetReader(charset, in)
		converted = r != in
		return r, err
	}
	m := &pomModel{path: file}
	// Lines are counted from offsets, so that an element's line is that of its "<" even when
	// the start tag spans lines. Input converted from another charset has other offsets;
	// then the decoder's line of the tag's end is used.
	lastOff, lastLine := int64(0), 1
	startLine := func(off int64) int {
		if converted || off < lastOff || off > int64(len(data)) {
			l, _ := d.InputPos()
			return l
		}
		lastLine += bytes.Count(data[lastOff:off], []byte{'\n'})
		lastOff = off
		return lastLine
	}

	var (
		stack []string // element names below <project>
		text  strings.Builder
		cur   *pomDep // dependency being read
		curIn string  // elemDependency or elemManaged
		lic   bool    // inside licenses/license
	)
	root := false
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, xmlError(d, file, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line := startLine(off)
			if !root {
				if t.Name.Local != "project" {
					return nil, catalog.Errorf(file, line, "not a Maven POM: the root element is <%s>, want <project>", t.Name.Local)
				}
				root = true
				m.line = line
				continue
			}
			if len(stack) >= catalog.MaxDepth {
				return m, fmt.Errorf("%s:%d: %w (XML nested deeper than %d elements)", file, line, catalog.ErrTooLarge, catalog.MaxDepth)
			}
			stack = append(stack, t.Name.Local)
			text.Reset()
			switch p := strings.Join(stack, "/"); p {
			case elemDependency, elemManaged:
				cur, curIn = &pomDep{line: line}, p
			case "parent":
				m.parent = &pomParent{line: line}
			case "licenses/license":
				lic = true
			}
		case xml.CharData:
			if text.Len() < 1<<20 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue // </project>
			}
			p := strings.Join(stack, "/")
			v := strings.TrimSpace(text.String())
			text.Reset()
			m.setField(p, stack, v, cur, curIn, &lic)
			switch p {
			case elemDependency, elemManaged:
				if cur != nil {
					if len(m.deps)+len(m.depMgmt) >= catalog.MaxPackages {
						return m, fmt.Errorf("%s: %w (more than %d dependencies)", file, catalog.ErrTooLarge, catalog.MaxPackages)
					}
					if p == elemDependency {
						m.deps = append(m.deps, *cur)
					} else {
						m.depMgmt = append(m.depMgmt, *cur)
					}
				}
				cur, curIn = nil, ""
			}
			stack = stack[:len(stack)-1]
		}
	}
	if !root {
		return nil, catalog.Errorf(file, 0, "not a Maven POM: no <project> element")
	}
	return m, nil
}

// setField stores the text v of the element at path p (relative to <project>).
func (m *pomModel) setField(p string, stack []string, v string, cur *pomDep, curIn string, lic *bool) {
	switch p {
	case "groupId":
		m.groupID = v
	case "artifactId":
		m.artifactID = v
	case "version":
		m.version = v
	case "packaging":
		m.packaging = v
	case "parent/groupId":
		if m.parent != nil {
			m.parent.groupID = v
		}
	case "parent/artifactId":
		if m.parent != nil {
			m.parent.artifactID = v
		}
	case "parent/version":
		if m.parent != nil {
			m.parent.version = v
		}
	case "parent/relativePath":
		if m.parent != nil {
			m.parent.relativePath = &v
		}
	case "modules/module":
		m.modules = append(m.modules, v)
	case "licenses/license/name":
		if *lic && v != "" {
			m.licenses = append(m.licenses, v)
		}
	case "licenses/license":
		*lic = false
	}
	if len(stack) == 2 && stack[0] == elemProperties {
		m.properties = append(m.properties, pomProperty{stack[1], v})
		return
	}
	if cur == nil || len(p) <= len(curIn)+1 || !strings.HasPrefix(p, curIn+"/") {
		return
	}
	switch p[len(curIn)+1:] {
	case "groupId":
		cur.groupID = v
	case "artifactId":
		cur.artifactID = v
	case "version":
		cur.version = v
	case "type":
		cur.typ = v
	case "classifier":
		cur.classifier = v
	case "scope":
		cur.scope = v
	case "optional":
		cur.optional = v
	case "systemPath":
		cur.systemPath = v
	}
}

// xmlError turns a decoder error into a *catalog.ParseError with the line of the problem.
func xmlError(d *xml.Decoder, file string, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return catalog.Errorf(file, se.Line, "invalid XML: %s", se.Msg)
	}
	line, _ := d.InputPos()
	return catalog.Errorf(file, line, "invalid XML: %v", err)
}

// charsetReader decodes the encodings POM files declare besides UTF-8: ISO-8859-1 (and
// windows-1252 read as ISO-8859-1, which differs only in characters that never occur in
// coordinates) and US-ASCII.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		return &latin1Reader{r: in}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (re-encode the file as UTF-8)", charset)
}

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte // converted bytes not yet returned
	in  [2048]byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.buf) == 0 {
		n, err := l.r.Read(l.in[:])
		for _, b := range l.in[:n] {
			l.buf = utf8.AppendRune(l.buf, rune(b))
		}
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}
