package rpm

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/catalogtest"
	"github.com/hallmark-dev/hallmark/sbom"
)

const (
	marinerRoot = "testdata/mariner2"
	rpmdb       = "var/lib/rpm/rpmdb.sqlite"
)

func TestMariner(t *testing.T) {
	res, err := catalogtest.Run(t, &Cataloger{}, marinerRoot, rpmdb)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		got = append(got, fmt.Sprintf("%s %s %s/%s %v", p.PURL, p.Version, p.SourceName, p.SourceVersion, p.DependsOn))
	}
	want := []string{
		"pkg:rpm/mariner/mariner-release@2.0-4.cm2?arch=noarch&distro=mariner-2.0 2.0-4.cm2 mariner-release/2.0-4.cm2 []",
		"pkg:rpm/mariner/filesystem@1.1-8.cm2?arch=x86_64&distro=mariner-2.0 1.1-8.cm2 filesystem/1.1-8.cm2 []",
		"pkg:rpm/mariner/glibc@2.34-2.cm2?arch=x86_64&distro=mariner-2.0 2.34-2.cm2 glibc/2.34-2.cm2 [filesystem@1.1-8.cm2.x86_64]",
		"pkg:rpm/mariner/libgcc@11.2.0-1.cm2?arch=x86_64&distro=mariner-2.0 11.2.0-1.cm2 gcc/11.2.0-1.cm2 [glibc@2.34-2.cm2.x86_64]",
		"pkg:rpm/mariner/libstdc%2B%2B@11.2.0-1.cm2?arch=x86_64&distro=mariner-2.0 11.2.0-1.cm2 gcc/11.2.0-1.cm2 [glibc@2.34-2.cm2.x86_64 libgcc@11.2.0-1.cm2.x86_64]",
		"pkg:rpm/mariner/ncurses-libs@6.2-4.cm2?arch=x86_64&distro=mariner-2.0 6.2-4.cm2 ncurses/6.2-4.cm2 [glibc@2.34-2.cm2.x86_64 libgcc@11.2.0-1.cm2.x86_64 libstdc++@11.2.0-1.cm2.x86_64]",
		"pkg:rpm/mariner/readline@8.1-1.cm2?arch=x86_64&distro=mariner-2.0 8.1-1.cm2 readline/8.1-1.cm2 [glibc@2.34-2.cm2.x86_64 ncurses-libs@6.2-4.cm2.x86_64]",
		// /bin/sh is provided by bash itself; /bin/grep and /bin/cp by packages not installed.
		"pkg:rpm/mariner/bash@5.1.8-1.cm2?arch=x86_64&distro=mariner-2.0 5.1.8-1.cm2 bash/5.1.8-1.cm2 [glibc@2.34-2.cm2.x86_64 readline@8.1-1.cm2.x86_64]",
		// Epoch: part of Version, a qualifier in the purl.
		"pkg:rpm/mariner/ca-certificates-shared@2.0.0-1.cm2?arch=noarch&distro=mariner-2.0&epoch=1 1:2.0.0-1.cm2 ca-certificates/2.0.0-1.cm2 []",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	bash := res.Packages[7]
	wantBash := &sbom.Package{
		ID:            "bash@5.1.8-1.cm2.x86_64",
		Name:          "bash",
		Version:       "5.1.8-1.cm2",
		PURL:          "pkg:rpm/mariner/bash@5.1.8-1.cm2?arch=x86_64&distro=mariner-2.0",
		Licenses:      []string{"GPLv3"},
		Locations:     []sbom.Location{{Path: rpmdb}},
		DependsOn:     []string{"glibc@2.34-2.cm2.x86_64", "readline@8.1-1.cm2.x86_64"},
		SourceName:    "bash",
		SourceVersion: "5.1.8-1.cm2",
		Arch:          "x86_64",
		Description:   "Bourne-Again SHell",
		Supplier:      "Microsoft Corporation",
		Homepage:      "https://www.gnu.org/software/bash/",
		FoundBy:       "rpm-db",
		Properties: map[string]string{
			"hallmark:rpm:payload-digest": "sha-256:e94b89f55c079b204674352457a60b80d0f59b232337308cdf5449b6e68e388a",
			"hallmark:rpm:sha256header":   "9055e837d0b767f4168148175666e3aee05c829db721775c4c6acb6f2f365cd4",
			"hallmark:rpm:sigmd5":         "8f5f6e54a8c0e4c0c9accf0ec7388905",
			"hallmark:rpm:size":           "3565139",
			"hallmark:rpm:sourcerpm":      "bash-5.1.8-1.cm2.src.rpm",
		},
	}
	if diff := cmp.Diff(wantBash, bash); diff != "" {
		t.Errorf("bash mismatch (-want +got):\n%s", diff)
	}
}

