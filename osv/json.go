package osv

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
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
	var n Vulnerability
	if err := n.decode(b); err != nil {
		return err
	}
	*v = n
	return nil
}

// MarshalJSON writes the known fields and then Extra.
func (v Vulnerability) MarshalJSON() ([]byte, error) {
	return withExtra(vulnFields(v), v.Extra)
}

type affectedFields Affected

// UnmarshalJSON reads an affected entry and keeps unknown fields in Extra.
func (a *Affected) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var n Affected
	if err := n.decode(dec); err != nil {
		return err
	}
	if err := trailing(dec, b); err != nil {
		return err
	}
	*a = n
	return nil
}

// MarshalJSON writes the known fields and then Extra.
func (a Affected) MarshalJSON() ([]byte, error) {
	return withExtra(affectedFields(a), a.Extra)
}

// The decoder reads a document in one pass of a json.Decoder: the top-level object and each
// affected object are walked token by token, the value of a known field is decoded by
// dec.Decode straight into the field (so duplicate keys behave as in encoding/json: the last
// wins, and objects decoded twice merge) and the value of an unknown one is kept as a
// json.RawMessage. It gives the results encoding/json gave when these types were decoded
// as structs and again as map[string]json.RawMessage:
//   - a key matches a field as encoding/json matches it: exactly, or else case-insensitively
//     (strings.EqualFold is encoding/json's folding); a key that is not exactly a field name
//     goes to Extra even when it matches a field case-insensitively;
//   - null at the top level or as an affected entry is the zero value;
//   - hasModified is set by an exact "modified" key.

// decode decodes the advisory document b into v, which is zero.
func (v *Vulnerability) decode(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil: // null: encoding/json gave the zero value
		return trailing(dec, b)
	case json.Delim('{'):
	default:
		return typeError(tok, reflect.TypeFor[Vulnerability](), dec, "")
	}
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		if name, exact := match(key, knownTop); exact {
			v.hasModified = v.hasModified || key == "modified"
			if err := v.field(dec, name); err != nil {
				return err
			}
		} else {
			raw, err := unknownValue(dec, &v.Extra, key)
			if err != nil {
				return err
			}
			if name != "" {
				if err := v.field(json.NewDecoder(bytes.NewReader(raw)), name); err != nil {
					return err
				}
			}
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return err
	}
	return trailing(dec, b)
}

// field decodes the next value of dec into the field of v named name.
func (v *Vulnerability) field(dec *json.Decoder, name string) error {
	var p any
	switch name {
	case "schema_version":
		p = &v.SchemaVersion
	case "id":
		p = &v.ID
	case "modified":
		p = &v.Modified
	case "published":
		p = &v.Published
	case "withdrawn":
		p = &v.Withdrawn
	case "aliases":
		p = &v.Aliases
	case "related":
		p = &v.Related
	case "upstream":
		p = &v.Upstream
	case "summary":
		p = &v.Summary
	case "details":
		p = &v.Details
	case "severity":
		p = &v.Severity
	case "affected":
		return decodeAffectedList(dec, &v.Affected)
	case "references":
		p = &v.References
	case "credits":
		p = &v.Credits
	case "database_specific":
		p = &v.DatabaseSpecific
	}
	return dec.Decode(p)
}

// decodeAffectedList decodes the next value of dec into *s as encoding/json decodes an
// array into a slice whose elements have an UnmarshalJSON method.
func decodeAffectedList(dec *json.Decoder, s *[]Affected) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		*s = nil
		return nil
	case json.Delim('['):
	default:
		return typeError(tok, reflect.TypeFor[[]Affected](), dec, "affected")
	}
	list := (*s)[:0]
	for dec.More() {
		var a Affected
		if err := a.decode(dec); err != nil {
			return err
		}
		list = append(list, a)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return err
	}
	if list == nil {
		list = []Affected{}
	}
	*s = list
	return nil
}

// decode decodes the next value of dec into a, which is zero.
func (a *Affected) decode(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('{'):
	default:
		return typeError(tok, reflect.TypeFor[Affected](), dec, "affected")
	}
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		if name, exact := match(key, knownAffected); exact {
			if err := a.field(dec, name); err != nil {
				return err
			}
		} else {
			raw, err := unknownValue(dec, &a.Extra, key)
			if err != nil {
				return err
			}
			if name != "" {
				if err := a.field(json.NewDecoder(bytes.NewReader(raw)), name); err != nil {
					return err
				}
			}
		}
	}
	_, err = dec.Token() // '}'
	return err
}

// field decodes the next value of dec into the field of a named name.
func (a *Affected) field(dec *json.Decoder, name string) error {
	var p any
	switch name {
	case "package":
		p = &a.Package
	case "severity":
		p = &a.Severity
	case "ranges":
		p = &a.Ranges
	case "versions":
		p = &a.Versions
	case "ecosystem_specific":
		p = &a.EcosystemSpecific
	case "database_specific":
		p = &a.DatabaseSpecific
	}
	return dec.Decode(p)
}

// objectKey reads the next key of an object.
func objectKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	key, ok := tok.(string)
	if !ok { // not reached: Token returns only strings in key position
		return "", &json.SyntaxError{}
	}
	return key, nil
}

// match returns the field of known that key selects in encoding/json (exact name first, then
// case-insensitive) and whether key is exactly that name.
func match(key string, known []string) (string, bool) {
	if slices.Contains(known, key) {
		return key, true
	}
	for _, k := range known {
		if strings.EqualFold(key, k) {
			return k, false
		}
	}
	return "", false
}

// unknownValue reads the next value of dec into (*extra)[key] and returns it.
func unknownValue(dec *json.Decoder, extra *map[string]json.RawMessage, key string) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if *extra == nil {
		*extra = make(map[string]json.RawMessage)
	}
	(*extra)[key] = raw
	return raw, nil
}

// trailing fails if anything but white space follows the value dec has read from b.
func trailing(dec *json.Decoder, b []byte) error {
	off := dec.InputOffset()
	for _, c := range b[off:] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			// Report the syntax error encoding/json reports.
			var raw json.RawMessage
			if err := json.Unmarshal(b, &raw); err != nil {
				return err
			}
			return &json.SyntaxError{Offset: off}
		}
	}
	return nil
}

// typeError describes a value of the wrong JSON type, as encoding/json would.
func typeError(tok json.Token, t reflect.Type, dec *json.Decoder, field string) error {
	var what string
	switch tok.(type) {
	case json.Delim:
		what = "array"
		if tok == json.Delim('{') {
			what = "object"
		}
	case string:
		what = "string"
	case bool:
		what = "bool"
	default:
		what = "number"
	}
	return &json.UnmarshalTypeError{Value: what, Type: t, Offset: dec.InputOffset(), Field: field}
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
