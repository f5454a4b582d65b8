// Package policy evaluates policies written in Rego (the Open Policy Agent language) over the
// evidence Hallmark gathers about an artifact: its targets and digests, an inventory summary,
// the scan's findings with their VEX status, reachability, severity, age and fix
// availability, verified attestations, and ignore entries with their expiry.
//
// A policy is a Rego file, or a directory of them, in package hallmark, whose rules deny and
// warn are sets of messages (strings, or objects with a "msg" member). Files ending in
// _test.rego are tests and are not loaded for evaluation. Data files named data.json,
// data.yaml or data.yml in a policy directory, and the files given to Load as data, are
// merged into the data document, which is how the library in policy/library is configured.
//
// The input is the evidence document "hallmark.evidence/v1" (see Document, Evidence and JSONSchema).
package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"gopkg.in/yaml.v3"
)

// Limits on what a policy may load.
const (
	// MaxPolicyBytes bounds the total size of a policy's Rego and data files.
	MaxPolicyBytes = 16 << 20
	// MaxPolicyFiles bounds the number of Rego and data files of a policy.
	MaxPolicyFiles = 1000
	// MaxEvidenceSize bounds an evidence document read by ReadEvidence.
	MaxEvidenceSize = 1 << 30
)

// Package is the Rego package a policy's rules live in.
const Package = "hallmark"

// ErrNoPolicy means the policy path holds no Rego file in package hallmark.
var ErrNoPolicy = errors.New("no Rego module in package " + Package)

// Policy is a compiled policy, ready to evaluate many times.
type Policy struct {
	// Files are the Rego and data files loaded, in order.
	Files []string
	query rego.PreparedEvalQuery
}

// Decision is the outcome of evaluating a policy: every deny and warn message, sorted.
type Decision struct {
	Deny []string `json:"deny"`
	Warn []string `json:"warn"`
}

// Denied reports whether the policy denies.
func (d *Decision) Denied() bool { return len(d.Deny) > 0 }

// Load reads and compiles the policy at path (a .rego file or a directory, searched
// recursively) with the data files dataFiles (JSON or YAML objects merged into data).
// Compile errors name the file and line.
func Load(ctx context.Context, path string, dataFiles ...string) (*Policy, error) {
	var files []string
	var total int64
	add := func(p string, size int64) error {
		files = append(files, p)
		total += size
		if len(files) > MaxPolicyFiles {
			return fmt.Errorf("policy %s: more than %d files", path, MaxPolicyFiles)
		}
		if total > MaxPolicyBytes {
			return fmt.Errorf("policy %s: larger than %d bytes", path, MaxPolicyBytes)
		}
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if !st.IsDir() {
		if err := add(path, st.Size()); err != nil {
			return nil, err
		}
	} else {
		root, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != path && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !isPolicyFile(d.Name()) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				// Followed only within the policy directory; skipping it silently would
				// drop its rules, and a deny rule dropped is a policy that passes.
				target, err := symlinkWithin(root, p)
				if err != nil {
					return err
				}
				info, err := os.Stat(target)
				if err != nil {
					return err
				}
				if !info.Mode().IsRegular() {
					return fmt.Errorf("%s: not a regular file", p)
				}
				return add(p, info.Size())
			}
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s: not a regular file", p)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return add(p, info.Size())
		})
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
	}
	for _, p := range dataFiles {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("policy data: %w", err)
		}
		if err := add(p, st.Size()); err != nil {
			return nil, err
		}
	}

	var modules []*ast.Module
	data := map[string]any{}
	hasPackage := false
	for _, p := range files {
		src, err := readLimited(p, MaxPolicyBytes)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		if strings.HasSuffix(p, ".rego") {
			m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				return nil, compileError(err)
			}
			if m.Package.Path.String() == "data."+Package {
				hasPackage = true
			}
			modules = append(modules, m)
			continue
		}
		doc, err := readData(p, src)
		if err != nil {
			return nil, err
		}
		if err := merge(data, doc, ""); err != nil {
			return nil, fmt.Errorf("policy data %s: %w", p, err)
		}
	}
	if !hasPackage {
		return nil, fmt.Errorf("policy %s: %w (a policy declares 'package %s' and rules deny and warn)", path, ErrNoPolicy, Package)
	}
	opts := []func(*rego.Rego){
		rego.Query("deny := [x | x := data." + Package + ".deny]; warn := [x | x := data." + Package + ".warn]"),
		rego.Store(inmem.NewFromObject(data)),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StrictBuiltinErrors(false),
	}
	for _, m := range modules {
		opts = append(opts, rego.ParsedModule(m))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, compileError(err)
	}
	return &Policy{Files: files, query: pq}, nil
}

