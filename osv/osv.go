// Package osv is the advisory model of the OSV schema 1.7
// (https://ossf.github.io/osv-schema/): every field of the schema is read, and unknown
// top-level and affected-level fields are kept verbatim so that an advisory written back is
// not poorer than the one read. Decode enforces size limits and the rules of the schema that
// matching depends on; it never panics on hostile input.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Range types (affected[].ranges[].type).
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Severity types (severity[].type).
const (
	SeverityCVSSv2 = "CVSS_V2"
	SeverityCVSSv3 = "CVSS_V3"
	SeverityCVSSv4 = "CVSS_V4"
	SeverityUbuntu = "Ubuntu"
)

// Vulnerability is one OSV advisory.
type Vulnerability struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         Time            `json:"modified"`
	Published        *Time           `json:"published,omitempty"`
	Withdrawn        *Time           `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`

	// Extra holds top-level fields this version of the model does not know.
	Extra map[string]json.RawMessage `json:"-"`

	hasModified bool // the document has a modified field (it may be the zero time)
}

// Severity is a severity score (severity[] and affected[].severity[]).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Package identifies the affected package (affected[].package).
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Affected is one affected package with its versions (affected[]).
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`

	// Extra holds fields of the affected object this model does not know.
	Extra map[string]json.RawMessage `json:"-"`
}

// Range is one range of affected versions (affected[].ranges[]).
type Range struct {
	Type             string          `json:"type"`
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one event of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Kind returns the name of the event's field and its value.
func (e Event) Kind() (kind, value string) {
	switch {
	case e.Introduced != "":
		return "introduced", e.Introduced
	case e.Fixed != "":
		return "fixed", e.Fixed
	case e.LastAffected != "":
		return "last_affected", e.LastAffected
	case e.Limit != "":
		return "limit", e.Limit
	}
	return "", ""
}

// Reference is a link (references[]).
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit names someone credited (credits[]).
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// Limits on one advisory document.
const (
	// MaxSize bounds one advisory's JSON. The largest public advisories (kernel CVEs with
	// thousands of versions) are a few MB.
	MaxSize = 64 << 20
	// MaxAffected bounds affected entries, ranges and events of one advisory.
	MaxAffected = 100_000
)

// ErrInvalid means a document is not a valid OSV advisory.
var ErrInvalid = errors.New("invalid OSV advisory")

// Decode reads one advisory from r, at most MaxSize bytes, and validates it (see Validate).
func Decode(r io.Reader) (*Vulnerability, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxSize)
	}
	return Parse(data)
}

// Parse decodes and validates one advisory.
func Parse(data []byte) (*Vulnerability, error) {
	var v Vulnerability
	if err := v.decode(data); err != nil {
		if !json.Valid(data) {
			// A syntax error anywhere comes first, as in encoding/json, which checks the
			// whole document before decoding it.
			var raw json.RawMessage
			if serr := json.Unmarshal(data, &raw); serr != nil {
				err = serr
			}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := bytes.Count(data[:min(int(se.Offset), len(data))], []byte{'\n'}) + 1
			return nil, fmt.Errorf("%w: line %d: %v", ErrInvalid, line, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return &v, nil
}

// Validate checks the rules of the schema that matching relies on: an id and a modified time,
// package ecosystem and name for every affected entry (a purl alone is accepted), known range
// types with a repo for GIT, exactly one field per event, an introduced event per range, and
// no range mixing fixed and last_affected.
func (v *Vulnerability) Validate() error {
	if strings.TrimSpace(v.ID) == "" {
		return fmt.Errorf("%w: no id", ErrInvalid)
	}
	if !v.hasModified && v.Modified.IsZero() {
		return fmt.Errorf("%w: %s: no modified time", ErrInvalid, v.ID)
	}
	if len(v.Affected) > MaxAffected {
		return fmt.Errorf("%w: %s: %d affected entries, limit %d", ErrInvalid, v.ID, len(v.Affected), MaxAffected)
	}
	for i, a := range v.Affected {
		if a.Package.Name == "" && a.Package.PURL == "" && len(a.Ranges) > 0 && a.Ranges[0].Type != RangeGit {
			return fmt.Errorf("%w: %s: affected[%d] names no package", ErrInvalid, v.ID, i)
		}
		if a.Package.Name != "" && a.Package.Ecosystem == "" {
			return fmt.Errorf("%w: %s: affected[%d] (%s) has no ecosystem", ErrInvalid, v.ID, i, a.Package.Name)
		}
		for j, r := range a.Ranges {
			where := fmt.Sprintf("%s: affected[%d].ranges[%d]", v.ID, i, j)
			switch r.Type {
			case RangeSemver, RangeEcosystem:
			case RangeGit:
				if r.Repo == "" {
					return fmt.Errorf("%w: %s: GIT range without repo", ErrInvalid, where)
				}
			default:
				return fmt.Errorf("%w: %s: unknown range type %q", ErrInvalid, where, r.Type)
			}
			if len(r.Events) == 0 || len(r.Events) > MaxAffected {
				return fmt.Errorf("%w: %s: %d events", ErrInvalid, where, len(r.Events))
			}
			introduced, fixed, last := false, false, false
			for k, e := range r.Events {
				n := 0
				for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
					if s != "" {
						n++
					}
				}
				if n != 1 {
					return fmt.Errorf("%w: %s.events[%d]: want exactly one of introduced, fixed, last_affected, limit", ErrInvalid, where, k)
				}
				introduced = introduced || e.Introduced != ""
				fixed = fixed || e.Fixed != ""
				last = last || e.LastAffected != ""
			}
			if !introduced {
				return fmt.Errorf("%w: %s: no introduced event", ErrInvalid, where)
			}
			if fixed && last {
				return fmt.Errorf("%w: %s: fixed and last_affected in one range", ErrInvalid, where)
			}
		}
	}
	return nil
}

// IsWithdrawn reports whether the advisory was withdrawn.
func (v *Vulnerability) IsWithdrawn() bool { return v.Withdrawn != nil }
