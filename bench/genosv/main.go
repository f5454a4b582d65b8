// Command genosv writes a synthetic OSV advisory corpus at public-OSV scale in the layout of
// the public OSV bucket (<Ecosystem>/all.zip, one <ID>.json per advisory), and a synthetic
// CycloneDX SBOM whose components hit some of the advisories, for benchmarking
// `hallmark db import` and `hallmark scan`. The output depends only on the flags.
//
//	go run ./bench/genosv -out bench/corpus/osv-500k -n 500000 -sbom bench/corpus/sbom-10k.cdx.json
//
// The corpus imitates the public data (https://osv.dev, schema https://ossf.github.io/osv-schema/):
// the ecosystem mix (npm dominated by MAL- malicious-package reports, then Debian, Ubuntu and
// Alpine CVE records), the ID prefixes of each database, CVE aliases and upstream IDs shared
// between databases, popular packages with many advisories (Zipf-distributed names), and range
// shapes: introduced/fixed pairs, several ranges, last_affected, limit, versions lists of varied
// length, unfixed ranges and withdrawn advisories. Versions are written in each ecosystem's
// syntax (semver, PEP 440, Maven, Go, dpkg, RPM, apk) so that every one parses.
package main

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
)

func main() {
	out := flag.String("out", "bench/corpus/osv-500k", "output directory in the OSV bucket layout (created; must not exist)")
	n := flag.Int("n", 500_000, "number of advisories")
	seed := flag.Int64("seed", 1, "random seed")
	sbomPath := flag.String("sbom", "", "also write a CycloneDX 1.6 JSON SBOM to this file")
	components := flag.Int("components", 10_000, "components of the SBOM")
	flag.Parse()
	if _, err := os.Stat(*out); err == nil {
		log.Fatalf("genosv: %s exists; remove it first", *out)
	}
	g := newGen(*seed, *n)
	counts, err := g.corpus(*out, *n)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range ecosystems {
		fmt.Printf("%-10s %7d advisories\n", e.dir, counts[e.dir])
	}
	if *sbomPath != "" {
		if err := g.writeSBOM(*sbomPath, *components); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("sbom: %s (%d components)\n", *sbomPath, *components)
	}
}

// eco describes one ecosystem of the corpus.
type eco struct {
	dir      string   // bucket directory (base ecosystem)
	variants []string // OSV ecosystem names written in affected[].package.ecosystem
	weight   float64  // share of the advisories, percent
	sbom     float64  // share of the SBOM's components, percent
	style    string   // version syntax
	rangeT   string   // SEMVER or ECOSYSTEM
	lists    float64  // probability that an advisory lists its versions
	purl     string   // purl type
	ns       string   // purl namespace for OS packages
}

var ecosystems = []*eco{
	{dir: "npm", variants: []string{"npm"}, weight: 30, sbom: 45, style: "semver", rangeT: "SEMVER", lists: 0.15, purl: "npm"},
	{dir: "PyPI", variants: []string{"PyPI"}, weight: 7, sbom: 10, style: "pep440", rangeT: "ECOSYSTEM", lists: 0.7, purl: "pypi"},
	{dir: "Maven", variants: []string{"Maven"}, weight: 3, sbom: 10, style: "maven", rangeT: "ECOSYSTEM", lists: 0.3, purl: "maven"},
	{dir: "Go", variants: []string{"Go"}, weight: 2, sbom: 6, style: "go", rangeT: "SEMVER", lists: 0, purl: "golang"},
	{dir: "crates.io", variants: []string{"crates.io"}, weight: 1.5, sbom: 3, style: "semver", rangeT: "SEMVER", lists: 0.3, purl: "cargo"},
	{dir: "RubyGems", variants: []string{"RubyGems"}, weight: 1, sbom: 3, style: "plain", rangeT: "ECOSYSTEM", lists: 0.3, purl: "gem"},
	{dir: "NuGet", variants: []string{"NuGet"}, weight: 1, sbom: 3, style: "plain", rangeT: "ECOSYSTEM", lists: 0.3, purl: "nuget"},
	{dir: "Packagist", variants: []string{"Packagist"}, weight: 1.5, sbom: 3, style: "plain", rangeT: "ECOSYSTEM", lists: 0.3, purl: "composer"},
	{dir: "Debian", variants: []string{"Debian:11", "Debian:12"}, weight: 18, sbom: 6, style: "dpkg", rangeT: "ECOSYSTEM", lists: 0.3, purl: "deb", ns: "debian"},
	{dir: "Ubuntu", variants: []string{"Ubuntu:22.04:LTS"}, weight: 17, sbom: 5, style: "ubuntu", rangeT: "ECOSYSTEM", lists: 0.5, purl: "deb", ns: "ubuntu"},
	{dir: "AlmaLinux", variants: []string{"AlmaLinux:8", "AlmaLinux:9"}, weight: 3, sbom: 3, style: "rpm", rangeT: "ECOSYSTEM", lists: 0, purl: "rpm", ns: "almalinux"},
	{dir: "Alpine", variants: []string{"Alpine:v3.19"}, weight: 15, sbom: 3, style: "apk", rangeT: "ECOSYSTEM", lists: 0, purl: "apk", ns: "alpine"},
}

