package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Input converts ev to the policy input, once, so that it can be evaluated by several
// policies or many times. The value is the one encoding ev as JSON and decoding it would
// give (TestInputMatchesJSON checks it), built directly from the Go values: going through
// JSON text costs more than evaluating the library on 10,000 findings.
func Input(ev *Document) (ast.Value, error) {
	t, err := toTerm(reflect.ValueOf(ev))
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	return t.Value, nil
}

var timeType = reflect.TypeFor[time.Time]()

// toTerm converts v the way encoding/json would encode it: json tags, omitempty and
// omitzero, embedded structs, nil slices as null. Types other than the ones the evidence
// uses (and time.Time) are encoded with encoding/json.
func toTerm(v reflect.Value) (*ast.Term, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.NullTerm(), nil
		}
		return toTerm(v.Elem())
	case reflect.String:
		return ast.InternedTerm(v.String()), nil
	case reflect.Bool:
		return ast.InternedTerm(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.InternedTerm(int(v.Int())), nil
	case reflect.Float64, reflect.Float32:
		// As encoding/json writes floats.
		f := v.Float()
		if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
			break
		}
		return ast.NumberTerm(json.Number(strconv.FormatFloat(f, 'f', -1, 64))), nil
	case reflect.Slice:
		if v.IsNil() {
			return ast.NullTerm(), nil
		}
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			e, err := toTerm(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = e
		}
		return ast.ArrayTerm(terms...), nil
	case reflect.Map:
		if v.IsNil() {
			return ast.NullTerm(), nil
		}
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		obj := ast.NewObject()
		iter := v.MapRange()
		for iter.Next() {
			e, err := toTerm(iter.Value())
			if err != nil {
				return nil, err
			}
			obj.Insert(ast.StringTerm(iter.Key().String()), e)
		}
		return ast.NewTerm(obj), nil
	case reflect.Struct:
		if v.Type() != timeType {
			return structValue(v)
		}
	}
	// Anything else (time.Time): through encoding/json.
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, err
	}
	x, err := ast.ValueFromReader(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(x), nil
}

func structValue(v reflect.Value) (*ast.Term, error) {
	fields := jsonFields(v.Type())
	terms := make([][2]*ast.Term, 0, len(fields))
	for _, f := range fields {
		fv := v.FieldByIndex(f.index)
		if f.omitEmpty && isEmpty(fv) || f.omitZero && fv.IsZero() {
			continue
		}
		e, err := toTerm(fv)
		if err != nil {
			return nil, err
		}
		terms = append(terms, [2]*ast.Term{f.key, e})
	}
	return ast.ObjectTerm(terms...), nil
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float64, reflect.Float32:
		return v.IsZero()
	}
	return false
}

type jsonField struct {
	key                 *ast.Term
	name                string
	index               []int
	depth               int
	omitEmpty, omitZero bool
}

var fieldCache sync.Map // reflect.Type → []jsonField

// jsonFields lists the members encoding/json writes for a struct type: exported fields by
// their tag names, fields of untagged embedded structs promoted, the shallowest field winning
// a name (fields with the same name at the same depth are not supported: the evidence types
// have none).
func jsonFields(t reflect.Type) []jsonField {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]jsonField)
	}
	var out []jsonField
	seen := map[string]int{} // name → index in out
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx, depth+1)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			f := jsonField{
				key: ast.StringTerm(name), name: name, index: idx, depth: depth,
				omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
				omitZero:  strings.Contains(","+opts+",", ",omitzero,"),
			}
			if j, ok := seen[name]; ok {
				if out[j].depth > depth {
					out[j] = f
				}
				continue
			}
			seen[name] = len(out)
			out = append(out, f)
		}
	}
	walk(t, nil, 0)
	fieldCache.Store(t, out)
	return out
}
