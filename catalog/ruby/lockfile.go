package ruby

import (
	"strings"
)

// A lockfile line in the indentation grammar of Bundler's LockfileParser
// (bundler/lib/bundler/lockfile_parser.rb, NAME_VERSION): 2, 4 or 6 spaces, a name, an
// optional " (version[-platform])" or " (requirements)", an optional "!" (DEPENDENCIES
// entries from a git or path source) and an optional " checksums" (CHECKSUMS entries).
type nameVersion struct {
	indent   int
	name     string
	version  string // the part before the first "-" inside the parentheses
	platform string // the part after it, for platform-specific gems
	paren    bool   // parentheses were present
	pinned   bool
	checksum string
}

// parseNameVersion parses one indented line; ok is false when it does not fit the grammar.
func parseNameVersion(line string) (nv nameVersion, ok bool) {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	if n != 2 && n != 4 && n != 6 || n == len(line) {
		return nv, false
	}
	nv.indent = n
	s := line[n:]
	if i := strings.Index(s, " ("); i >= 0 {
		nv.name = s[:i]
		rest := s[i+2:]
		j := strings.LastIndexByte(rest, ')')
		if j < 0 {
			return nv, false
		}
		inner, after := rest[:j], rest[j+1:]
		nv.paren = true
		nv.version, nv.platform, _ = strings.Cut(inner, "-")
		s = after
	} else {
		end := strings.IndexAny(s, "! ")
		if end < 0 {
			end = len(s)
		}
		nv.name, s = s[:end], s[end:]
	}
	if rest, found := strings.CutPrefix(s, "!"); found {
		nv.pinned = true
		s = rest
	}
	if rest, found := strings.CutPrefix(s, " "); found {
		if rest == "" || strings.Contains(rest, " ") {
			return nv, false
		}
		nv.checksum = rest
		s = ""
	}
	if s != "" || nv.name == "" || strings.ContainsAny(nv.name, " ()!") {
		return nv, false
	}
	return nv, true
}

// lockName is how a spec is named in CHECKSUMS and IDs: "name (version-platform)".
func lockName(name, version, platform string) string {
	v := version
	if platform != "" {
		v += "-" + platform
	}
	return name + " (" + v + ")"
}
