package dpkg

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
)

// entry is one installed package paragraph.
type entry struct {
	path          string // file of the paragraph
	line          int    // of the Package field
	name          string
	status        string
	version       string
	arch          string
	source        string
	sourceVersion string
	maintainer    string
	homepage      string
	description   string
	installedSize string
	depends       [][]dep // Pre-Depends then Depends; inner slices are alternatives
	provides      []string

	id string // set by the cataloger
}

// dep is one alternative of a dependency: a package name and its architecture qualifier.
type dep struct {
	name string
	arch string
}

// field is one "Name: value" field of a paragraph with its continuation lines.
type field struct {
	name  string // lower-cased
	value string // first line, trimmed
	more  []string
	line  int
}

// parseStatus parses the paragraphs of a status file and returns the installed packages. A
// malformed paragraph is reported (the first one only) and skipped; the others are returned.
func parseStatus(path string, data []byte) ([]*entry, error) {
	var (
		entries  []*entry
		firstErr error
		fields   []field
		start    int
	)
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	flush := func() bool {
		if len(fields) == 0 {
			return true
		}
		e, err := paragraph(path, start, fields)
		fields = fields[:0]
		if err != nil {
			fail(err)
			return true
		}
		if e != nil {
			if len(entries) >= catalog.MaxPackages {
				fail(fmt.Errorf("%s: %w (more than %d packages)", path, catalog.ErrTooLarge, catalog.MaxPackages))
				return false
			}
			entries = append(entries, e)
		}
		return true
	}
	line := 0
	skipping := false // inside a paragraph already reported as malformed
	for len(data) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if len(l) > catalog.MaxLineLength {
			fail(catalog.Errorf(path, line, "line longer than %d bytes", catalog.MaxLineLength))
			return entries, firstErr
		}
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(bytes.TrimSpace(l)) == 0 {
			if !skipping && !flush() {
				return entries, firstErr
			}
			fields, skipping = fields[:0], false
			continue
		}
		if skipping {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(fields) == 0 {
				fail(catalog.Errorf(path, line, "continuation line outside a field"))
				skipping = true
				continue
			}
			f := &fields[len(fields)-1]
			f.more = append(f.more, strings.TrimSpace(string(l)))
			continue
		}
		name, value, ok := bytes.Cut(l, []byte{':'})
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			fail(catalog.Errorf(path, line, "line %q is neither a \"Field: value\" line nor a continuation", trunc(string(l))))
			fields, skipping = fields[:0], true
			continue
		}
		if len(fields) == 0 {
			start = line
		}
		fields = append(fields, field{
			name:  strings.ToLower(string(name)),
			value: strings.TrimSpace(string(value)),
			line:  line,
		})
	}
	if !skipping {
		flush()
	}
	return entries, firstErr
}

// paragraph turns the fields of one paragraph into an entry, or nil when the paragraph is
// not an installed package.
func paragraph(path string, start int, fields []field) (*entry, error) {
	e := &entry{path: path}
	status := ""
	hasStatus := false
	for _, f := range fields {
		switch f.name {
		case "package":
			e.name, e.line = f.value, f.line
		case "status":
			status, hasStatus = f.value, true
		case "version":
			e.version = f.value
		case "architecture":
			e.arch = f.value
		case "source":
			e.source, e.sourceVersion = nameVersion(f.value)
		case "maintainer":
			e.maintainer = f.value
		case "homepage":
			e.homepage = f.value
		case "description":
			e.description = f.value
		case "installed-size":
			e.installedSize = f.value
		case "pre-depends", "depends":
			e.depends = append(e.depends, parseDeps(joinField(f))...)
		case "provides":
			for _, g := range parseDeps(joinField(f)) {
				for _, d := range g {
					e.provides = append(e.provides, d.name)
				}
			}
		}
	}
	if e.name == "" {
		return nil, catalog.Errorf(path, start, "paragraph without a Package field")
	}
	if hasStatus {
		words := strings.Fields(status)
		if len(words) != 3 {
			return nil, catalog.Errorf(path, start, "package %s: Status %q is not \"want flag status\"", e.name, status)
		}
		if words[2] != "installed" {
			return nil, nil // not-installed, config-files, half-installed, …: nothing on disk to report
		}
		e.status = status
	}
	if e.version == "" {
		return nil, catalog.Errorf(path, e.line, "installed package %s has no Version field", e.name)
	}
	return e, nil
}

// joinField returns a field's value with its continuation lines, for comma-separated lists
// that dpkg may fold.
func joinField(f field) string {
	if len(f.more) == 0 {
		return f.value
	}
	return f.value + " " + strings.Join(f.more, " ")
}

// nameVersion splits "glibc (2.36-9)" into its name and version.
func nameVersion(s string) (string, string) {
	name, rest, ok := strings.Cut(s, "(")
	name = strings.TrimSpace(name)
	if !ok {
		return name, ""
	}
	v, _, _ := strings.Cut(rest, ")")
	return name, strings.TrimSpace(v)
}

// parseDeps parses a relationship field (Debian Policy §7.1): comma-separated groups of
// "|"-separated alternatives "name[:arch] [(op version)] [[arch list]] [<profiles>]".
func parseDeps(s string) [][]dep {
	var groups [][]dep
	for g := range strings.SplitSeq(s, ",") {
		var alts []dep
		for a := range strings.SplitSeq(g, "|") {
			a = strings.TrimSpace(a)
			end := strings.IndexAny(a, " \t([<")
			if end >= 0 {
				a = a[:end]
			}
			if a == "" {
				continue
			}
			name, arch, _ := strings.Cut(a, ":")
			alts = append(alts, dep{name: name, arch: arch})
		}
		if len(alts) > 0 {
			groups = append(groups, alts)
		}
	}
	return groups
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
