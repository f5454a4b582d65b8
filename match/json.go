package match

import "encoding/json"

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
