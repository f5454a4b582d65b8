package report

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

func init() {
	Renderers["sarif"] = WriteSARIF
}

// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format,
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) as GitHub code scanning
// reads it (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
// Only the objects Hallmark writes are modelled.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is the tool's home page, written in SARIF and OpenVEX output.
	InformationURI = "https://github.com/hallmark-dev/hallmark"
	// fingerprintKey names Hallmark's partial fingerprint; the version suffix changes if the
	// way it is computed ever changes.
	fingerprintKey = "hallmarkFinding/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	// Properties carry what SARIF has no place for: the database and the targets.
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifMessage   `json:"shortDescription"`
	FullDescription      *sarifMessage  `json:"fullDescription,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	Help                 *sarifMessage  `json:"help,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Justification string         `json:"justification"`
	Properties    map[string]any `json:"properties,omitempty"`
}

// WriteSARIF writes the result as a SARIF 2.1.0 log with one run: one rule per advisory (with
// GitHub's security-severity property), one result per finding, located at the lockfile or
// package database line where the package was found. Ignored findings carry an external,
// accepted suppression with the ignore file's reason, and findings a VEX statement says are
// not_affected or fixed one with the statement (also in the "vex" property, which affected
// and under_investigation statements set too), so that code scanning shows them as
// dismissed; file errors, packages that could not be checked and expired ignore entries are
// tool notifications. The output is deterministic, and written as it is encoded: the rules
// and results in chunks, on all cores, none of it held whole in memory.
//
// Location URIs are the paths of the inventory, relative to the scanned target's root: scan
// the repository root for code scanning to place the alerts on the right files. A finding
// whose package has no location (a package from an SBOM input) is located at the target when
// that is a file.
func WriteSARIF(w io.Writer, r *Result) error {
	p := sarifPartsOf(r)
	var head bytes.Buffer
	if err := encodeIndented(&head, p.log, ""); err != nil {
		return err
	}
	// "rules" is the only key of the objects at the driver's depth (the run's invocations and
	// properties hold none), and "results" the only one among the run's members.
	rules := &jsonList{indent: strings.Repeat("  ", 5), name: "rules", n: len(p.rules), encode: func(i int, enc *json.Encoder) error {
		rule := sarifRuleOf(p.rules[i])
		return enc.Encode(&rule)
	}}
	results := &jsonList{indent: strings.Repeat("  ", 3), name: "results", n: len(p.findings), encode: func(i int, enc *json.Encoder) error {
		res := sarifResultOf(r, p.findings[i], p.index[p.findings[i].ID])
		return enc.Encode(&res)
	}}
	return writeLists(w, head.Bytes(), []*jsonList{rules, results})
}

// sarifParts is a SARIF log in parts: the log with its two long lists, the run's rules and
// results, left empty, and what those lists are made of, each element as it is written.
type sarifParts struct {
	log sarifLog
	// rules are the findings the rules are made of (sarifRuleOf), in order; findings the
	// findings, in order, each a result (sarifResultOf) of the rule index[ID].
	rules, findings []*Finding
	index           map[string]int
}

// sarifPartsOf returns the result's SARIF log in parts.
func sarifPartsOf(r *Result) sarifParts {
	findings := sortedFindings(r.Findings)
	rules, index := sarifRules(findings)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: cmp.Or(r.Tool.Name, "hallmark"), Version: r.Tool.Version,
			InformationURI: InformationURI, Rules: []sarifRule{},
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, ToolExecutionNotifications: sarifNotifications(r)}},
		Results:     []sarifResult{},
		Properties: map[string]any{
			"schema":   Schema,
			"targets":  nonNil(r.Targets),
			"database": r.Database,
			"partial":  len(r.Errors) > 0,
		},
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
	return sarifParts{log: log, rules: rules, findings: findings, index: index}
}

// sortedFindings returns the findings in a fixed order independent of the result's: by ID,
// package, version, reference and first location. It points into fs rather than copying it.
func sortedFindings(fs []Finding) []*Finding {
	out := make([]*Finding, len(fs))
	for i := range fs {
		out[i] = &fs[i]
	}
	slices.SortStableFunc(out, func(a, b *Finding) int {
		return cmp.Or(
			strings.Compare(a.ID, b.ID),
			strings.Compare(a.Package.Ecosystem, b.Package.Ecosystem),
			strings.Compare(a.Package.Name, b.Package.Name),
			strings.Compare(a.Package.Version, b.Package.Version),
			strings.Compare(a.Package.PURL, b.Package.PURL),
			strings.Compare(a.Package.Ref, b.Package.Ref),
			strings.Compare(firstLocation(a), firstLocation(b)),
		)
	})
	return out
}

