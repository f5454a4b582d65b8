package scan

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hallmark-dev/hallmark/report"
)

// IgnoreFile is a list of accepted findings with their reasons and expiry dates, read from
// YAML (default .hallmark.yaml at the target root):
//
//	ignore:
//	  - id: GHSA-35jh-r3h4-6jhm     # advisory ID or alias
//	    package: lodash             # optional: package name or purl
//	    reason: template() is never called with user input
//	    expires: 2026-12-31         # required: exceptions expire too
type IgnoreFile struct {
	Path    string        `yaml:"-"`
	Entries []IgnoreEntry `yaml:"ignore"`
}

// IgnoreEntry is one accepted finding.
type IgnoreEntry struct {
	ID      string `yaml:"id"`
	Package string `yaml:"package"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`

	expires time.Time
}

// MaxIgnoreFileSize bounds an ignore file.
const MaxIgnoreFileSize = 4 << 20

// ReadIgnoreFile reads and validates an ignore file: every entry needs an id, a reason and an
// expiry date (YYYY-MM-DD).
func ReadIgnoreFile(path string) (*IgnoreFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxIgnoreFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxIgnoreFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxIgnoreFileSize)
	}
	var ig IgnoreFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&ig); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	ig.Path = path
	for i := range ig.Entries {
		e := &ig.Entries[i]
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("%s: entry %d: no id", path, i+1)
		case strings.TrimSpace(e.Reason) == "":
			return nil, fmt.Errorf("%s: entry %d (%s): no reason: say why the finding is accepted", path, i+1, e.ID)
		case e.Expires == "":
			return nil, fmt.Errorf("%s: entry %d (%s): no expires date (YYYY-MM-DD): exceptions expire", path, i+1, e.ID)
		}
		t, err := time.Parse("2006-01-02", e.Expires)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d (%s): expires %q is not a date YYYY-MM-DD", path, i+1, e.ID, e.Expires)
		}
		e.expires = t.Add(24 * time.Hour) // valid through the whole day
	}
	return &ig, nil
}

// match returns the ignore entry that applies to f at time now, or nil.
func (ig *IgnoreFile) match(f report.Finding, now time.Time) *report.Ignore {
	if ig == nil {
		return nil
	}
	ids := append(append([]string{f.ID}, f.Advisories...), f.Aliases...)
	for _, e := range ig.Entries {
		if !slices.Contains(ids, e.ID) {
			continue
		}
		if e.Package != "" && e.Package != f.Package.Name && e.Package != f.Package.PURL && !strings.HasPrefix(f.Package.PURL, e.Package+"@") {
			continue
		}
		if !now.Before(e.expires) {
			continue
		}
		return &report.Ignore{ID: e.ID, Package: e.Package, Reason: e.Reason, Expires: e.Expires, Source: ig.Path}
	}
	return nil
}

// expired returns the entries past their expiry at now.
func (ig *IgnoreFile) expired(now time.Time) []report.Ignore {
	var out []report.Ignore
	for _, e := range ig.Entries {
		if !now.Before(e.expires) {
			out = append(out, report.Ignore{ID: e.ID, Package: e.Package, Reason: e.Reason, Expires: e.Expires, Source: ig.Path})
		}
	}
	return out
}
