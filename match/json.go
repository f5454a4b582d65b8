package match

import (
	"encoding/json"

	"github.com/hallmark-dev/hallmark/osv"
)

// severityLabel reads a "severity" string field from a database_specific or
// ecosystem_specific object, or "".
func severityLabel(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	var m struct {
		Severity any `json:"severity"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return ""
	}
	s, _ := m.Severity.(string)
	return s
}

// SeverityLabels returns the ecosystem severity labels SeverityOf reads for an advisory and
// one of its affected entries (a may be nil): the "severity" string of the advisory's
// database_specific object, and that of the entry's ecosystem_specific object (its
// database_specific one when ecosystem_specific is absent). A stored summary of an advisory
// can keep these two strings instead of the objects: SeverityOf gives the same result for
// {"severity": label}.
func SeverityLabels(v *osv.Vulnerability, a *osv.Affected) (advisory, affected string) {
	return severityLabel(v.DatabaseSpecific), severityLabel(affectedSpecific(a))
}
