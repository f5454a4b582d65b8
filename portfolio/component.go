package portfolio

import (
	"database/sql"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// propOSEcosystem is the package property with an OS package's OSV ecosystem and release
// ("Debian:12"), as the catalogers write it and package match reads it.
const propOSEcosystem = "hallmark:os:ecosystem"

// comp is a component as stored: what package match needs to evaluate it again without the
// SBOM (see pkg), and what the API shows.
type comp struct {
	id, artifactID              int64
	ref, purl, typ              string
	eco, release, name, version string
	sourceName, sourceVersion   string
	vkey, sourceVKey            []byte
	vcsURL, vcsRevision         string
	direct                      bool
	locations                   []string
}

// compColumns are the columns compOf reads, in order, for table alias c.
const compColumns = `c.id, c.artifact_id, c.ref, c.purl, c.type, c.ecosystem, c.release, c.name, c.version,
	c.source_name, c.source_version, c.vkey, c.source_vkey, c.vcs_url, c.vcs_revision, c.direct, c.locations`

// scanComp reads a row of compColumns.
func scanComp(rows *sql.Rows) (*comp, error) {
	c := &comp{}
	var direct int64
	var locs string
	err := rows.Scan(&c.id, &c.artifactID, &c.ref, &c.purl, &c.typ, &c.eco, &c.release, &c.name, &c.version,
		&c.sourceName, &c.sourceVersion, &c.vkey, &c.sourceVKey, &c.vcsURL, &c.vcsRevision, &direct, &locs)
	if err != nil {
		return nil, err
	}
	c.direct = direct != 0
	if locs != "" {
		c.locations = strings.Split(locs, "\n")
	}
	return c, nil
}

// componentOf derives the stored form of an inventory package: the ecosystem, release and
// normalised name as package match looks them up (match.TargetsOf), and the version keys
// under the ecosystem's scheme (nil when the version does not parse).
func componentOf(p *sbom.Package, schemes match.SchemeFunc) *comp {
	c := &comp{ref: p.ID, purl: p.PURL, typ: string(p.Type), eco: p.Ecosystem, version: p.Version}
	if e := p.Properties[propOSEcosystem]; e != "" {
		c.eco, c.release = match.SplitEcosystem(e)
		c.release, _, _ = strings.Cut(c.release, ":")
	}
	c.name = match.NormalizeName(c.eco, p.Name)
	if p.SourceName != "" {
		c.sourceName = match.NormalizeName(c.eco, p.SourceName)
		c.sourceVersion = p.SourceVersion
	}
	if p.VCS != nil {
		c.vcsURL, c.vcsRevision = p.VCS.URL, p.VCS.Revision
	}
	for _, l := range p.Locations {
		c.locations = append(c.locations, l.String())
	}
	c.direct = p.Relation == sbom.RelationDirect
	c.keys(schemes)
	return c
}

// keys computes the version keys.
func (c *comp) keys(schemes match.SchemeFunc) {
	s, ok := schemes(c.eco, osv.RangeEcosystem)
	if !ok {
		return
	}
	c.vkey = vulndb.KeyOf(s, c.version)
	if c.sourceName != "" {
		c.sourceVKey = vulndb.KeyOf(s, cmpOr(c.sourceVersion, c.version))
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pkg is the package package match evaluates for the component: the same for an upload and
// for every later re-evaluation, so that the two always agree.
func (c *comp) pkg() *sbom.Package {
	p := &sbom.Package{ID: c.ref, Type: sbom.Type(c.typ), Name: c.name, Version: c.version, Ecosystem: c.eco,
		PURL: c.purl, SourceName: c.sourceName, SourceVersion: c.sourceVersion}
	if c.release != "" {
		p.Properties = map[string]string{propOSEcosystem: c.eco + ":" + c.release}
	}
	if c.vcsURL != "" || c.vcsRevision != "" {
		p.VCS = &sbom.VCS{Type: "git", URL: c.vcsURL, Revision: c.vcsRevision}
	}
	return p
}

// public is the component as the API shows it.
func (c *comp) public() Component {
	return Component{ID: c.id, ArtifactID: c.artifactID, Ref: c.ref, Purl: c.purl, Ecosystem: c.eco, Name: c.name,
		Version: c.version, Direct: c.direct, Locations: c.locations}
}

// found is one advisory matching one component.
type found struct {
	c        *comp
	advisory string
	aliases  []string
	summary  string
	severity string
	score    *float64
	fixed    []string
}

// evaluate decides with package match which of cands affect c, one finding per advisory
// (match.Group of that advisory's match gives its severity, fixed versions and summary).
// The operating system itself is not matched (as in package scan).
func evaluate(c *comp, cands []*osv.Vulnerability, schemes match.SchemeFunc) []found {
	if len(cands) == 0 || c.typ == string(sbom.TypeOS) {
		return nil
	}
	p := c.pkg()
	var out []found
	for _, m := range match.Evaluate(p, cands, schemes) {
		g := match.Group(p, []match.Match{m}, schemes)
		if len(g) == 0 {
			continue
		}
		f := g[0]
		fd := found{c: c, advisory: m.Advisory.ID, aliases: f.Aliases, summary: f.Summary, severity: f.Severity.Level.String(), fixed: f.Fixed}
		if f.Severity.Score > 0 {
			s := f.Severity.Score
			fd.score = &s
		}
		if fd.aliases == nil {
			fd.aliases = []string{}
		}
		out = append(out, fd)
	}
	slices.SortFunc(out, func(a, b found) int { return strings.Compare(a.advisory, b.advisory) })
	return out
}
