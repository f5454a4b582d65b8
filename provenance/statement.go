package provenance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// In-toto statement types (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).
// Version 0.1 statements are read; version 1 is written.
const (
	StatementTypeV1  = "https://in-toto.io/Statement/v1"
	StatementTypeV01 = "https://in-toto.io/Statement/v0.1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
)

// SLSA provenance predicate types.
const (
	PredicateSLSAV1 = "https://slsa.dev/provenance/v1"
	// PredicateSLSAV1Draft is what the GitHub SLSA generator wrote before SLSA 1.0 was final.
	PredicateSLSAV1Draft = "https://slsa.dev/provenance/v1.0?draft"
	PredicateSLSAV02     = "https://slsa.dev/provenance/v0.2"
)

// MaxPayloadSize bounds the DSSE payload (the statement) that is parsed.
const MaxPayloadSize = 16 << 20

// Statement is an in-toto attestation statement. The predicate is kept raw: its meaning
// depends on PredicateType.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     json.RawMessage      `json:"predicate,omitempty"`
}

// ResourceDescriptor names a software artifact by URI, name and digests
// (https://github.com/in-toto/attestation/blob/main/spec/v1/resource_descriptor.md).
// Content, downloadLocation and mediaType are not used by Hallmark and are not kept.
type ResourceDescriptor struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	Annotations map[string]any    `json:"annotations,omitempty"`
}