var words = strings.Fields(`json http yaml crypto auth parser request stream buffer image xml template log
cache config session socket query markdown date uuid path glob zip tar jwt oauth csv sql redis mongo
graphql proxy server client router cookie upload mime color chalk debug util core common base web
net io fs os time math string array object event emitter promise async queue worker task job
schema valid form input file store state model view react vue angular express koa fastify next nuxt
babel webpack rollup vite lint format test mock spec assert bench trace metric monitor alert mail smtp
ftp ssh ssl tls cert key token hash bcrypt scrypt argon aes rsa ecdsa ed25519 sign verify encode
decode base64 hex url uri dns ip tcp udp websocket grpc proto thrift avro parquet arrow kafka amqp
nats mqtt pubsub lambda cloud aws azure gcp docker kube helm terraform ansible chef puppet vault`)

var distroNames = strings.Fields(`openssl libxml2 curl glibc linux zlib expat sqlite3 openssh bash
python3 perl ruby nodejs php git vim tiff libpng libjpeg-turbo freetype fontconfig cairo pango gdk-pixbuf
gnutls nss krb5 samba cups systemd dbus polkit sudo shadow util-linux coreutils tar gzip bzip2 xz-utils
binutils gcc llvm nginx apache2 postgresql mariadb redis memcached imagemagick ghostscript poppler
libwebp libde265 ffmpeg gstreamer webkit2gtk firefox thunderbird chromium qemu xen libvirt busybox
musl pcre2 libssh2 nghttp2 libidn2 libtasn1 p11-kit gnupg2 libgcrypt libksba ntp bind9 dnsmasq unbound`)

// gen holds the generator's state. Name pools are fixed first, so that the advisories and the
// SBOM draw from the same packages.
type gen struct {
	seed  int64
	pools map[string][]string // per bucket directory
	cve   int                 // size of the CVE pool aliases are drawn from
}

// newGen makes the name pools for a corpus of n advisories: about one package name for every
// five advisories of an ecosystem, at least 1,000.
func newGen(seed int64, n int) *gen {
	g := &gen{seed: seed, pools: map[string][]string{}}
	r := rand.New(rand.NewSource(seed))
	total := 0.0
	for _, e := range ecosystems {
		total += e.weight
	}
	for _, e := range ecosystems {
		g.pools[e.dir] = namePool(r, e.dir, max(1000, int(float64(n)*e.weight/total/5)))
	}
	return g
}

