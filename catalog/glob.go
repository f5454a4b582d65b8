package catalog

import (
	"path"
	"strings"
)

// MatchGlob reports whether the slash-separated relative path rel matches pattern. Patterns
// use path.Match syntax, plus "**" for any number of directories. A pattern without a slash
// matches any path element ("testdata" excludes every directory or file named testdata); a
// pattern with a slash matches from the root ("examples/*/package-lock.json").
func MatchGlob(pattern, rel string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	pattern = strings.TrimSuffix(pattern, "/")
	if !strings.Contains(pattern, "/") {
		for _, el := range strings.Split(rel, "/") {
			if ok, _ := path.Match(pattern, el); ok {
				return true
			}
		}
		return false
	}
	return matchParts(strings.Split(pattern, "/"), strings.Split(rel, "/"))
}

func matchParts(pat, parts []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(parts); i++ {
				if matchParts(pat[1:], parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], parts[0]); !ok {
			return false
		}
		pat, parts = pat[1:], parts[1:]
	}
	// A pattern naming a directory also excludes everything below it.
	return true
}

func excluded(rel string, patterns []string) bool {
	for _, p := range patterns {
		if MatchGlob(p, rel) {
			return true
		}
	}
	return false
}

func stripDoubleStar(p string) string { return strings.ReplaceAll(p, "**", "x") }