func firstLocation(f *Finding) string {
	if len(f.Locations) == 0 {
		return ""
	}
	return f.Locations[0].String()
}

// sarifLevel maps a severity level to a SARIF result level.
func sarifLevel(level string) string {
	switch level {
	case "critical", "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's "security-severity" rule property: the CVSS score, or a score
// inside the level's band when the advisories give only a label (GitHub rates 9.0+ critical,
// 7.0+ high, 4.0+ medium, above 0 low). It is "" when the severity is unknown.
func securitySeverity(s Severity) string {
	if s.Score > 0 {
		return strconv.FormatFloat(s.Score, 'f', 1, 64)
	}
	switch s.Level {
	case "critical":
		return "9.0"
	case "high":
		return "7.0"
	case "medium":
		return "4.0"
	case "low":
		return "0.1"
	}
	return ""
}

// sarifRules picks one finding per advisory ID, the one of highest severity, from which the
// ID's rule is made (sarifRule): the findings in the rules' order (by ID), and the index of
// each ID's rule.
func sarifRules(findings []*Finding) ([]*Finding, map[string]int) {
	best := map[string]*Finding{}
	var ids []string
	for _, f := range findings {
		b, ok := best[f.ID]
		if !ok {
			ids = append(ids, f.ID)
		}
		if !ok || LevelRank(f.Severity.Level) > LevelRank(b.Severity.Level) ||
			f.Severity.Level == b.Severity.Level && f.Severity.Score > b.Severity.Score {
			best[f.ID] = f
		}
	}
	slices.Sort(ids)
	rules := make([]*Finding, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		rules[i] = best[id]
		index[id] = i
	}
	return rules, index
}

// sarifRuleOf makes the rule of the finding's advisory ID.
func sarifRuleOf(f *Finding) sarifRule {
	short := f.Summary
	if short == "" {
		short = fmt.Sprintf("%s: vulnerability in %s", f.ID, f.Package.Name)
	}
	props := map[string]any{
		"tags":       []string{"security", "vulnerability", "dependency"},
		"advisories": nonNil(f.Advisories),
		"aliases":    nonNil(f.Aliases),
	}
	if ss := securitySeverity(f.Severity); ss != "" {
		props["security-severity"] = ss
	}
	if f.Severity.Vector != "" {
		props["severity-vector"] = f.Severity.Vector
	}
	text, markdown := ruleHelp(f)
	return sarifRule{
		ID:                   f.ID,
		Name:                 ruleName(f.ID),
		ShortDescription:     sarifMessage{Text: truncate(short, 1024)},
		FullDescription:      &sarifMessage{Text: short},
		HelpURI:              f.URL,
		Help:                 &sarifMessage{Text: text, Markdown: markdown},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity.Level)},
		Properties:           props,
	}
}

// ruleName is the rule's identifier-like name: the ID without punctuation, in camel case
// ("GHSA-35jh-r3h4-6jhm" → "Ghsa35jhR3h46jhm"), as SARIF suggests for rule names.
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if upper && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteRune(c)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}

func ruleHelp(f *Finding) (text, markdown string) {
	var others []string
	for _, id := range append(append([]string{}, f.Advisories...), f.Aliases...) {
		if id != f.ID {
			others = append(others, id)
		}
	}
	names := strings.Join(others, ", ")
	text = f.ID
	if f.Summary != "" {
		text += ": " + f.Summary
	}
	markdown = "**" + f.ID + "**"
	if f.Summary != "" {
		markdown += ": " + md(f.Summary)
	}
	if names != "" {
		text += "\nAlso known as: " + names
		markdown += "\n\nAlso known as: " + md(names)
	}
	if f.URL != "" {
		text += "\n" + f.URL
		markdown += "\n\n[" + f.ID + "](" + f.URL + ")"
	}
	return text, markdown
}

// fixAdvice is the remediation sentence shared by the SARIF, CycloneDX and OpenVEX output.
func fixAdvice(f *Finding) string {
	if f.Advice != "" {
		return fmt.Sprintf("Upgrade %s to %s or later.", f.Package.Name, f.Advice)
	}
	return fmt.Sprintf("No fixed version is known; remove or replace %s, or mitigate the vulnerability.", f.Package.Name)
}

