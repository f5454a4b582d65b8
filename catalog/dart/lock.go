package dart

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Property keys set on packages.
const (
	PropSource     = "hallmark:pub:source"      // hosted, git, path or sdk
	PropDependency = "hallmark:pub:dependency"  // the dependency field as written
	PropURL        = "hallmark:pub:url"         // hosted repository
	PropPath       = "hallmark:pub:path"        // path packages: directory; git: path in the repository
	PropSDK        = "hallmark:pub:sdk"         // SDK packages: the SDK (flutter, dart)
	PropSDKPrefix  = "hallmark:pub:sdk-"        // sdks constraints, "hallmark:pub:sdk-dart"
	PropLockedName = "hallmark:pub:hosted-name" // hosted name when it differs from the key
	// PropSDKLocked is the version the lock file records for an SDK package: the one its
	// pubspec in the SDK declares ("0.0.0" for flutter, "0.0.99" for sky_engine).
	PropSDKLocked = "hallmark:pub:sdk-locked-version"
)

// LockCataloger reads pubspec.lock files.
//
// SDK packages (source: sdk; flutter, flutter_test, sky_engine, …) come with the SDK named by
// their description, and the version pub locks for them is whatever their pubspec inside the
// SDK declares (pub's SdkSource reads it from there): a placeholder such as "0.0.0" (flutter)
// or "0.0.99" (sky_engine), not a release of the package. They are reported without a version,
// unresolved, with the SDK's constraint from the sdks section when there is one; the locked
// placeholder is kept in the property PropSDKLocked.
type LockCataloger struct{}

var (
	_ catalog.Cataloger      = (*LockCataloger)(nil)
	_ catalog.RelatedMatcher = (*LockCataloger)(nil)
)

// Name returns "pubspec-lock".
func (*LockCataloger) Name() string { return "pubspec-lock" }

// Match accepts regular files named pubspec.lock.
func (*LockCataloger) Match(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "pubspec.lock"
}

// Related accepts pubspec.yaml, read for the project's name.
func (*LockCataloger) Related(p string, mode fs.FileMode) bool {
	return mode.IsRegular() && path.Base(p) == "pubspec.yaml"
}

