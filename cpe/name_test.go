package cpe

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// specials are the printable ASCII characters other than letters and digits.
const specials = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func TestString(t *testing.T) {
	for _, c := range []struct {
		n    Name
		want string
	}{
		{Name{}, "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*"},
		{Name{Part: "a", Vendor: "golang", Product: "go", Version: "1.22.1"}, "cpe:2.3:a:golang:go:1.22.1:*:*:*:*:*:*:*"},
		// NISTIR 7695 §6.2.2.3, examples 1, 2 and 4.
		{Name{Part: "a", Vendor: "microsoft", Product: "internet_explorer", Version: "8.0.6001", Update: "beta", Edition: Any},
			"cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"},
		{Name{Part: "a", Vendor: "microsoft", Product: "internet_explorer", Version: "8.*", Update: "sp?"},
			`cpe:2.3:a:microsoft:internet_explorer:8.\*:sp\?:*:*:*:*:*:*`},
		{Name{Part: "a", Vendor: "hp", Product: "insight_diagnostics", Version: "7.4.0.1570", Update: NA, SwEdition: "online", TargetSw: "win2003", TargetHw: "x64"},
			"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*"},
		{Name{Part: "a", Vendor: `foo\bar`, Product: "big$money_2010", SwEdition: "special", TargetSw: "ipod_touch", TargetHw: "80gb"},
			`cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*`},
		{Name{Part: "a", Vendor: "lodash", Product: "lodash", Version: "4.17.21", TargetSw: "node.js"}, "cpe:2.3:a:lodash:lodash:4.17.21:*:*:*:*:node.js:*:*"},
		{Name{Part: "a", Vendor: "x", Product: "y", Version: "1.0+build:7"}, `cpe:2.3:a:x:y:1.0\+build\:7:*:*:*:*:*:*:*`},
		{Name{Part: "a", Vendor: "x", Product: "y", Version: "--"}, "cpe:2.3:a:x:y:--:*:*:*:*:*:*:*"},
	} {
		if got := c.n.String(); got != c.want {
			t.Errorf("%#v.String() = %s, want %s", c.n, got, c.want)
		}
	}
}