func sarifResultOf(r *Result, f *Finding, ruleIndex int) sarifResult {
	msg := fmt.Sprintf("%s %s (%s) is affected by %s", f.Package.Name, f.Package.Version, f.Package.Ecosystem, f.ID)
	if len(f.Aliases) > 0 {
		msg += " (" + strings.Join(f.Aliases, ", ") + ")"
	}
	if f.Summary != "" {
		msg += ": " + strings.TrimSuffix(strings.Join(strings.Fields(f.Summary), " "), ".")
	}
	msg += ". " + fixAdvice(f)
	if len(f.Via) > 0 {
		msg += " Brought in by " + strings.Join(f.Via, ", ") + "."
	}
	res := sarifResult{
		RuleID:    f.ID,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity.Level),
		Message:   sarifMessage{Text: msg},
		Locations: sarifLocations(r, f),
		PartialFingerprints: map[string]string{
			fingerprintKey: fingerprint(f),
		},
		Suppressions: []sarifSuppression{},
		Properties: map[string]any{
			"package":       f.Package,
			"severity":      f.Severity,
			"fixedVersions": nonNil(f.FixedVersions),
		},
	}
	if f.Advice != "" {
		res.Properties["advice"] = f.Advice
	}
	if f.Relation != "" {
		res.Properties["relation"] = f.Relation
	}
	if f.Scope != "" {
		res.Properties["scope"] = f.Scope
	}
	if len(f.Via) > 0 {
		res.Properties["via"] = f.Via
	}
	if ig := f.Ignored; ig != nil {
		s := sarifSuppression{Kind: "external", Status: "accepted", Justification: ig.Reason, Properties: map[string]any{}}
		if ig.Expires != "" {
			s.Properties["expires"] = ig.Expires
		}
		if ig.Source != "" {
			s.Properties["source"] = ig.Source
		}
		if ig.ID != "" {
			s.Properties["ignoreId"] = ig.ID
		}
		res.Suppressions = append(res.Suppressions, s)
	}
	if v := f.VEX; v != nil {
		res.Properties["vex"] = v
		if f.Suppressed() {
			res.Suppressions = append(res.Suppressions, sarifSuppression{
				Kind: "external", Status: "accepted", Justification: vexJustification(v),
			})
		}
	}
	return res
}

// vexJustification is the sentence a suppression by a VEX statement carries: the status, the
// justification and statements, and the document.
func vexJustification(v *VEXStatement) string {
	s := "VEX: " + v.Status
	if v.Justification != "" {
		s += " (" + v.Justification + ")"
	}
	for _, t := range []string{v.ImpactStatement, v.StatusNotes} {
		if t != "" {
			s += ": " + strings.TrimSpace(t)
			break
		}
	}
	s += " [" + v.Document
	if v.Statement != "" {
		s += " " + v.Statement
	}
	return s + "]"
}

// fingerprint identifies a finding across runs: the advisory, the package and version, and
// the file it was found in, but not the line (which moves when the file is edited).
func fingerprint(f *Finding) string {
	var paths []string
	for _, l := range f.Locations {
		paths = append(paths, l.Path)
	}
	slices.Sort(paths)
	h := sha256.New()
	for _, s := range append([]string{f.ID, f.Package.Ecosystem, f.Package.Name, f.Package.Version, f.Package.PURL}, paths...) {
		fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func sarifLocations(r *Result, f *Finding) []sarifLocation {
	var out []sarifLocation
	for _, l := range f.Locations {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(l.Path)}}}
		if l.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
		}
		if l.Layer != "" {
			loc.Properties = map[string]any{"layer": l.Layer}
		}
		out = append(out, loc)
	}
	if len(out) == 0 && len(r.Targets) > 0 && r.Targets[0].Kind != "directory" && r.Targets[0].Name != "" {
		out = append(out, sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(r.Targets[0].Name)}}})
	}
	return out
}

// fileURI makes a relative URI reference of a slash path, escaping what URIs do not allow.
func fileURI(p string) string {
	return (&url.URL{Path: p}).String()
}

func sarifNotifications(r *Result) []sarifNotification {
	var out []sarifNotification
	for _, e := range r.Errors {
		n := sarifNotification{Level: "warning", Message: sarifMessage{Text: "could not be read completely, the result is partial: " + e.String()}}
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(e.Path)}}}
		if e.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: e.Line}
		}
		n.Locations = []sarifLocation{loc}
		out = append(out, n)
	}
	for _, e := range r.ExpiredIgnores {
		out = append(out, sarifNotification{Level: "warning", Message: sarifMessage{
			Text: fmt.Sprintf("ignore entry %s expired on %s (%s): it no longer applies", e.ID, e.Expires, e.Source)}})
	}
	for _, u := range r.Unmatched {
		name := u.Package.Name
		if u.Package.Version != "" {
			name += "@" + u.Package.Version
		}
		out = append(out, sarifNotification{Level: "note", Message: sarifMessage{
			Text: fmt.Sprintf("%s could not be checked: %s", name, u.Reason)}})
	}
	return out
}