// ProvenanceV1 is the SLSA v1.0 provenance predicate (https://slsa.dev/spec/v1.0/provenance).
type ProvenanceV1 struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition is the inputs of a build: what ran and on what.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   map[string]any       `json:"externalParameters"`
	InternalParameters   map[string]any       `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
}

// RunDetails is what ran the build and when.
type RunDetails struct {
	Builder    Builder              `json:"builder"`
	Metadata   *BuildMetadata       `json:"metadata,omitempty"`
	Byproducts []ResourceDescriptor `json:"byproducts,omitempty"`
}

// Builder identifies the build platform.
type Builder struct {
	ID                  string               `json:"id"`
	Version             map[string]string    `json:"version,omitempty"`
	BuilderDependencies []ResourceDescriptor `json:"builderDependencies,omitempty"`
}

// BuildMetadata identifies one build and says when it ran.
type BuildMetadata struct {
	InvocationID string     `json:"invocationId,omitempty"`
	StartedOn    *time.Time `json:"startedOn,omitempty"`
	FinishedOn   *time.Time `json:"finishedOn,omitempty"`
}

// ProvenanceV02 is the SLSA v0.2 provenance predicate (https://slsa.dev/spec/v0.2/provenance);
// only the fields verification reads are kept.
type ProvenanceV02 struct {
	Builder    struct{ ID string } `json:"builder"`
	BuildType  string              `json:"buildType"`
	Invocation struct {
		ConfigSource struct {
			URI        string            `json:"uri"`
			Digest     map[string]string `json:"digest"`
			EntryPoint string            `json:"entryPoint"`
		} `json:"configSource"`
	} `json:"invocation"`
	Metadata *struct {
		BuildInvocationID string `json:"buildInvocationId"`
	} `json:"metadata"`
	Materials []ResourceDescriptor `json:"materials"`
}

// Source is the source repository a build says it used.
type Source struct {
	// URI is the repository as recorded ("git+https://github.com/o/r@refs/tags/v1").
	URI string `json:"uri"`
	// Repository is URI without the "git+" prefix and the "@ref" suffix.
	Repository string `json:"repository"`
	// Ref is the git ref ("refs/tags/v1"), when recorded.
	Ref string `json:"ref,omitempty"`
	// Commit is the git commit, when recorded (digest sha1 or gitCommit).
	Commit string `json:"commit,omitempty"`
	// From says where in the predicate the source was found.
	From string `json:"from"`
}

// Facts are what a provenance statement says, in one shape for every SLSA version.
type Facts struct {
	StatementType string `json:"statement_type"`
	PredicateType string `json:"predicate_type"`
	// SLSAVersion is "v1", "v1-draft" or "v0.2".
	SLSAVersion  string               `json:"slsa_version"`
	BuildType    string               `json:"build_type,omitempty"`
	BuilderID    string               `json:"builder_id,omitempty"`
	InvocationID string               `json:"invocation_id,omitempty"`
	Source       *Source              `json:"source,omitempty"`
	Subjects     []ResourceDescriptor `json:"subjects"`
	// Notes are oddities of the statement that did not stop verification.
	Notes []string `json:"notes,omitempty"`
}

// ParseStatement reads an in-toto statement carrying SLSA provenance and returns what it says.
// Errors wrap ErrNotProvenance.
func ParseStatement(payload []byte) (*Statement, *Facts, error) {
	if len(payload) > MaxPayloadSize {
		return nil, nil, fmt.Errorf("%w: the statement is %d bytes, more than the limit of %d", ErrNotProvenance, len(payload), MaxPayloadSize)
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, nil, fmt.Errorf("%w: the payload is not an in-toto statement: %v", ErrNotProvenance, err)
	}
	if st.Type != StatementTypeV1 && st.Type != StatementTypeV01 {
		return nil, nil, fmt.Errorf("%w: statement _type %q is not an in-toto statement (want %s)", ErrNotProvenance, st.Type, StatementTypeV1)
	}
	if len(st.Subject) == 0 {
		return nil, nil, fmt.Errorf("%w: the statement has no subject", ErrNotProvenance)
	}
	pred := bytes.TrimSpace(st.Predicate)
	if len(pred) == 0 || pred[0] != '{' {
		return nil, nil, fmt.Errorf("%w: the statement's predicate is not an object", ErrNotProvenance)
	}
	f := &Facts{StatementType: st.Type, PredicateType: st.PredicateType, Subjects: st.Subject}
	switch st.PredicateType {
	case PredicateSLSAV1, PredicateSLSAV1Draft:
		f.SLSAVersion = "v1"
		if st.PredicateType == PredicateSLSAV1Draft {
			f.SLSAVersion = "v1-draft"
		}
		if err := readV1(pred, f); err != nil {
			return nil, nil, err
		}
	case PredicateSLSAV02:
		f.SLSAVersion = "v0.2"
		if err := readV02(pred, f); err != nil {
			return nil, nil, err
		}
	case "":
		// The GitHub SLSA generator's early container-based builder (January 2023) wrote
		// the draft v1 build definition as the whole predicate and left predicateType empty.
		var draft BuildDefinition
		if err := json.Unmarshal(pred, &draft); err != nil || draft.BuildType == "" || draft.ExternalParameters == nil {
			return nil, nil, fmt.Errorf("%w: the statement has no predicateType (want %s or %s)", ErrNotProvenance, PredicateSLSAV1, PredicateSLSAV02)
		}
		f.SLSAVersion = "v1-draft"
		f.BuildType = draft.BuildType
		f.Source = sourceV1(draft.ExternalParameters, draft.ResolvedDependencies)
		f.Notes = append(f.Notes, "the statement has no predicateType; its predicate is read as an early SLSA v1 draft build definition (no builder ID in it)")
	default:
		return nil, nil, fmt.Errorf("%w: predicateType %q is not SLSA provenance (want %s or %s)", ErrNotProvenance, st.PredicateType, PredicateSLSAV1, PredicateSLSAV02)
	}
	return &st, f, nil
}

func readV1(pred []byte, f *Facts) error {
	var p ProvenanceV1
	if err := json.Unmarshal(pred, &p); err != nil {
		return fmt.Errorf("%w: malformed SLSA v1 predicate: %v", ErrNotProvenance, err)
	}
	if p.BuildDefinition.BuildType == "" {
		return fmt.Errorf("%w: SLSA v1 predicate without buildDefinition.buildType", ErrNotProvenance)
	}
	if p.RunDetails.Builder.ID == "" {
		return fmt.Errorf("%w: SLSA v1 predicate without runDetails.builder.id", ErrNotProvenance)
	}
	f.BuildType = p.BuildDefinition.BuildType
	f.BuilderID = p.RunDetails.Builder.ID
	if m := p.RunDetails.Metadata; m != nil {
		f.InvocationID = m.InvocationID
	}
	f.Source = sourceV1(p.BuildDefinition.ExternalParameters, p.BuildDefinition.ResolvedDependencies)
	return nil
}

func readV02(pred []byte, f *Facts) error {
	var p ProvenanceV02
	if err := json.Unmarshal(pred, &p); err != nil {
		return fmt.Errorf("%w: malformed SLSA v0.2 predicate: %v", ErrNotProvenance, err)
	}
	if p.Builder.ID == "" {
		return fmt.Errorf("%w: SLSA v0.2 predicate without builder.id", ErrNotProvenance)
	}
	if p.BuildType == "" {
		return fmt.Errorf("%w: SLSA v0.2 predicate without buildType", ErrNotProvenance)
	}
	f.BuildType = p.BuildType
	f.BuilderID = p.Builder.ID
	if p.Metadata != nil {
		f.InvocationID = p.Metadata.BuildInvocationID
	}
	if cs := p.Invocation.ConfigSource; cs.URI != "" {
		f.Source = newSource(cs.URI, cs.Digest, "invocation.configSource")
	} else if s := gitMaterial(p.Materials, "materials"); s != nil {
		f.Source = s
	}
	return nil
}

// sourceV1 finds the source repository in a v1 build definition. The build type decides
// where it is; the shapes known here are the GitHub Actions workflow build type
// (externalParameters.workflow), the SLSA generator's container-based and delegator builders
// and Hallmark's own (externalParameters.source, .source.artifact, .artifacts.source), and
// otherwise the first git dependency in resolvedDependencies.
func sourceV1(ext map[string]any, deps []ResourceDescriptor) *Source {
	if wf, ok := ext["workflow"].(map[string]any); ok {
		repo, _ := wf["repository"].(string)
		ref, _ := wf["ref"].(string)
		if repo != "" {
			s := &Source{URI: repo, Repository: trimGit(repo), Ref: ref, From: "externalParameters.workflow"}
			// The commit is in the resolved dependency of the same repository.
			if d := gitMaterial(deps, ""); d != nil && sameRepository(d.Repository, s.Repository) {
				s.Commit = d.Commit
			}
			return s
		}
	}
	for _, path := range [][]string{{"source"}, {"source", "artifact"}, {"artifacts", "source"}} {
		if s := descriptorAt(ext, path); s != nil {
			return s
		}
	}
	return gitMaterial(deps, "resolvedDependencies")
}

// descriptorAt reads a resource descriptor (or a bare URI string) at path in m.
func descriptorAt(m map[string]any, path []string) *Source {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	from := "externalParameters." + strings.Join(path, ".")
	switch v := v.(type) {
	case string:
		if v != "" {
			return newSource(v, nil, from)
		}
	case map[string]any:
		uri, _ := v["uri"].(string)
		if uri == "" {
			return nil
		}
		digest := map[string]string{}
		if d, ok := v["digest"].(map[string]any); ok {
			for k, x := range d {
				if s, ok := x.(string); ok {
					digest[k] = s
				}
			}
		}
		return newSource(uri, digest, from)
	}
	return nil
}

// gitMaterial is the first git source among deps.
func gitMaterial(deps []ResourceDescriptor, from string) *Source {
	for i, d := range deps {
		if strings.HasPrefix(d.URI, "git+") {
			return newSource(d.URI, d.Digest, fmt.Sprintf("%s[%d]", from, i))
		}
	}
	return nil
}

func newSource(uri string, digest map[string]string, from string) *Source {
	repo, ref := splitGitURI(uri)
	s := &Source{URI: uri, Repository: repo, Ref: ref, From: from}
	for _, alg := range []string{"gitCommit", "sha1", "sha256"} {
		if c := digest[alg]; c != "" {
			s.Commit = strings.ToLower(c)
			break
		}
	}
	return s
}

// splitGitURI splits "git+https://github.com/o/r@refs/heads/main" into the repository
// "https://github.com/o/r" and the ref "refs/heads/main". An "@" in the authority
// (ssh://git@host/…) is not a ref separator.
func splitGitURI(uri string) (repo, ref string) {
	u := trimGit(uri)
	pathStart := 0
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			pathStart = i + 3 + j
		} else {
			return u, ""
		}
	}
	if at := strings.LastIndexByte(u[pathStart:], '@'); at >= 0 {
		return u[:pathStart+at], u[pathStart+at+1:]
	}
	return u, ""
}

func trimGit(uri string) string { return strings.TrimPrefix(uri, "git+") }

// NormalizeRepository reduces a repository URI to host and path for comparison:
// "git+https://github.com/O/r.git@refs/heads/main", "https://github.com/O/r" and
// "github.com/O/r" all become "github.com/O/r". The host is lower-cased; the path is kept.
func NormalizeRepository(uri string) string {
	repo, _ := splitGitURI(uri)
	if i := strings.Index(repo, "://"); i >= 0 {
		repo = repo[i+3:]
	}
	host, path, _ := strings.Cut(repo, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	path = strings.TrimSuffix(strings.TrimSuffix(path, "/"), ".git")
	return strings.ToLower(host) + "/" + path
}

func sameRepository(a, b string) bool { return NormalizeRepository(a) == NormalizeRepository(b) }

// HasSubject reports whether the statement names an artifact with the sha256 digest hexDigest.
func (f *Facts) HasSubject(hexDigest string) bool {
	for _, s := range f.Subjects {
		if strings.EqualFold(s.Digest["sha256"], hexDigest) {
			return true
		}
	}
	return false
}

// subjectList describes the subjects for an error message, at most a few of them.
func (f *Facts) subjectList() string {
	var parts []string
	for i, s := range f.Subjects {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(f.Subjects)-5))
			break
		}
		algs := make([]string, 0, len(s.Digest))
		for a := range s.Digest {
			algs = append(algs, a)
		}
		sort.Strings(algs)
		d := ""
		if len(algs) > 0 {
			d = algs[0] + ":" + s.Digest[algs[0]]
			if s.Digest["sha256"] != "" {
				d = "sha256:" + s.Digest["sha256"]
			}
		}
		parts = append(parts, strings.TrimSpace(s.Name+" "+d))
	}
	return strings.Join(parts, ", ")
}
