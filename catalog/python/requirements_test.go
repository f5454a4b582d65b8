package python

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

func TestRequirementsMatch(t *testing.T) {
	c := &RequirementsCataloger{}
	for p, want := range map[string]bool{
		"requirements.txt":              true,
		"app/requirements-dev.txt":      true,
		"app/requirements_test.txt":     true,
		"requirements.in":               true,
		"dev-requirements.txt":          true,
		"test_requirements.txt":         true,
		"requirements/base.txt":         true,
		"requirements/prod.in":          true,
		"constraints.txt":               false,
		"notes.txt":                     false,
		"requirements.txt.orig":         false,
		"requirements/README.md":        false,
		"src/requirementsparser.go":     false,
		"docs/requirements/index.rst":   false,
		"pkg/somerequirements.yaml.txt": false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	if c.Match("requirements.txt", 0o755|fs_ModeDir) {
		t.Error("Match accepts a directory")
	}
}

func TestRequirements(t *testing.T) {
	c := &RequirementsCataloger{}
	res := expect(t, c, "testdata/requirements", "app/requirements.txt", []row{
		{ID: "app/base.txt:2", Name: "certifi", Version: "2023.7.22", PURL: "pkg:pypi/certifi@2023.7.22", Loc: "app/base.txt:2"},
		{ID: "app/base.txt:4", Name: "urllib3", Version: "2.0.7", Constraint: "<3,>=1.21.1", PURL: "pkg:pypi/urllib3@2.0.7", Loc: "app/base.txt:4", Props: "constrained=app/constraints.txt:4"},
		{ID: "app/requirements.txt:12", Name: "requests", Constraint: ">=2.31.0", Unresolved: true, PURL: "pkg:pypi/requests", Loc: "app/requirements.txt:12", Props: "extras=socks,security markers=python_version >= \"3.8\""},
		{ID: "app/requirements.txt:13", Name: "flask", Version: "3.0.0", PURL: "pkg:pypi/flask@3.0.0", Loc: "app/requirements.txt:13", Props: "constrained=app/constraints.txt:2"},
		{ID: "app/requirements.txt:14", Name: "importlib-metadata", Version: "6.8.0", PURL: "pkg:pypi/importlib-metadata@6.8.0", Loc: "app/requirements.txt:14", Props: "markers=python_version < \"3.10\""},
		{ID: "app/requirements.txt:15", Name: "zope-interface", Version: "6.1", PURL: "pkg:pypi/zope-interface@6.1", Loc: "app/requirements.txt:15"},
		{ID: "app/requirements.txt:16", Name: "foo-bar-baz", Version: "1.0.post1", PURL: "pkg:pypi/foo-bar-baz@1.0.post1", Loc: "app/requirements.txt:16"},
		{ID: "app/requirements.txt:17", Name: "numpy", Version: "1.26.2", Constraint: ">=1.24,<2", PURL: "pkg:pypi/numpy@1.26.2", Loc: "app/requirements.txt:17", Props: "constrained=app/constraints.txt:3"},
		{ID: "app/requirements.txt:18", Name: "click", Unresolved: true, PURL: "pkg:pypi/click", Loc: "app/requirements.txt:18", VCS: "git https://github.com/pallets/click.git ref=8.1.7 rev=", Props: "editable=true"},
		{ID: "app/requirements.txt:19", Name: "black", Unresolved: true, PURL: "pkg:pypi/black", Loc: "app/requirements.txt:19", VCS: "git https://github.com/psf/black.git ref= rev=e87737140f32d3cd7c44ede75f02dcd58e55dcc9"},
		{ID: "app/requirements.txt:20", Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Loc: "app/requirements.txt:20", DownloadURL: "https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl"},
		{ID: "app/requirements.txt:21", Name: "local-pkg", Unresolved: true, PURL: "pkg:pypi/local-pkg", Loc: "app/requirements.txt:21", Props: "path=./libs/localpkg"},
		{ID: "app/requirements.txt:22", Name: "pydantic", Unresolved: true, PURL: "pkg:pypi/pydantic", Loc: "app/requirements.txt:22", DownloadURL: "https://github.com/pydantic/pydantic/archive/refs/tags/v2.5.2.tar.gz"},
		{ID: "app/requirements.txt:9", Name: "django", Version: "4.2.7", PURL: "pkg:pypi/django@4.2.7", Loc: "app/requirements.txt:9", Hashes: 2},
	})
	for _, p := range res.Packages {
		if p.Name == "django" {
			want := []sbom.Hash{
				{Algorithm: "SHA-256", Value: "8e0f1c2c2786b5c0e39fe1afce24c926040fad47c8ea8ad30aaf1188df29fc41"},
				{Algorithm: "SHA-256", Value: "e1d37c51ad26186de355cbcec16613ebdabfa9689bbade9c538835205a8abbe9"},
			}
			if diff := cmp.Diff(want, p.Hashes); diff != "" {
				t.Errorf("django hashes (-want +got):\n%s", diff)
			}
		}
		if p.FoundBy != "python-requirements" || p.Ecosystem != sbom.EcosystemPyPI {
			t.Errorf("%s: FoundBy %q, Ecosystem %q", p.Name, p.FoundBy, p.Ecosystem)
		}
	}
}

func TestRequirementsPipCompile(t *testing.T) {
	expect(t, &RequirementsCataloger{}, "testdata/requirements", "compiled/requirements.txt", []row{
		{ID: "compiled/requirements.txt:11", Name: "charset-normalizer", Version: "3.3.2", PURL: "pkg:pypi/charset-normalizer@3.3.2", Relation: sbom.RelationTransitive, Loc: "compiled/requirements.txt:11", Hashes: 1},
		{ID: "compiled/requirements.txt:14", Name: "idna", Version: "3.4", PURL: "pkg:pypi/idna@3.4", Relation: sbom.RelationTransitive, Loc: "compiled/requirements.txt:14", Hashes: 2},
		{ID: "compiled/requirements.txt:18", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Relation: sbom.RelationDirect, Loc: "compiled/requirements.txt:18", Hashes: 2,
			DependsOn: []string{"compiled/requirements.txt:11", "compiled/requirements.txt:14", "compiled/requirements.txt:22", "compiled/requirements.txt:7"}},
		{ID: "compiled/requirements.txt:22", Name: "urllib3", Version: "2.0.7", PURL: "pkg:pypi/urllib3@2.0.7", Relation: sbom.RelationTransitive, Loc: "compiled/requirements.txt:22", Hashes: 2},
		{ID: "compiled/requirements.txt:7", Name: "certifi", Version: "2023.7.22", PURL: "pkg:pypi/certifi@2023.7.22", Relation: sbom.RelationTransitive, Loc: "compiled/requirements.txt:7", Hashes: 2},
	})
	// requirements.in is the unpinned input: its requirement stays unresolved.
	expect(t, &RequirementsCataloger{}, "testdata/requirements", "compiled/requirements.in", []row{
		{ID: "compiled/requirements.in:1", Name: "requests", Unresolved: true, PURL: "pkg:pypi/requests", Loc: "compiled/requirements.in:1"},
	})
}

func TestRequirementsErrors(t *testing.T) {
	c := &RequirementsCataloger{}
	expect(t, c, "testdata/requirements", "bad/requirements.txt", []row{
		{ID: "bad/requirements.txt:1", Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Loc: "bad/requirements.txt:1"},
		{ID: "bad/requirements.txt:6", Name: "django", Version: "4.2.7", PURL: "pkg:pypi/django@4.2.7", Loc: "bad/requirements.txt:6"},
	},
		`bad/requirements.txt:2: invalid requirement "flask>>=2": invalid version specifier ">>=2"`,
		`bad/requirements.txt:3: invalid requirement "numpy[fast==1.0": unterminated extras list`,
		`bad/requirements.txt:4: -e needs a path or URL`,
		`bad/requirements.txt:5: cannot tell the project name of "git+https://example.com/"`)
	_, err := catalogtest.Run(t, c, "testdata/requirements", "bad/requirements.txt")
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || pe.Path != "bad/requirements.txt" || pe.Line != 2 {
		t.Errorf("first error = %#v, want a ParseError at bad/requirements.txt:2", pe)
	}

	expect(t, c, "testdata/requirements", "missing/requirements.txt", []row{
		{ID: "missing/requirements.txt:2", Name: "attrs", Version: "23.1.0", PURL: "pkg:pypi/attrs@23.1.0", Loc: "missing/requirements.txt:2"},
	}, "missing/requirements.txt:1: reading included file does-not-exist.txt", "remote requirement files are not fetched")
	_, err = catalogtest.Run(t, c, "testdata/requirements", "missing/requirements.txt")
	if !errors.Is(err, catalog.ErrUnsupported) {
		t.Errorf("remote include: %v, want ErrUnsupported", err)
	}
}

func TestRequirementsBytes(t *testing.T) {
	c := &RequirementsCataloger{}
	for _, tc := range []struct {
		name, in string
		want     []row
		err      string
	}{
		{"continuation and comment", "# c\nflask==\\\n3.0.0  # web\n", []row{
			{ID: "requirements.txt:2", Name: "flask", Version: "3.0.0", PURL: "pkg:pypi/flask@3.0.0", Loc: "requirements.txt:2"}}, ""},
		{"wildcard is not a pin", "django==4.2.*\n", []row{
			{ID: "requirements.txt:1", Name: "django", Constraint: "==4.2.*", Unresolved: true, PURL: "pkg:pypi/django", Loc: "requirements.txt:1"}}, ""},
		{"arbitrary equality", "foo===1.0-custom\n", []row{
			{ID: "requirements.txt:1", Name: "foo", Version: "1.0-custom", PURL: "pkg:pypi/foo@1.0-custom", Loc: "requirements.txt:1"}}, ""},
		{"crlf and bom", "\ufeffPyYAML==6.0.1\r\n", []row{
			{ID: "requirements.txt:1", Name: "pyyaml", Version: "6.0.1", PURL: "pkg:pypi/pyyaml@6.0.1", Loc: "requirements.txt:1"}}, ""},
		{"private index", "-i https://pypi.example.com/simple\nacme-lib==1.2\n", []row{
			{ID: "requirements.txt:2", Name: "acme-lib", Version: "1.2", PURL: "pkg:pypi/acme-lib@1.2?repository_url=https:%2F%2Fpypi.example.com%2Fsimple", Loc: "requirements.txt:2", Props: "index=https://pypi.example.com/simple"}}, ""},
		{"hash with space", "six==1.16.0 --hash sha256:1E61C37477A1626458E36F7B1D82AA5C9B094FA4802892072E49DE9C60C4C926\n", []row{
			{ID: "requirements.txt:1", Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Loc: "requirements.txt:1", Hashes: 1}}, ""},
		{"no include filesystem", "-r base.txt\n", nil, "reading included file base.txt"},
		{"include escapes the target", "-r ../../etc/passwd\n", nil, "outside the target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := catalogtest.Bytes(t, c, "requirements.txt", []byte(tc.in))
			if diff := cmp.Diff(tc.want, rows(res)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if (err == nil) != (tc.err == "") || err != nil && !contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Django": "django", "zope.interface": "zope-interface", "Foo__Bar-.baz": "foo-bar-baz",
		"ruamel.yaml.clib": "ruamel-yaml-clib", "A": "a",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRequirementsHandAddedLine checks that in a pip-compile file, a line without "# via"
// (added by hand after compiling) is a direct requirement, not a transitive one.
func TestRequirementsHandAddedLine(t *testing.T) {
	data := "flask==2.2.2\n    # via -r requirements.in\njinja2==3.1.2\n    # via flask\nnumpy==1.24.0\n"
	res, err := catalogtest.Bytes(t, Catalogers()[0], "requirements.txt", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sbom.Relation{}
	for _, p := range res.Packages {
		got[p.Name] = p.Relation
	}
	want := map[string]sbom.Relation{"flask": sbom.RelationDirect, "jinja2": sbom.RelationTransitive, "numpy": sbom.RelationDirect}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relations (-want +got):\n%s", diff)
	}
}