func namePool(r *rand.Rand, dir string, n int) []string {
	seen := map[string]bool{}
	var out []string
	w := func() string { return words[r.Intn(len(words))] }
	for tries := 0; len(out) < n && tries < 20*n; tries++ {
		var s string
		a, b := w(), w()
		switch dir {
		case "npm":
			switch r.Intn(4) {
			case 0:
				s = "@" + a + "/" + b
			case 1:
				s = a + b
			default:
				s = a + "-" + b
			}
		case "PyPI":
			switch r.Intn(4) {
			case 0:
				s = "python-" + a + "-" + b
			case 1:
				s = strings.ToUpper(a[:1]) + a[1:] + "_" + b // as written, PEP 503 normalises
			default:
				s = a + "-" + b
			}
		case "Maven":
			s = []string{"org.", "com.", "io."}[r.Intn(3)] + a + "." + b + ":" + b + "-" + w()
		case "Go":
			s = []string{"github.com/", "gitlab.com/", "go.", "golang.org/x/"}[r.Intn(4)] + a + "/" + b
			if strings.HasPrefix(s, "golang.org/x/") {
				s = "golang.org/x/" + a + b
			}
		case "crates.io":
			s = a + []string{"-", "_", "-rs-"}[r.Intn(3)] + b
		case "RubyGems":
			s = a + []string{"-", "_"}[r.Intn(2)] + b
		case "NuGet":
			s = title(a) + "." + title(b) + []string{"", ".Core", ".Extensions"}[r.Intn(3)]
		case "Packagist":
			s = a + "/" + b + []string{"", "-bundle", "-php"}[r.Intn(3)]
		default: // distributions: real source names first, then plausible libraries
			if len(out) < len(distroNames) {
				s = distroNames[len(out)]
			} else {
				s = []string{"lib" + a + "-" + b, "lib" + a + b, "python-" + a, "golang-" + a + "-" + b, "node-" + a + "-" + b, "ruby-" + a}[r.Intn(6)]
			}
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// zipf returns the distribution of advisories over an ecosystem's packages. In language
// ecosystems the most-advised package has a few hundred advisories in 500,000; in
// distributions a few packages (the kernel, openssl, …) have thousands.
func zipf(r *rand.Rand, e *eco, n int) *rand.Zipf {
	v := 50.0
	if e.ns != "" {
		v = 8
	}
	return rand.NewZipf(r, 1.1, v, uint64(n-1))
}

// pick draws a name, Zipf-distributed: a few packages have many advisories.
func pick(r *rand.Rand, z *rand.Zipf, pool []string) string {
	return pool[int(z.Uint64())%len(pool)]
}

// ver is a version as a tuple, formatted per ecosystem.
type ver struct{ a, b, c int }

func (v ver) less(w ver) bool {
	return v.a < w.a || v.a == w.a && (v.b < w.b || v.b == w.b && v.c < w.c)
}

func randVer(r *rand.Rand) ver {
	return ver{a: int(r.ExpFloat64() * 2), b: r.Intn(30), c: r.Intn(40)}
}

// next returns a version after v.
func next(r *rand.Rand, v ver) ver {
	switch r.Intn(6) {
	case 0:
		return ver{v.a + 1, 0, r.Intn(3)}
	case 1, 2:
		return ver{v.a, v.b + 1 + r.Intn(3), r.Intn(5)}
	default:
		return ver{v.a, v.b, v.c + 1 + r.Intn(4)}
	}
}

// format writes v in the ecosystem's syntax. The suffix depends only on the release tuple and
// style, so formatted versions keep the tuple order.
func format(style string, v ver, variant string) string {
	s := fmt.Sprintf("%d.%d.%d", v.a, v.b, v.c)
	switch style {
	case "go":
		return s // OSV Go ranges are written without "v"
	case "dpkg":
		rel := "1"
		if strings.HasSuffix(variant, "12") {
			rel += "+deb12u1"
		} else if strings.HasSuffix(variant, "11") {
			rel += "+deb11u1"
		}
		return s + "-" + rel
	case "ubuntu":
		return s + "-0ubuntu0.22.04.1"
	case "rpm":
		el := "el9"
		if strings.HasSuffix(variant, "8") {
			el = "el8"
		}
		return s + "-1." + el
	case "apk":
		return s + "-r0"
	}
	return s
}

// advisoryID makes the advisory IDs of an ecosystem, with the prefixes of the real databases.
func advisoryID(r *rand.Rand, e *eco, i int, mal bool) string {
	year := 2014 + i%11
	switch {
	case mal:
		return fmt.Sprintf("MAL-%d-%d", year, 1000+i)
	}
	switch e.dir {
	case "PyPI":
		if i%3 == 0 {
			return fmt.Sprintf("PYSEC-%d-%d", year, 100+i)
		}
	case "Go":
		return fmt.Sprintf("GO-%d-%04d", year, i)
	case "crates.io":
		if i%2 == 0 {
			return fmt.Sprintf("RUSTSEC-%d-%04d", year, i)
		}
	case "Debian":
		switch i % 3 {
		case 0:
			return fmt.Sprintf("DSA-%d-1", 1000+i)
		case 1:
			return fmt.Sprintf("DLA-%d-1", 1000+i)
		}
		return fmt.Sprintf("DEBIAN-CVE-%d-%d", year, 10000+i)
	case "Ubuntu":
		if i%4 == 0 {
			return fmt.Sprintf("USN-%d-1", 1000+i)
		}
		return fmt.Sprintf("UBUNTU-CVE-%d-%d", year, 10000+i)
	case "AlmaLinux":
		return fmt.Sprintf("ALSA-%d:%d", year, 1000+i)
	case "Alpine":
		return fmt.Sprintf("ALPINE-CVE-%d-%d", year, 10000+i)
	}
	const alpha = "23456789cfghjmpqrvwx"
	b := make([]byte, 0, 19)
	b = append(b, "GHSA"...)
	for k := 0; k < 3; k++ {
		b = append(b, '-')
		for j := 0; j < 4; j++ {
			b = append(b, alpha[r.Intn(len(alpha))])
		}
	}
	return string(b)
}

var vectors = []string{
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
	"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
	"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
}

var lorem = strings.Fields(`a crafted request can cause the parser to read past the end of its buffer
which allows remote attackers to execute arbitrary code or cause a denial of service via a long
header when the option is enabled improper validation of input leads to path traversal and the
disclosure of files outside the configured root an attacker who controls the value of the
parameter may inject commands that run with the privileges of the service users should upgrade`)

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(lorem[r.Intn(len(lorem))])
	}
	return b.String()
}

// corpus writes n advisories and returns the count per bucket directory.
func (g *gen) corpus(out string, n int) (map[string]int, error) {
	g.cve = n * 6 / 10
	total := 0.0
	for _, e := range ecosystems {
		total += e.weight
	}
	counts := map[string]int{}
	base := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	// Ecosystems are written in parallel; each has its own random source and its own range
	// of advisory numbers, so the output does not depend on the scheduling.
	var eg errgroup.Group
	eg.SetLimit(runtime.GOMAXPROCS(0))
	first := 0
	for k, e := range ecosystems {
		m := int(float64(n) * e.weight / total)
		if k == len(ecosystems)-1 {
			m = n - first
		}
		counts[e.dir] = m
		from := first
		eg.Go(func() error { return g.ecosystem(out, e, k, from, m, base) })
		first += m
	}
	return counts, eg.Wait()
}

// ecosystem writes advisories first+1 … first+m, those of e.
func (g *gen) ecosystem(out string, e *eco, k, first, m int, base time.Time) error {
	if err := os.MkdirAll(filepath.Join(out, e.dir), 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, e.dir, "all.zip"))
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	r := rand.New(rand.NewSource(g.seed*1000 + int64(k)))
	pool := g.pools[e.dir]
	z := zipf(r, e, len(pool))
	ids := map[string]bool{}
	for i := 0; i < m; i++ {
		mal := e.dir == "npm" && i%6 != 0 || e.dir == "PyPI" && i%5 == 0
		v := g.advisory(r, z, e, first+i+1, mal, base)
		for ids[v.ID] { // GHSA IDs are random: keep them unique
			v.ID += "x"
		}
		ids[v.ID] = true
		doc, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: v.ID + ".json", Method: zip.Deflate, Modified: base}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(doc); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func (g *gen) advisory(r *rand.Rand, z *rand.Zipf, e *eco, i int, mal bool, base time.Time) *osv.Vulnerability {
	v := &osv.Vulnerability{SchemaVersion: "1.6.0", ID: advisoryID(r, e, i, mal)}
	pub := osv.Time{Time: base.Add(-time.Duration(r.Intn(10*365*24)) * time.Hour)}
	v.Published = &pub
	v.Modified = osv.Time{Time: pub.Add(time.Duration(r.Intn(365*24)) * time.Hour)}
	name := pick(r, z, g.pools[e.dir])
	if mal {
		// Malicious packages are typosquats and one-off names, not the packages people use.
		name = fmt.Sprintf("%s-%s%d", name, words[r.Intn(len(words))], r.Intn(100000))
	}
	cve := func() string { return fmt.Sprintf("CVE-%d-%d", 2014+i%11, 1000+r.Intn(g.cve)) }
	switch {
	case mal:
		v.Summary = "Malicious code in " + name + " (" + e.dir + ")"
		v.Details = "\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ossf-package-analysis\nThe package " + name + " " + sentence(r, 20) + "."
	case e.dir == "Debian" || e.dir == "Ubuntu" || e.dir == "Alpine" || e.dir == "AlmaLinux":
		c := cve()
		if strings.Contains(v.ID, "CVE-") {
			v.Upstream = []string{c}
		} else {
			v.Related = []string{c}
			v.Aliases = []string{c}
		}
		v.Summary = name + " security update"
		v.Details = sentence(r, 20+r.Intn(120))
	default:
		v.Aliases = []string{cve()}
		if r.Intn(4) == 0 {
			v.Aliases = append(v.Aliases, fmt.Sprintf("PYSEC-%d-%d", 2014+i%11, r.Intn(g.cve)))
		}
		v.Summary = sentence(r, 6+r.Intn(8))
		v.Details = sentence(r, 30+r.Intn(200))
	}
	if !mal && r.Intn(3) > 0 {
		v.Severity = []osv.Severity{{Type: osv.SeverityCVSSv3, Score: vectors[r.Intn(len(vectors))]}}
		if strings.HasPrefix(v.Severity[0].Score, "CVSS:4") {
			v.Severity[0].Type = osv.SeverityCVSSv4
		}
	}
	for k := 0; k < 1+r.Intn(4); k++ {
		v.References = append(v.References, osv.Reference{Type: []string{"ADVISORY", "WEB", "FIX", "PACKAGE", "REPORT"}[r.Intn(5)],
			URL: fmt.Sprintf("https://example.org/%s/%s/%d", strings.ToLower(e.dir), strings.ToLower(v.ID), k)})
	}
	if r.Intn(100) == 0 {
		w := osv.Time{Time: v.Modified.Add(24 * time.Hour)}
		v.Withdrawn = &w
		v.Modified = w
	}
	// affected entries: usually one package; distributions often list several releases, and
	// some advisories cover several packages.
	var variants []string
	switch {
	case len(e.variants) > 1 && r.Intn(3) == 0:
		variants = e.variants
	default:
		variants = []string{e.variants[r.Intn(len(e.variants))]}
	}
	names := []string{name}
	if !mal && r.Intn(10) == 0 {
		for k := 0; k < 1+r.Intn(3); k++ {
			names = append(names, pick(r, z, g.pools[e.dir]))
		}
	}
	for _, variant := range variants {
		for _, nm := range names {
			v.Affected = append(v.Affected, affected(r, e, variant, nm, mal))
		}
	}
	return v
}

// affected draws one affected entry with a range shape weighted like the public data.
func affected(r *rand.Rand, e *eco, variant, name string, mal bool) osv.Affected {
	a := osv.Affected{Package: osv.Package{Ecosystem: variant, Name: name}}
	f := func(v ver) string { return format(e.style, v, variant) }
	rng := osv.Range{Type: e.rangeT}
	lo := randVer(r)
	var inRange []ver // versions inside the affected ranges, for a versions list
	span := func(from, to ver) {
		for x := from; x.less(to) && len(inRange) < 400; x = next(r, x) {
			inRange = append(inRange, x)
		}
	}
	p := r.Intn(100)
	switch {
	case mal:
		rng.Events = []osv.Event{{Introduced: "0"}}
		if r.Intn(2) == 0 {
			inRange = []ver{lo}
			for k := 0; k < r.Intn(4); k++ {
				inRange = append(inRange, next(r, inRange[len(inRange)-1]))
			}
		}
	case p < 45: // introduced 0, fixed
		hi := next(r, lo)
		rng.Events = []osv.Event{{Introduced: "0"}, {Fixed: f(hi)}}
		span(ver{0, 0, 1}, hi)
	case p < 65: // introduced, fixed
		hi := next(r, lo)
		rng.Events = []osv.Event{{Introduced: f(lo)}, {Fixed: f(hi)}}
		span(lo, hi)
	case p < 80: // several introduced/fixed pairs (backported fixes)
		x := lo
		for k := 0; k < 2+r.Intn(4); k++ {
			hi := next(r, x)
			rng.Events = append(rng.Events, osv.Event{Introduced: f(x)}, osv.Event{Fixed: f(hi)})
			span(x, hi)
			x = next(r, next(r, hi))
		}
	case p < 88: // last_affected
		hi := next(r, lo)
		rng.Events = []osv.Event{{Introduced: f(lo)}, {LastAffected: f(hi)}}
		span(lo, hi)
		inRange = append(inRange, hi)
	case p < 92: // limit
		hi := next(r, next(r, lo))
		rng.Events = []osv.Event{{Introduced: "0"}, {Limit: f(hi)}}
		span(ver{0, 0, 1}, hi)
	case p < 97: // unfixed
		rng.Events = []osv.Event{{Introduced: f(lo)}}
		span(lo, next(r, next(r, lo)))
	default: // two ranges in one entry
		hi := next(r, lo)
		lo2 := next(r, next(r, hi))
		rng2 := osv.Range{Type: e.rangeT, Events: []osv.Event{{Introduced: f(lo2)}, {Fixed: f(next(r, lo2))}}}
		rng.Events = []osv.Event{{Introduced: f(lo)}, {Fixed: f(hi)}}
		a.Ranges = append(a.Ranges, rng2)
		span(lo, hi)
	}
	a.Ranges = append([]osv.Range{rng}, a.Ranges...)
	if len(inRange) > 0 && (mal || r.Float64() < e.lists) {
		// lists of varied length: most short, a few long (hundreds of versions)
		n := len(inRange)
		if r.Intn(4) > 0 {
			n = min(n, 1+r.Intn(12))
		}
		for _, x := range inRange[len(inRange)-n:] {
			a.Versions = append(a.Versions, f(x))
		}
	}
	if e.ns != "" {
		a.EcosystemSpecific = json.RawMessage(`{"urgency":"` + []string{"low", "medium", "high", "not yet assigned"}[r.Intn(4)] + `"}`)
	}
	a.DatabaseSpecific = json.RawMessage(`{"source":"https://example.org/` + strings.ToLower(e.dir) + `"}`)
	return a
}

// writeSBOM writes a CycloneDX SBOM of n components drawn from the same packages as the
// advisories (Zipf again, so popular, often-affected packages appear), with random versions:
// some fall inside affected ranges, most do not.
func (g *gen) writeSBOM(path string, n int) error {
	r := rand.New(rand.NewSource(g.seed*7919 + 17))
	total := 0.0
	for _, e := range ecosystems {
		total += e.sbom
	}
	inv := &sbom.Inventory{Sources: []sbom.Source{{Kind: sbom.SourceSBOM, Name: "synthetic"}}}
	var pkgs []*sbom.Package
	seen := map[string]bool{}
	for _, e := range ecosystems {
		m := int(float64(n) * e.sbom / total)
		pool := g.pools[e.dir]
		z := zipf(r, e, len(pool))
		for k := 0; k < m; k++ {
			variant := e.variants[len(e.variants)-1]
			name := pool[r.Intn(len(pool))]
			if r.Intn(4) == 0 {
				name = pick(r, z, pool) // popular packages appear more often
			}
			x := randVer(r)
			if r.Intn(10) < 6 {
				x.a += 6 // most components are recent, above the fixes
			}
			vs := format(e.style, x, variant)
			if e.style == "go" {
				vs = "v" + vs
			}
			key := e.dir + "\x00" + name // one version of each package, as in a resolved tree
			if len(pool) < 2*m {         // small corpus: allow several versions
				key += "\x00" + vs
			}
			if seen[key] {
				k--
				continue
			}
			seen[key] = true
			pkgs = append(pkgs, pkgOf(e, variant, name, vs))
		}
	}
	for len(pkgs) < n { // rounding: fill with npm
		e := ecosystems[0]
		name := fmt.Sprintf("filler-%d", len(pkgs))
		pkgs = append(pkgs, pkgOf(e, "npm", name, "1.0.0"))
	}
	slices.SortFunc(pkgs, func(a, b *sbom.Package) int { return strings.Compare(a.PURL, b.PURL) })
	inv.Add(pkgs)
	inv.Finalize()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := cyclonedx.Encode(bw, inv, cyclonedx.EncodeOptions{ToolName: "genosv", ToolVersion: "1"}); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func pkgOf(e *eco, variant, name, vs string) *sbom.Package {
	p := &sbom.Package{Type: sbom.TypeLibrary, Name: name, Version: vs, Ecosystem: e.dir, FoundBy: "genosv"}
	ns, nm := "", name
	switch e.dir {
	case "npm", "Go", "Packagist":
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			ns, nm = name[:i], name[i+1:]
		}
	case "Maven":
		ns, nm, _ = strings.Cut(name, ":")
	case "PyPI":
		nm = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
	}
	if e.ns != "" {
		_, rel, _ := strings.Cut(variant, ":")
		rel, _, _ = strings.Cut(rel, ":")
		p.SetProperty("hallmark:os:ecosystem", variant)
		p.SourceName = name
		p.PURL = sbom.PURL(e.purl, e.ns, nm, vs, "distro", e.ns+"-"+strings.TrimPrefix(rel, "v"))
		return p
	}
	p.PURL = sbom.PURL(e.purl, ns, nm, vs)
	return p
}
