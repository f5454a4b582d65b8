package cyclonedx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/hallmark-dev/hallmark/catalog"
)

// The library decodes an empty bom-ref or ref like a missing one, and keeps only the last of
// repeated XML elements. These pre-scans of the raw document find what it would hide, and
// bound the nesting depth before the library builds anything.

// scanJSON checks the nesting depth of a JSON document and looks for empty references
// ("bom-ref": "" and "ref": ""). An unescaped quote always delimits a JSON string, so a key
// is recognised exactly.
func scanJSON(data []byte) error {
	depth, line := 0, 1
	inString, escaped := false, false
	start := 0 // of the current string, after its opening quote
	for i, c := range data {
		if c == '\n' {
			line++
		}
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if key := data[start:i]; (string(key) == "ref" || string(key) == "bom-ref") && emptyValue(data[i+1:]) {
					return invalidf("line %d: empty %q", line, key)
				}
			}
		case c == '"':
			inString, start = true, i+1
		case c == '{' || c == '[':
			depth++
			if depth > catalog.MaxDepth {
				return tooDeep(line)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// emptyValue reports whether rest starts with `: ""`, give or take white space.
func emptyValue(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(rest[1:], " \t\r\n"), []byte(`""`))
}

func tooDeep(line int) error {
	return fmt.Errorf("cyclonedx: line %d: %w (nested deeper than %d levels)", line, catalog.ErrTooLarge, catalog.MaxDepth)
}

// lineAt returns the 1-based line of byte offset off.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// scanXML checks the nesting depth of an XML document, looks for empty bom-ref and ref
// attributes, and for licenses with more than one id or name (allowed by CycloneDX 1.0 only).
func scanXML(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	type frame struct {
		local      string
		ids, names int
		isLicense  bool
	}
	var stack []frame
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			for _, a := range t.Attr {
				if (a.Name.Local == "bom-ref" || a.Name.Local == "ref") && a.Value == "" {
					return invalidf("line %d: <%s> has an empty %s attribute", line, t.Name.Local, a.Name.Local)
				}
			}
			if n := len(stack); n > 0 && stack[n-1].isLicense {
				switch t.Name.Local {
				case "id":
					stack[n-1].ids++
				case "name":
					stack[n-1].names++
				}
				if stack[n-1].ids+stack[n-1].names > 1 {
					return invalidf("line %d: a license has more than one id or name", line)
				}
			}
			isLicense := t.Name.Local == "license" && len(stack) > 0 && stack[len(stack)-1].local == "licenses"
			stack = append(stack, frame{local: t.Name.Local, isLicense: isLicense})
			if len(stack) > catalog.MaxDepth {
				return tooDeep(line)
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// xmlError turns an XML syntax error into an ErrInvalid error with its line.
func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return invalidf("line %d: malformed XML: %s", se.Line, se.Msg)
	}
	return invalidf("malformed XML: %v", err)
}

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}
