package osv

import (
	"encoding/json"
	"maps"
	"slices"
)

// knownTop and knownAffected are the fields the model reads; others go to Extra.
var (
	knownTop = []string{"schema_version", "id", "modified", "published", "withdrawn", "aliases", "related", "upstream",
		"summary", "details", "severity", "affected", "references", "credits", "database_specific"}
	knownAffected = []string{"package", "severity", "ranges", "versions", "ecosystem_specific", "database_specific"}
)

type vulnFields Vulnerability

// UnmarshalJSON reads every field of the schema and keeps unknown ones in Extra.
func (v *Vulnerability) UnmarshalJSON(b []byte) error {
	var f vulnFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	extra, has, err := unknown(b, knownTop, "modified")
	if err != nil {
		return err
	}
	*v = Vulnerability(f)
	v.Extra = extra
	v.hasModified = has
	return nil
}

// MarshalJSON writes the known fields and then Extra.
func (v Vulnerability) MarshalJSON() ([]byte, error) {
	return withExtra(vulnFields(v), v.Extra)
}

type affectedFields Affected

// UnmarshalJSON reads an affected entry and keeps unknown fields in Extra.
func (a *Affected) UnmarshalJSON(b []byte) error {
	var f affectedFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	extra, _, err := unknown(b, knownAffected, "")
	if err != nil {
		return err
	}
	*a = Affected(f)
	a.Extra = extra
	return nil
}

// MarshalJSON writes the known fields and then Extra.
func (a Affected) MarshalJSON() ([]byte, error) {
	return withExtra(affectedFields(a), a.Extra)
}

// unknown returns the fields of the object b that are not in known, and whether the field
// present exists.
func unknown(b []byte, known []string, present string) (map[string]json.RawMessage, bool, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, false, err
	}
	_, has := all[present]
	for _, k := range known {
		delete(all, k)
	}
	if len(all) == 0 {
		return nil, has, nil
	}
	return all, has, nil
}

func withExtra(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if _, ok := m[k]; !ok {
			m[k] = extra[k]
		}
	}
	return json.Marshal(m)
}
