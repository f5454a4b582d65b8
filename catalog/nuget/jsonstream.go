package nuget

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hallmark-dev/hallmark/catalog"
)

// stream walks a JSON document token by token so that object keys can be given their line.
type stream struct {
	file    string
	data    []byte
	dec     *json.Decoder
	keyLine int // line of the object key whose value is being read

	// line() counts newlines incrementally: lineOff is the offset up to which lineN lines
	// have been counted (decoder offsets only grow).
	lineOff int64
	lineN   int
}

// newStream checks that data is valid JSON, so that syntax errors are reported at their line
// (a Decoder's offsets are relative to the value it was reading), and returns a stream over it.
func newStream(file string, data []byte) (*stream, error) {
	if !json.Valid(data) {
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, catalog.Errorf(file, catalog.LineOf(data, se.Offset), "invalid JSON: %v", se)
		}
		return nil, catalog.Errorf(file, 0, "invalid JSON")
	}
	return &stream{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data))}, nil
}

// line returns the line of the decoder's current position.
func (s *stream) line() int {
	off := min(s.dec.InputOffset(), int64(len(s.data)))
	if off < s.lineOff {
		return catalog.LineOf(s.data, off)
	}
	s.lineN += bytes.Count(s.data[s.lineOff:off], []byte{'\n'})
	s.lineOff = off
	return s.lineN + 1
}

// err converts a decoding error to a *catalog.ParseError at its line.
func (s *stream) err(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return catalog.Errorf(s.file, s.line(), "invalid JSON: %v", se)
	case errors.As(err, &te):
		// te.Offset is relative to the value; the key's line is more useful.
		return catalog.Errorf(s.file, s.keyLine, "%s is a JSON %s, want %v", te.Field, te.Value, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return catalog.Errorf(s.file, s.line(), "unexpected end of JSON input")
	}
	var pe *catalog.ParseError
	if errors.As(err, &pe) {
		return err
	}
	return catalog.Errorf(s.file, s.line(), "%v", err)
}

// object walks the object that comes next, calling fn for each key with the key's line;
// fn must consume the value (decode or skip it).
func (s *stream) object(what string, fn func(key string, line int) error) error {
	tok, err := s.dec.Token()
	if err != nil {
		return s.err(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return catalog.Errorf(s.file, s.line(), "%s: want a JSON object, got %v", what, tokString(tok))
	}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return s.err(err)
		}
		key, ok := tok.(string)
		if !ok {
			return catalog.Errorf(s.file, s.line(), "%s: want a key", what)
		}
		s.keyLine = s.line()
		if err := fn(key, s.keyLine); err != nil {
			return err
		}
	}
	if _, err := s.dec.Token(); err != nil { // '}'
		return s.err(err)
	}
	return nil
}

// decode decodes the next value into v.
func (s *stream) decode(v any) error {
	if err := s.dec.Decode(v); err != nil {
		return s.err(err)
	}
	return nil
}

// skip consumes the next value.
func (s *stream) skip() error {
	var raw json.RawMessage
	return s.decode(&raw)
}

// end checks that nothing but white space follows the document.
func (s *stream) end() error {
	if _, err := s.dec.Token(); !errors.Is(err, io.EOF) {
		return catalog.Errorf(s.file, s.line(), "unexpected data after the JSON document")
	}
	return nil
}

func tokString(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", rune(t))
	case string:
		return fmt.Sprintf("string %q", t)
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", t)
	}
}