// symlinkWithin resolves the symbolic link p and returns its target, or an error when the
// target is outside root (the policy directory, its symbolic links resolved).
func symlinkWithin(root, p string) (string, error) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s: a symbolic link out of the policy directory (to %s)", p, target)
	}
	return target, nil
}

// isPolicyFile reports whether a file in a policy directory is loaded: Rego modules other than
// tests, and data files.
func isPolicyFile(name string) bool {
	switch name {
	case "data.json", "data.yaml", "data.yml":
		return true
	}
	return strings.HasSuffix(name, ".rego") && !strings.HasSuffix(name, "_test.rego")
}

func readLimited(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, limit)
	}
	return b, nil
}

// readData decodes a JSON or YAML data file, which must hold an object.
func readData(p string, src []byte) (map[string]any, error) {
	var doc any
	if strings.HasSuffix(p, ".json") {
		dec := json.NewDecoder(bytes.NewReader(src))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("policy data %s: %w", p, err)
		}
	} else {
		if err := yaml.Unmarshal(src, &doc); err != nil {
			return nil, fmt.Errorf("policy data %s: %w", p, err)
		}
		// YAML maps decode with string keys under yaml.v3 when every key is a string; a
		// JSON round trip checks that and normalises the types.
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("policy data %s: %w", p, err)
		}
		doc = nil
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("policy data %s: %w", p, err)
		}
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy data %s: not an object", p)
	}
	return m, nil
}

// merge merges src into dst; objects merge member by member, anything else conflicts.
func merge(dst, src map[string]any, at string) error {
	for k, v := range src {
		old, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("data.%s%s is set twice", at, k)
		}
		if err := merge(om, nm, at+k+"."); err != nil {
			return err
		}
	}
	return nil
}

// compileError formats Rego parse and compile errors one per line as FILE:LINE: message.
func compileError(err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return fmt.Errorf("policy: %w", err)
	}
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		loc := "policy"
		if e.Location != nil {
			loc = fmt.Sprintf("%s:%d", e.Location.File, e.Location.Row)
		}
		lines = append(lines, fmt.Sprintf("%s: %s", loc, e.Message))
	}
	return fmt.Errorf("policy does not compile:\n  %s", strings.Join(lines, "\n  "))
}

// Eval evaluates the policy over ev.
func (p *Policy) Eval(ctx context.Context, ev *Document) (*Decision, error) {
	input, err := Input(ev)
	if err != nil {
		return nil, err
	}
	return p.EvalInput(ctx, input)
}

// EvalInput evaluates the policy over an input made by Input.
func (p *Policy) EvalInput(ctx context.Context, input ast.Value) (*Decision, error) {
	rs, err := p.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluating the policy: %w", err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("evaluating the policy: %d results", len(rs))
	}
	d := &Decision{Deny: []string{}, Warn: []string{}}
	for _, rule := range []string{"deny", "warn"} {
		vals, _ := rs[0].Bindings[rule].([]any)
		var msgs []string
		for _, v := range vals { // zero or one value: the rule's
			m, err := messages(rule, v)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m...)
		}
		sort.Strings(msgs)
		msgs = slices.Compact(msgs)
		if rule == "deny" {
			d.Deny = append(d.Deny, msgs...)
		} else {
			d.Warn = append(d.Warn, msgs...)
		}
	}
	return d, nil
}

// messages reads the value of a deny or warn rule: a set (or array) of strings or of
// objects with a string "msg".
func messages(rule string, v any) ([]string, error) {
	items, ok := v.([]any) // sets and arrays both come back as []any
	if !ok {
		return nil, fmt.Errorf("policy: %s.%s is %T, want a set of messages (deny contains msg if { ... })", Package, rule, v)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		switch it := it.(type) {
		case string:
			out = append(out, it)
		case map[string]any:
			msg, ok := it["msg"].(string)
			if !ok {
				return nil, fmt.Errorf("policy: %s.%s has an object without a string \"msg\"", Package, rule)
			}
			out = append(out, msg)
		default:
			return nil, fmt.Errorf("policy: %s.%s has a %T, want a string or an object with \"msg\"", Package, rule, it)
		}
	}
	return out, nil
}

// ReadEvidence reads an evidence document, checking its schema name.
func ReadEvidence(r io.Reader) (*Document, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxEvidenceSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	if len(b) > MaxEvidenceSize {
		return nil, fmt.Errorf("reading evidence: larger than %d bytes", MaxEvidenceSize)
	}
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	if head.Schema != EvidenceSchema {
		return nil, fmt.Errorf("reading evidence: schema %q, want %q", head.Schema, EvidenceSchema)
	}
	var ev Document
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("reading evidence: %w", err)
	}
	return &ev, nil
}

// WriteEvidence writes ev as indented JSON.
func WriteEvidence(w io.Writer, ev *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(ev)
}