// Without OSPath (an in-memory file) the database is copied to a temporary file; without
// os-release the purl has no namespace and no distro.
func TestInMemory(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(marinerRoot, rpmdb))
	if err != nil {
		t.Fatal(err)
	}
	res, err := catalogtest.Bytes(t, &Cataloger{}, rpmdb, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 9 {
		t.Fatalf("got %d packages, want 9", len(res.Packages))
	}
	if got, want := res.Packages[8].PURL, "pkg:rpm/ca-certificates-shared@2.0.0-1.cm2?arch=noarch&epoch=1"; got != want {
		t.Errorf("purl = %s, want %s", got, want)
	}
}

func TestDistroEcosystem(t *testing.T) {
	info := &pkgInfo{name: "openssl-libs", version: "3.0.7", release: "25.el9_3", epoch: 1, hasEpoch: true, arch: "x86_64", sourceRPM: "openssl-3.0.7-25.el9_3.src.rpm"}
	for _, tt := range []struct {
		d           *sbom.Distro
		eco, distro string
		purl        string
	}{
		{&sbom.Distro{ID: "almalinux", VersionID: "9.3"}, "AlmaLinux", "AlmaLinux:9", "pkg:rpm/almalinux/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=almalinux-9.3&epoch=1"},
		{&sbom.Distro{ID: "rocky", VersionID: "9.3"}, "Rocky Linux", "Rocky Linux:9", "pkg:rpm/rocky/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rocky-9.3&epoch=1"},
		{&sbom.Distro{ID: "rhel", VersionID: "9.3"}, "Red Hat", "Red Hat:9", "pkg:rpm/rhel/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=rhel-9.3&epoch=1"},
		{&sbom.Distro{ID: "opensuse-leap", VersionID: "15.5"}, "openSUSE", "openSUSE:Leap 15.5", "pkg:rpm/opensuse-leap/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=opensuse-leap-15.5&epoch=1"},
		{&sbom.Distro{ID: "fedora", VersionID: "40"}, "", "", "pkg:rpm/fedora/openssl-libs@3.0.7-25.el9_3?arch=x86_64&distro=fedora-40&epoch=1"},
	} {
		p := (&Cataloger{}).packages(rpmdb, []*pkgInfo{info}, tt.d)[0]
		if p.Ecosystem != tt.eco || p.Properties["hallmark:os:ecosystem"] != tt.distro || p.PURL != tt.purl || p.Version != "1:3.0.7-25.el9_3" {
			t.Errorf("%s: got %q %q %q %q", tt.d.ID, p.Ecosystem, p.Properties["hallmark:os:ecosystem"], p.PURL, p.Version)
		}
	}
}

