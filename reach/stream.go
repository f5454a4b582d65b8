package reach

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The govulncheck JSON stream (golang.org/x/vuln/internal/govulncheck, protocol v1.0.0): a
// sequence of messages, each with one of config, progress, SBOM, osv or finding set. Only the
// fields read here are declared.
type message struct {
	Config *struct {
		ProtocolVersion string `json:"protocol_version"`
		ScanMode        string `json:"scan_mode"`
		ScanLevel       string `json:"scan_level"`
	} `json:"config"`
	SBOM *struct {
		Modules []struct {
			Path    string `json:"path"`
			Version string `json:"version"`
		} `json:"modules"`
	} `json:"SBOM"`
	Finding *struct {
		OSV   string  `json:"osv"`
		Trace []frame `json:"trace"`
	} `json:"finding"`
}

// frame is one step of a finding's trace; the first is in the vulnerable module.
type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

// Levels of a govulncheck finding: how far the program reaches into the vulnerable module.
const (
	levelNone    = iota
	levelModule  // the module is required, no vulnerable package imported
	levelPackage // a vulnerable package is imported, no vulnerable symbol called
	levelSymbol  // a vulnerable symbol is called (source) or present (binary)
)

// vulnKey is one advisory in one module.
type vulnKey struct{ id, module string }

// outcome is what one govulncheck run says of each advisory.
type outcome struct {
	mode    string            // source or binary
	modules map[string]string // module path → version, from the SBOM message
	level   map[vulnKey]int
	reached map[vulnKey][]string // symbols reached, at levelSymbol
}

// parseStream reads govulncheck's JSON output.
func parseStream(r io.Reader) (*outcome, error) {
	o := &outcome{modules: map[string]string{}, level: map[vulnKey]int{}, reached: map[vulnKey][]string{}}
	dec := json.NewDecoder(r)
	sawConfig := false
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading govulncheck output: %w", err)
		}
		switch {
		case m.Config != nil:
			sawConfig = true
			o.mode = m.Config.ScanMode
		case m.SBOM != nil:
			for _, mod := range m.SBOM.Modules {
				o.modules[mod.Path] = mod.Version
			}
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			f := m.Finding.Trace[0]
			k := vulnKey{m.Finding.OSV, f.Module}
			lvl := levelModule
			switch {
			case f.Function != "":
				lvl = levelSymbol
				o.reached[k] = append(o.reached[k], f.symbol())
			case f.Package != "":
				lvl = levelPackage
			}
			o.level[k] = max(o.level[k], lvl)
		}
	}
	if !sawConfig {
		return nil, errors.New("reading govulncheck output: no config message")
	}
	for k, s := range o.reached {
		slices.Sort(s)
		o.reached[k] = slices.Compact(s)
	}
	return o, nil
}

// symbol names the frame's function as the Go database does: "pkg.Func" or "pkg.Type.Method".
func (f frame) symbol() string {
	s := f.Function
	if f.Receiver != "" {
		s = strings.TrimPrefix(f.Receiver, "*") + "." + s
	}
	if f.Package != "" {
		s = f.Package + "." + s
	}
	return s
}
