package dpkg

import (
	"bytes"
	"io/fs"
	"regexp"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
)

// commonLicense matches references to the licence texts Debian ships in
// /usr/share/common-licenses, which free-form copyright files use.
var commonLicense = regexp.MustCompile(`/usr/share/common-licenses/([A-Za-z0-9][A-Za-z0-9.+_-]*[A-Za-z0-9+])`)

// licenses returns the distinct licence short names of usr/share/doc/<name>/copyright in
// fsys, in order of first appearance, or nil when the file is absent or unreadable (a
// missing copyright file is normal in slim images and says nothing about the package).
func licenses(fsys fs.FS, name string) []string {
	if fsys == nil || !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil
	}
	data, err := catalog.ReadFileFS(fsys, "usr/share/doc/"+name+"/copyright", maxCopyrightSize)
	if err != nil {
		return nil
	}
	return parseCopyright(data)
}

// parseCopyright extracts licence names from a copyright file: the first line of every
// License field of a machine-readable (DEP-5) file, or else the common-licenses files the
// text refers to.
func parseCopyright(data []byte) []string {
	all := data
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		if v, ok := cutFieldPrefix(l, "license:"); ok {
			add(string(v))
		}
	}
	if len(out) > 0 {
		return out
	}
	return parseFreeForm(all)
}

// cutFieldPrefix reports whether l starts with the field name prefix (ASCII
// case-insensitive) and returns the rest.
func cutFieldPrefix(l []byte, prefix string) ([]byte, bool) {
	if len(l) < len(prefix) || !strings.EqualFold(string(l[:len(prefix)]), prefix) {
		return nil, false
	}
	return l[len(prefix):], true
}

// parseFreeForm returns the common-licenses names referred to by a free-form file.
func parseFreeForm(data []byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range commonLicense.FindAllSubmatch(data, -1) {
		s := strings.TrimSuffix(string(m[1]), ".")
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