// TestRoundTrip binds and parses every printable special character, alone and embedded,
// in every attribute that takes free text.
func TestRoundTrip(t *testing.T) {
	for i := 0; i < len(specials); i++ {
		c := string(specials[i])
		for _, v := range []string{"x" + c + "y", c + "1", "1" + c, c + c} {
			n := Name{Part: "a", Vendor: v, Product: v, Version: v, Update: v, Edition: v,
				Language: "en-us", SwEdition: v, TargetSw: v, TargetHw: v, Other: v}
			if err := n.Validate(); err != nil {
				t.Fatalf("Validate(%q): %v", v, err)
			}
			s := n.String()
			got, err := Parse(s)
			if err != nil {
				t.Fatalf("Parse(%s) for value %q: %v", s, v, err)
			}
			if diff := cmp.Diff(n, got); diff != "" {
				t.Errorf("Parse(%s) (-want +got):\n%s", s, diff)
			}
			if plain(c[0]) {
				if strings.Contains(s, `\`+c) {
					t.Errorf("%s: %q must not be quoted in the formatted string", s, c)
				}
			} else if !strings.Contains(s, `\`+c) {
				t.Errorf("%s: %q must be quoted", s, c)
			}
		}
	}
	all := Name{Part: "h", Vendor: "v", Product: specials, Version: `1\2`, Update: Any, Edition: Any,
		Language: Any, SwEdition: Any, TargetSw: Any, TargetHw: Any, Other: Any}
	got, err := Parse(all.String())
	if err != nil {
		t.Fatalf("Parse(%s): %v", all.String(), err)
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("Parse(%s) (-want +got):\n%s", all.String(), diff)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		n    Name
		want string // substring of the error, "" for none
	}{
		{Name{Part: "a", Vendor: "v", Product: "p", Version: "1.0", Language: "en-us"}, ""},
		{Name{Part: "o", Language: "es-419"}, ""},
		{Name{Part: "x"}, `part "x"`},
		{Name{Part: "a", Version: "1.0 beta"}, `version "1.0 beta"`},
		{Name{Part: "a", Product: "café"}, "printable ASCII"},
		{Name{Part: "a", Language: "english"}, `language "english"`},
		{Name{Part: "a", Language: "en-u"}, `language "en-u"`},
	} {
		err := c.n.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%#v.Validate() = %v", c.n, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%#v.Validate() = %v, want an error containing %q", c.n, err, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Name
	}{
		{"cpe:2.3:a:golang:go:1.22.1:*:*:*:*:*:*:*", Name{"a", "golang", "go", "1.22.1", Any, Any, Any, Any, Any, Any, Any}},
		{"cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*", Name{"o", "debian", "debian_linux", "12", Any, Any, Any, Any, Any, Any, Any}},
		// Dictionary entries with quoted characters.
		{`cpe:2.3:o:cisco:ios:12.2\(33\)sxi:*:*:*:*:*:*:*`, Name{"o", "cisco", "ios", "12.2(33)sxi", Any, Any, Any, Any, Any, Any, Any}},
		{`cpe:2.3:a:ffmpeg:ffmpeg:0.5\+svn20090706:*:*:*:*:*:*:*`, Name{"a", "ffmpeg", "ffmpeg", "0.5+svn20090706", Any, Any, Any, Any, Any, Any, Any}},
		{"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:en-us:online:win2003:x64:*", Name{"a", "hp", "insight_diagnostics", "7.4.0.1570", NA, Any, "en-us", "online", "win2003", "x64", Any}},
		// "\." "\-" "\_" are accepted (§6.2.3) and mean the plain characters.
		{`cpe:2.3:a:x:y:8\.0\-rc\_1:*:*:*:*:*:*:*`, Name{"a", "x", "y", "8.0-rc_1", Any, Any, Any, Any, Any, Any, Any}},
		{`cpe:2.3:*:-:*:\-\-:*:*:*:*:*:*:*`, Name{Any, NA, Any, "--", Any, Any, Any, Any, Any, Any, Any}},
		{"cpe:2.3:a:Vendor:Product:1.0:*:*:*:*:*:*:*", Name{"a", "Vendor", "Product", "1.0", Any, Any, Any, Any, Any, Any, Any}},
	} {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%s): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Parse(%s) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in, attr, msg string
	}{
		{"", "", `begins with "cpe:2.3:"`},
		{"cpe:2.2:a:x:y:1:*:*:*:*:*:*:*", "", `begins with "cpe:2.3:"`},
		{"CPE:2.3:a:x:y:1:*:*:*:*:*:*:*", "", "lower-case"},
		{"cpe:/a:x:y:1", "", "ParseURI"},
		{"cpe:2.3:a:x:y:1", "", "6 components, want 13"},
		{"cpe:2.3:a:x:y:1:*:*:*:*:*:*", "", "12 components, want 13"},
		{"cpe:2.3:a:x:y:1:*:*:*:*:*:*:*:*", "", "more than 13"},
		{"cpe:2.3:a:x:y:1:*:*:*:*:*:*:", "other", "empty value"},
		{"cpe:2.3:a::y:1:*:*:*:*:*:*:*", "vendor", "empty value"},
		{"cpe:2.3:x:x:y:1:*:*:*:*:*:*:*", "part", `"x"`},
		{"cpe:2.3:a:x:y:1:*:*:english:*:*:*:*", "language", "language tag"},
		{"cpe:2.3:a:x:y:1.0+b:*:*:*:*:*:*:*", "version", `'+' must be quoted as "\+"`},
		{"cpe:2.3:a:x:y:1.0 b:*:*:*:*:*:*:*", "version", `invalid character ' '`},
		{"cpe:2.3:a:x:y:1.\x00:*:*:*:*:*:*:*", "version", "invalid character"},
		{"cpe:2.3:a:x:y:1.\xc3\xa9:*:*:*:*:*:*:*", "version", "invalid character"},
		{"cpe:2.3:a:x:y:1.*:*:*:*:*:*:*:*", "version", "unquoted wildcard '*'"},
		{"cpe:2.3:a:x:y:?1:*:*:*:*:*:*:*", "version", "unquoted wildcard '?'"},
		{`cpe:2.3:a:x:y:1\a:*:*:*:*:*:*:*`, "version", `invalid escape "\a"`},
		{`cpe:2.3:a:x:y:1:*:*:*:*:*:*:x\`, "other", "lone backslash"},
		{`cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*`, "version", "cannot tell"},
		{`cpe:2.3:a:x:\*:1:*:*:*:*:*:*:*`, "product", "cannot tell"},
	} {
		_, err := Parse(c.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", c.in, err)
			continue
		}
		if se.Attr != c.attr || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%q) = %v (attr %q), want attr %q and a message containing %q", c.in, err, se.Attr, c.attr, c.msg)
		}
	}
}

func TestParseURI(t *testing.T) {
	any4 := func(n Name) Name { n.SwEdition, n.TargetSw, n.TargetHw, n.Other = Any, Any, Any, Any; return n }
	for _, c := range []struct {
		in   string
		want Name
		fs   string
	}{
		// CPE_NAME values of real os-release files.
		{"cpe:/o:debian:debian_linux:12", any4(Name{"o", "debian", "debian_linux", "12", Any, Any, Any, "", "", "", ""}),
			"cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"},
		{"cpe:/o:redhat:enterprise_linux:9::baseos", any4(Name{"o", "redhat", "enterprise_linux", "9", Any, "baseos", Any, "", "", "", ""}),
			"cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*"},
		{"cpe:/o:rocky:rocky:9:GA", any4(Name{"o", "rocky", "rocky", "9", "ga", Any, Any, "", "", "", ""}),
			"cpe:2.3:o:rocky:rocky:9:ga:*:*:*:*:*:*"},
		{"cpe:/o:suse:sles:15:sp5", any4(Name{"o", "suse", "sles", "15", "sp5", Any, Any, "", "", "", ""}),
			"cpe:2.3:o:suse:sles:15:sp5:*:*:*:*:*:*"},
		{"cpe:/o:amazon:amazon_linux:2023", any4(Name{"o", "amazon", "amazon_linux", "2023", Any, Any, Any, "", "", "", ""}),
			"cpe:2.3:o:amazon:amazon_linux:2023:*:*:*:*:*:*:*"},
		// NISTIR 7695 §6.1.3.3 examples: percent-encoding and a packed edition.
		{"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~", Name{"a", "hp", "insight_diagnostics", "7.4.0.1570", Any, Any, Any, "online", "win2003", "x64", Any},
			"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*"},
		{"cpe:/a:foo%5cbar:big%24money_2010%07:-", any4(Name{"a", "", "", "", "", "", "", "", "", "", ""}), ""},
		{"cpe:/a:foo%5cbar:big%24money:-:update%2b1", any4(Name{"a", `foo\bar`, "big$money", NA, "update+1", Any, Any, "", "", "", ""}),
			`cpe:2.3:a:foo\\bar:big\$money:-:update\+1:*:*:*:*:*:*`},
	} {
		got, err := ParseURI(c.in)
		if c.fs == "" {
			if err == nil {
				t.Errorf("ParseURI(%s) = %#v, want an error", c.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURI(%s): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ParseURI(%s) (-want +got):\n%s", c.in, diff)
		}
		if s := got.String(); s != c.fs {
			t.Errorf("ParseURI(%s).String() = %s, want %s", c.in, s, c.fs)
		}
	}
	for _, in := range []string{"", "cpe:2.3:a:x:y", "cpe:/", "cpe:/x:a:b", "cpe:/a:x:y:1:2:3:4:5", "cpe:/a:x:y:1%2", "cpe:/a:x:y:1%zz",
		"cpe:/a:x:y:1%02", "cpe:/a:x:y:1%41", "cpe:/a:x:y:1+2", "cpe:/a:x:y:1::~a~b", "cpe:/a:x:y:%2d", "cpe:/a:x:y:1::::english"} {
		if n, err := ParseURI(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseURI(%q) = %#v, %v; want ErrSyntax", in, n, err)
		}
	}
}

// FuzzParse checks that Parse does not panic and that what it accepts survives a round trip.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cpe:2.3:a:golang:go:1.22.1:*:*:*:*:*:*:*",
		`cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*`,
		"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:en-us:online:win2003:x64:*",
		`cpe:2.3:a:x:y:8\.0\-rc\_1:*:*:*:*:*:*:*`,
		`cpe:2.3:o:cisco:ios:12.2\(33\)sxi:*:*:*:*:*:*:*`,
		"cpe:2.3:a:x:y:1.*:*:*:*:*:*:*:*",
		`cpe:2.3:a:x:y:1:*:*:*:*:*:*:x\`,
		"cpe:/o:debian:debian_linux:12",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q): error %v does not match ErrSyntax", s, err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %#v, which Validate rejects: %v", s, n, err)
		}
		again, err := Parse(n.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %s does not parse: %v", s, n.String(), err)
		}
		if again != n {
			t.Fatalf("round trip of %q: %#v != %#v", s, again, n)
		}
		// The URI parser must not panic on the same input either.
		_, _ = ParseURI(s)
	})
}
