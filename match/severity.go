package match

import (
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"

	"github.com/hallmark-dev/hallmark/osv"
)

// Level is a severity level. Levels are ordered: Unknown < Low < Medium < High < Critical.
type Level int

// Severity levels.
const (
	Unknown Level = iota
	Low
	Medium
	High
	Critical
)

var levelNames = []string{"unknown", "low", "medium", "high", "critical"}

func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// ParseLevel reads a level name (case-insensitive; "moderate" and "important" as ecosystems
// write them).
func ParseLevel(s string) (Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low", "negligible":
		return Low, true
	case "medium", "moderate":
		return Medium, true
	case "high", "important":
		return High, true
	case "critical":
		return Critical, true
	case "unknown", "":
		return Unknown, true
	}
	return Unknown, false
}

// Severity is a finding's severity: the highest of its scores.
type Severity struct {
	Level  Level
	Score  float64 // CVSS base score, 0 when unknown
	Type   string  // "CVSS_V3", "CVSS_V4", "CVSS_V2", or "ecosystem" for a label
	Vector string  // the CVSS vector, or the ecosystem's label
}

// LevelOf maps a CVSS score to its qualitative rating (CVSS v3.x and v4 share the bands;
// v2 has no "critical" band, but a 9.0+ v2 score is rated critical here so levels compare).
func LevelOf(score float64) Level {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return Unknown
}

// Score computes the base score of an OSV severity entry with github.com/pandatix/go-cvss.
func Score(s osv.Severity) (float64, bool) {
	switch s.Type {
	case osv.SeverityCVSSv2:
		v, err := cvss20.ParseVector(s.Score)
		if err != nil {
			return 0, false
		}
		return v.BaseScore(), true
	case osv.SeverityCVSSv3:
		if strings.HasPrefix(s.Score, "CVSS:3.0/") {
			v, err := cvss30.ParseVector(s.Score)
			if err != nil {
				return 0, false
			}
			return v.BaseScore(), true
		}
		v, err := cvss31.ParseVector(s.Score)
		if err != nil {
			return 0, false
		}
		return v.BaseScore(), true
	case osv.SeverityCVSSv4:
		v, err := cvss40.ParseVector(s.Score)
		if err != nil {
			return 0, false
		}
		return v.Score(), true
	}
	return 0, false
}

// SeverityOf returns the highest severity of an advisory for one affected entry: its CVSS
// vectors (advisory-level and the entry's own), and ecosystem labels in database_specific or
// ecosystem_specific ("severity": "HIGH", as GitHub and distributions write them).
func SeverityOf(v *osv.Vulnerability, a *osv.Affected) Severity {
	best := Severity{}
	consider := func(s Severity) {
		if s.Level > best.Level || s.Level == best.Level && s.Score > best.Score {
			best = s
		}
	}
	var all []osv.Severity
	all = append(all, v.Severity...)
	if a != nil {
		all = append(all, a.Severity...)
	}
	for _, s := range all {
		if s.Type == osv.SeverityUbuntu {
			if l, ok := ParseLevel(s.Score); ok {
				consider(Severity{Level: l, Type: "ecosystem", Vector: s.Score})
			}
			continue
		}
		if sc, ok := Score(s); ok {
			consider(Severity{Level: LevelOf(sc), Score: sc, Type: s.Type, Vector: s.Score})
		}
	}
	for _, raw := range [][]byte{v.DatabaseSpecific, affectedSpecific(a)} {
		if label := severityLabel(raw); label != "" {
			if l, ok := ParseLevel(label); ok && l != Unknown {
				consider(Severity{Level: l, Type: "ecosystem", Vector: label})
			}
		}
	}
	return best
}

func affectedSpecific(a *osv.Affected) []byte {
	if a == nil {
		return nil
	}
	if len(a.EcosystemSpecific) > 0 {
		return a.EcosystemSpecific
	}
	return a.DatabaseSpecific
}