func TestHeaderBlob(t *testing.T) {
	blob, err := os.ReadFile("testdata/headers/blob.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readPackage(blob)
	if err != nil {
		t.Fatal(err)
	}
	want := &pkgInfo{
		name: "publicsuffix-list-dafsa", version: "20210518", release: "2.fc35", arch: "noarch",
		sourceRPM: "publicsuffix-list-20210518-2.fc35.src.rpm", license: "MPLv2.0",
		vendor: "Fedora Project", packager: "Fedora Project",
		summary: "Cross-vendor public domain suffix database in DAFSA form", url: "https://publicsuffix.org/",
		size:          68815,
		requires:      []string{"rpmlib(CompressedFileNames)", "rpmlib(FileDigests)", "rpmlib(PayloadFilesHavePrefix)", "rpmlib(PayloadIsZstd)"},
		provides:      []string{"publicsuffix-list-dafsa"},
		sigMD5:        "66e8314a663c969e724c10861c660788",
		sha256Header:  "8940d54a34bf5a2fe06e062c7e88dfddcf5f0b161ea31e56ffea2bd43bff23a8",
		payloadDigest: "d974f5790f122ce497fb0ff9e3abcbea92d0b7da1ca74bdfe33ff4414df2331d",
		payloadAlgo:   8,
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(pkgInfo{})); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// entry is one index entry of a test header; value is the encoded data.
type testEntry struct {
	tag, typ int32
	count    uint32
	value    []byte
}

// buildHeader encodes a header blob from entries, laying the values out in order.
func buildHeader(entries []testEntry) []byte {
	var data []byte
	index := make([]byte, 0, 16*len(entries))
	for _, e := range entries {
		index = binary.BigEndian.AppendUint32(index, uint32(e.tag))
		index = binary.BigEndian.AppendUint32(index, uint32(e.typ))
		index = binary.BigEndian.AppendUint32(index, uint32(len(data)))
		index = binary.BigEndian.AppendUint32(index, e.count)
		data = append(data, e.value...)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(append(b, index...), data...)
}

func str(tag int32, s string) testEntry {
	return testEntry{tag, typeString, 1, append([]byte(s), 0)}
}

func TestHeaderMalformed(t *testing.T) {
	good := []testEntry{str(tagName, "a"), str(tagVersion, "1"), str(tagRelease, "2")}
	valid := buildHeader(good)
	if p, err := readPackage(valid); err != nil || p.evr() != "1-2" {
		t.Fatalf("valid header: %+v, %v", p, err)
	}
	setU32 := func(b []byte, off int, v uint32) []byte {
		c := append([]byte(nil), b...)
		binary.BigEndian.PutUint32(c[off:], v)
		return c
	}
	tests := []struct {
		name string
		blob []byte
		msg  string
	}{
		{"empty", nil, "shorter than the 8-byte preamble"},
		{"no entries", setU32(valid, 0, 0), "0 index entries"},
		{"too many entries", setU32(valid, 0, 0x10000), "65536 index entries"},
		{"huge data", setU32(valid, 4, 0x10000000), "data store of"},
		{"truncated", valid[:len(valid)-1], "index and data store say"},
		{"trailing bytes", append(append([]byte(nil), valid...), 0), "index and data store say"},
		{"offset beyond data", setU32(valid, 8+8, 1000), "beyond the"},
		{"unknown type", setU32(valid, 8+4, 42), "unknown type 42"},
		{"zero count", setU32(valid, 8+12, 0), "has no values"},
		{"unterminated string", buildHeader([]testEntry{{tagName, typeString, 1, []byte("abc")}}), "not NUL-terminated"},
		{"name of wrong type", buildHeader([]testEntry{{tagName, typeInt32, 1, []byte{0, 0, 0, 1}}}), "want a string"},
		{"no name", buildHeader([]testEntry{str(tagVersion, "1")}), "no NAME tag"},
		{"no version", buildHeader([]testEntry{str(tagName, "a")}), "no VERSION tag"},
		{"short epoch", buildHeader([]testEntry{str(tagName, "a"), str(tagVersion, "1"), {tagEpoch, typeInt32, 1, []byte{0, 0}}}), "integer at offset"},
		{"string array count", buildHeader([]testEntry{str(tagName, "a"), str(tagVersion, "1"), {tagRequireName, typeStringArray, 0xffffffff, []byte("x\x00")}}), "claims"},
		{"string array short", buildHeader([]testEntry{str(tagName, "a"), str(tagVersion, "1"), {tagRequireName, typeStringArray, 2, []byte("x\x00y")}}), "not NUL-terminated"},
		{"bin beyond data", buildHeader([]testEntry{str(tagName, "a"), str(tagVersion, "1"), {tagSigMD5, typeBin, 16, []byte{1, 2}}}), "beyond the data store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPackage(tt.blob)
			if !errors.Is(err, errHeader) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %v, want errHeader containing %q", err, tt.msg)
			}
		})
	}
}

// newDB writes an SQLite rpm database whose Packages table holds blobs.
func newDB(t testing.TB, root string, blobs [][]byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rpmdb))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		if _, err := tx.Exec(`INSERT INTO Packages (blob) VALUES (?)`, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestDBErrors(t *testing.T) {
	c := &Cataloger{}
	// One corrupt header among good ones: the others are returned with the error.
	root := t.TempDir()
	good := buildHeader([]testEntry{str(tagName, "a"), str(tagVersion, "1"), str(tagRelease, "1"), {tagProvideName, typeStringArray, 2, []byte("a\x00libfoo.so.1()(64bit)\x00")}})
	good2 := buildHeader([]testEntry{str(tagName, "b"), str(tagVersion, "2"), str(tagRelease, "1"), {tagRequireName, typeStringArray, 3, []byte("libfoo.so.1()(64bit)\x00rpmlib(X)\x00missing\x00")}})
	key := buildHeader([]testEntry{str(tagName, "gpg-pubkey"), str(tagVersion, "fd431d51"), str(tagRelease, "4ae0493b")})
	newDB(t, root, [][]byte{good, []byte("garbage"), good2, key})
	res, err := catalogtest.Run(t, c, root, rpmdb)
	var pe *catalog.ParseError
	if !errors.As(err, &pe) || pe.Path != rpmdb || !strings.Contains(err.Error(), "package header 2") {
		t.Errorf("error = %v, want a ParseError naming header 2", err)
	}
	if res == nil || len(res.Packages) != 2 || res.Packages[1].DependsOn[0] != "a@1-1" {
		t.Errorf("result = %+v", res)
	}

	// SQLite without a Packages table, and a file that is not SQLite at all.
	root = t.TempDir()
	p := filepath.Join(root, filepath.FromSlash(rpmdb))
	os.MkdirAll(filepath.Dir(p), 0o755)
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE other (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := catalogtest.Run(t, c, root, rpmdb); !errors.As(err, &pe) || !strings.Contains(err.Error(), "not an rpm database") {
		t.Errorf("no Packages table: error = %v", err)
	}
	if _, err := catalogtest.Bytes(t, c, rpmdb, []byte("this is not a database at all, not even close........................................................")); !errors.As(err, &pe) {
		t.Errorf("garbage: error = %v, want a ParseError", err)
	}
}

func TestLegacyUnsupported(t *testing.T) {
	c := &Cataloger{}
	for _, p := range []string{"var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db"} {
		if !c.Match(p, 0o644) {
			t.Errorf("Match(%q) = false", p)
		}
		_, err := catalogtest.Bytes(t, c, p, []byte{0, 0, 0, 0})
		if !errors.Is(err, catalog.ErrUnsupported) {
			t.Errorf("%s: error = %v, want ErrUnsupported", p, err)
		}
	}
	for p, want := range map[string]bool{
		"usr/lib/sysimage/rpm/rpmdb.sqlite": true,
		"var/lib/rpm/rpmdb.sqlite-shm":      false,
		"var/lib/rpm/Name":                  false,
		"opt/var/lib/rpm/rpmdb.sqlite":      false,
	} {
		if got := c.Match(p, 0o644); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestSourceNameVersion(t *testing.T) {
	for in, want := range map[string][2]string{
		"glibc-2.34-2.cm2.src.rpm":                  {"glibc", "2.34-2.cm2"},
		"publicsuffix-list-20210518-2.fc35.src.rpm": {"publicsuffix-list", "20210518-2.fc35"},
		"kernel-5.14.0-362.8.1.el9_3.nosrc.rpm":     {"kernel", "5.14.0-362.8.1.el9_3"},
		"nodash.src.rpm":                            {"", ""},
		"":                                          {"", ""},
	} {
		n, v := sourceNameVersion(in)
		if n != want[0] || v != want[1] {
			t.Errorf("sourceNameVersion(%q) = %q, %q, want %q, %q", in, n, v, want[0], want[1])
		}
	}
}

// realBlobs returns the header blobs of the test database.
func realBlobs(t testing.TB) [][]byte {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(marinerRoot, rpmdb)+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT blob FROM Packages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzHeader(f *testing.F) {
	blob, err := os.ReadFile("testdata/headers/blob.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob)
	for _, b := range realBlobs(f) {
		if len(b) < 20000 {
			f.Add(b)
		}
	}
	f.Add(buildHeader([]testEntry{str(tagName, "a"), str(tagVersion, "1"), {tagEpoch, typeInt32, 1, []byte{0, 0, 0, 3}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := readPackage(b)
		if err == nil && (p.name == "" || p.version == "") {
			t.Fatalf("package without name or version: %+v", p)
		}
		if err != nil && !errors.Is(err, errHeader) {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}

func BenchmarkHeader(b *testing.B) {
	var biggest []byte
	for _, blob := range realBlobs(b) {
		if len(blob) > len(biggest) {
			biggest = blob
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(biggest)))
	for b.Loop() {
		if _, err := readPackage(biggest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCatalog reads a generated database of 3000 real headers.
func BenchmarkCatalog(b *testing.B) {
	blobs := realBlobs(b)
	var many [][]byte
	var size int64
	for i := range 3000 {
		many = append(many, blobs[i%len(blobs)])
		size += int64(len(blobs[i%len(blobs)]))
	}
	root := b.TempDir()
	newDB(b, root, many)
	c := &Cataloger{}
	f := catalogtest.Open(b, root, rpmdb)
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		res, err := c.Catalog(b.Context(), f)
		if err != nil || len(res.Packages) != 3000 {
			b.Fatal(err)
		}
	}
}

// TestDuplicateIDs checks that repeated headers get IDs that collide neither with each other
// nor with a package whose architecture looks like a suffix ("x86_64#1").
func TestDuplicateIDs(t *testing.T) {
	pi := func(arch string) *pkgInfo { return &pkgInfo{name: "a", version: "1", release: "1", arch: arch} }
	pkgs := (&Cataloger{}).packages(rpmdb, []*pkgInfo{pi("x86_64#1"), pi("x86_64"), pi("x86_64"), pi("x86_64")}, nil)
	var got []string
	for _, p := range pkgs {
		got = append(got, p.ID)
	}
	catalogtest.Check(t, rpmdb, &catalog.Result{Packages: pkgs})
	if want := "a@1-1.x86_64#1,a@1-1.x86_64,a@1-1.x86_64#2,a@1-1.x86_64#3"; strings.Join(got, ",") != want {
		t.Errorf("IDs %s, want %s", strings.Join(got, ","), want)
	}
}