// maxSDKs bounds the sdks section. Real lock files name one or two SDKs (dart, flutter); the
// constraints may be copied to every package, so a hostile list must not be long.
const maxSDKs = 64

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlError converts a yaml.v3 error to a *catalog.ParseError at the line it names.
func yamlError(p string, err error) error {
	line := 0
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return catalog.Errorf(p, line, "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// Catalog parses one pubspec.lock file.
func (c *LockCataloger) Catalog(ctx context.Context, f *catalog.File) (*catalog.Result, error) {
	data, err := f.ReadAll(catalog.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(f.Path, err)
	}
	top := document(&doc)
	if top == nil {
		return nil, catalog.Errorf(f.Path, 1, "not a pubspec.lock file: want a mapping with a packages key")
	}
	pkgsNode := lookup(top, "packages")
	if pkgsNode == nil || pkgsNode.Kind != yaml.MappingNode {
		return nil, catalog.Errorf(f.Path, top.Line, "not a pubspec.lock file: no packages mapping")
	}
	if len(pkgsNode.Content)/2 > catalog.MaxPackages {
		return nil, fmt.Errorf("%s: %w (more than %d packages)", f.Path, catalog.ErrTooLarge, catalog.MaxPackages)
	}
	sdks := map[string]string{}
	if s := lookup(top, "sdks"); s != nil && s.Kind == yaml.MappingNode {
		// Every package may carry every constraint (see below): bound them.
		if len(s.Content)/2 > maxSDKs {
			return nil, &catalog.ParseError{Path: f.Path, Line: s.Line,
				Err: fmt.Errorf("%w: more than %d SDK constraints", catalog.ErrTooLarge, maxSDKs)}
		}
		for i := 0; i+1 < len(s.Content); i += 2 {
			sdks[s.Content[i].Value] = scalar(s.Content[i+1])
		}
	}

	res := &catalog.Result{}
	var errs []error
	var direct []string
	seen := map[string]bool{}
	for i := 0; i+1 < len(pkgsNode.Content); i += 2 {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		key, val := pkgsNode.Content[i], pkgsNode.Content[i+1]
		p, err := c.pkg(f.Path, key, val, sdks)
		if err != nil {
			errs = append(errs, err)
		}
		if p == nil {
			continue
		}
		if seen[p.ID] {
			errs = append(errs, catalog.Errorf(f.Path, key.Line, "package %s is listed twice", p.Name))
			continue
		}
		seen[p.ID] = true
		res.Packages = append(res.Packages, p)
		if p.Relation == sbom.RelationDirect {
			direct = append(direct, p.ID)
		}
	}

	// The sdks constraints belong to the project; without a pubspec.yaml naming it, every
	// package carries them, as they bound every package's resolution.
	root := c.root(f, direct)
	holders := res.Packages
	if root != nil {
		res.Packages = append([]*sbom.Package{root}, res.Packages...)
		holders = res.Packages[:1]
	}
	for k, v := range sdks {
		for _, p := range holders {
			p.SetProperty(PropSDKPrefix+k, v)
		}
	}
	return res, errors.Join(errs...)
}

// pkg converts one entry of the packages mapping.
func (c *LockCataloger) pkg(file string, key, val *yaml.Node, sdks map[string]string) (*sbom.Package, error) {
	name := key.Value
	if key.Kind != yaml.ScalarNode || name == "" {
		return nil, catalog.Errorf(file, key.Line, "package key is not a name")
	}
	if val.Kind != yaml.MappingNode {
		return nil, catalog.Errorf(file, key.Line, "package %s: want a mapping with dependency, description, source and version", name)
	}
	p := &sbom.Package{
		ID: name, Name: name, Version: scalar(lookup(val, "version")), Ecosystem: sbom.EcosystemPub,
		FoundBy: c.Name(), Locations: []sbom.Location{{Path: file, Line: key.Line}},
	}
	var err error
	dep := scalar(lookup(val, "dependency"))
	p.SetProperty(PropDependency, dep)
	switch dep {
	case "direct main":
		p.Relation, p.Scope = sbom.RelationDirect, sbom.ScopeRuntime
	case "direct dev":
		p.Relation, p.Scope = sbom.RelationDirect, sbom.ScopeDev
	case "direct overridden":
		p.Relation = sbom.RelationDirect
	case "transitive":
		p.Relation = sbom.RelationTransitive
	}
	source := scalar(lookup(val, "source"))
	p.SetProperty(PropSource, source)
	desc := lookup(val, "description")
	switch source {
	case "hosted":
		p.SetProperty(PropURL, scalar(lookup(desc, "url")))
		if n := scalar(lookup(desc, "name")); n != "" && n != name {
			p.SetProperty(PropLockedName, n)
		}
		if h := scalar(lookup(desc, "sha256")); h != "" {
			if b, herr := hex.DecodeString(h); herr == nil && len(b) == 32 {
				p.Hashes = []sbom.Hash{{Algorithm: "SHA-256", Value: strings.ToLower(h)}}
			} else {
				err = catalog.Errorf(file, lookup(desc, "sha256").Line, "package %s: sha256 %q is not 64 hexadecimal digits", name, h)
			}
		}
	case "git":
		p.VCS = &sbom.VCS{
			Type: "git", URL: scalar(lookup(desc, "url")),
			Revision: scalar(lookup(desc, "resolved-ref")), Ref: scalar(lookup(desc, "ref")),
		}
		if gp := scalar(lookup(desc, "path")); gp != "." {
			p.SetProperty(PropPath, gp)
		}
	case "path":
		p.SetProperty(PropPath, scalar(lookup(desc, "path")))
	case "sdk":
		sdk := scalar(desc)
		p.SetProperty(PropSDK, sdk)
		if p.Version != "" {
			p.SetProperty(PropSDKLocked, p.Version)
		}
		p.Version, p.Unresolved, p.Constraint = "", true, sdks[sdk]
	}
	if p.Version == "" && !p.Unresolved {
		return nil, catalog.Errorf(file, key.Line, "package %s has no version", name)
	}
	p.PURL = sbom.PURL("pub", "", name, p.Version)
	return p, err
}

// root returns the application named by the pubspec.yaml beside the lock file, or nil.
func (c *LockCataloger) root(f *catalog.File, direct []string) *sbom.Package {
	specPath := path.Join(path.Dir(f.Path), "pubspec.yaml")
	data, err := catalog.ReadFileFS(f.FS, specPath, catalog.MaxManifestSize)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	top := document(&doc)
	nameNode := lookup(top, "name")
	name, version := scalar(nameNode), scalar(lookup(top, "version"))
	if name == "" {
		return nil
	}
	return &sbom.Package{
		ID: "pubspec.yaml", Type: sbom.TypeApplication, Name: name, Version: version,
		Ecosystem: sbom.EcosystemPub, PURL: sbom.PURL("pub", "", name, version), FoundBy: c.Name(),
		Locations: []sbom.Location{{Path: specPath, Line: nameNode.Line}}, DependsOn: direct,
	}
}

// document returns the top-level mapping of a YAML document, or nil.
func document(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalar returns the value of a scalar node, or "".
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}
