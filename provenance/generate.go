package provenance

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/sbom"
)

// BuildTypeCommand is the SLSA buildType of provenance Hallmark writes for a command it ran.
// Its externalParameters are:
//
//	command           the program and its arguments, as run
//	workingDirectory  the directory the command ran in, as given
//	source            {uri: "git+<repository>@<ref>", digest: {gitCommit: <commit>}} when the
//	                  working directory is a git checkout; uncommittedChanges is true when the
//	                  checkout had changes git did not record
//
// and its internalParameters record how many inventory packages were found and how many were
// left out of resolvedDependencies.
const BuildTypeCommand = "https://hallmark.dev/provenance/command@v1"

// DefaultBuilderID is the builder ID of a build Hallmark ran on the local machine.
const DefaultBuilderID = "https://hallmark.dev/builder/local"

// MaxDependencies bounds the inventory packages listed in resolvedDependencies.
const MaxDependencies = 5000

// Build is what is known about a build that ran.
type Build struct {
	// BuilderID identifies the build platform; empty means DefaultBuilderID.
	BuilderID string
	// Command is the program and its arguments.
	Command []string
	// WorkDir is the working directory the command ran in.
	WorkDir string
	// Source is the git checkout the command ran in, if it was one.
	Source *GitSource
	// Dependencies are resolved dependencies other than the source (see Dependencies).
	Dependencies []ResourceDescriptor
	// InventoryPackages is how many packages the inventory found, of which
	// len(Dependencies) are listed.
	InventoryPackages int
	// InvocationID identifies this run (a random UUID).
	InvocationID string
	// Started and Finished are when the command started and ended.
	Started, Finished time.Time
	// Subjects are the build's outputs with their digests.
	Subjects []ResourceDescriptor
}

// GitSource is a git checkout.
type GitSource struct {
	// Repository is the remote's URL without credentials ("https://github.com/o/r"); a
	// checkout without a remote has its local path as a file:// URL.
	Repository string
	// Ref is the tag ("refs/tags/v1") or branch ("refs/heads/main") at HEAD, if any.
	Ref string
	// Commit is the full commit hash of HEAD.
	Commit string
	// Dirty is true when the work tree had uncommitted changes.
	Dirty bool
}

// URI is the source as an SPDX-style VCS locator, "git+<repository>@<ref>".
func (g *GitSource) URI() string {
	u := "git+" + g.Repository
	if g.Ref != "" {
		u += "@" + g.Ref
	}
	return u
}

// NewStatement builds the in-toto statement with the SLSA v1.0 provenance of b.
func NewStatement(b *Build) (*Statement, error) {
	if len(b.Subjects) == 0 {
		return nil, errors.New("provenance needs at least one subject")
	}
	for _, s := range b.Subjects {
		if len(s.Digest["sha256"]) != 64 {
			return nil, fmt.Errorf("subject %q has no sha256 digest", s.Name)
		}
	}
	if len(b.Command) == 0 {
		return nil, errors.New("provenance needs the command that ran")
	}
	builder := b.BuilderID
	if builder == "" {
		builder = DefaultBuilderID
	}
	ext := map[string]any{
		"command":          b.Command,
		"workingDirectory": b.WorkDir,
	}
	var deps []ResourceDescriptor
	if g := b.Source; g != nil {
		src := map[string]any{"uri": g.URI(), "digest": map[string]string{"gitCommit": g.Commit}}
		if g.Dirty {
			src["uncommittedChanges"] = true
		}
		ext["source"] = src
		deps = append(deps, ResourceDescriptor{URI: g.URI(), Digest: map[string]string{"gitCommit": g.Commit}})
	}
	deps = append(deps, b.Dependencies...)
	started, finished := b.Started.UTC(), b.Finished.UTC()
	p := ProvenanceV1{
		BuildDefinition: BuildDefinition{
			BuildType:          BuildTypeCommand,
			ExternalParameters: ext,
			InternalParameters: map[string]any{
				"inventoryPackages":   b.InventoryPackages,
				"dependenciesLeftOut": b.InventoryPackages - len(b.Dependencies),
			},
			ResolvedDependencies: deps,
		},
		RunDetails: RunDetails{
			Builder:  Builder{ID: builder},
			Metadata: &BuildMetadata{InvocationID: b.InvocationID, StartedOn: &started, FinishedOn: &finished},
		},
	}
	raw, err := marshal(p)
	if err != nil {
		return nil, err
	}
	return &Statement{Type: StatementTypeV1, Subject: b.Subjects, PredicateType: PredicateSLSAV1, Predicate: raw}, nil
}

// digestNames maps CycloneDX hash algorithm names to in-toto digest set names
// (https://github.com/in-toto/attestation/blob/main/spec/v1/digest_set.md).
var digestNames = map[string]string{
	"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
	"SHA3-256": "sha3_256", "SHA3-384": "sha3_384", "SHA3-512": "sha3_512",
}

// Dependencies lists an inventory's packages as resolved dependencies: the package URL as
// uri, "name@version" as name, and the digests the inventory knows. Packages without a
// package URL or an exact version are left out, and at most max are listed (in the
// inventory's order); it returns them and how many packages were considered.
func Dependencies(inv *sbom.Inventory, max int) ([]ResourceDescriptor, int) {
	if inv == nil {
		return nil, 0
	}
	var out []ResourceDescriptor
	n := 0
	for _, p := range inv.Packages {
		if p.PURL == "" || p.Version == "" || p.Type == sbom.TypeApplication {
			continue
		}
		n++
		if len(out) >= max {
			continue
		}
		d := ResourceDescriptor{Name: p.Name + "@" + p.Version, URI: p.PURL}
		for _, h := range p.Hashes {
			if name, ok := digestNames[strings.ToUpper(h.Algorithm)]; ok && h.Value != "" {
				if d.Digest == nil {
					d.Digest = map[string]string{}
				}
				d.Digest[name] = strings.ToLower(h.Value)
			}
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].URI < out[j].URI })
	return out, n
}

func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding provenance: %w", err)
	}
	return b, nil
}

// NewInvocationID returns a random (version 4) UUID for BuildMetadata.InvocationID.
func NewInvocationID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
