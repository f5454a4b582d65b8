// Package osrelease reads os-release(5) files, which name the operating system of a root
// filesystem, and catalogs the operating system itself.
//
// The format (https://www.freedesktop.org/software/systemd/man/latest/os-release.html) is a
// newline-separated list of KEY=value assignments compatible with shell: values may be
// unquoted, 'single-quoted' (literal) or "double-quoted" (where \" \\ \$ and \` are escapes),
// and a backslash outside quotes escapes the next character. Lines starting with "#" are
// comments. The file is etc/os-release, falling back to usr/lib/os-release.
//
// Not supported: variable expansion ("$VAR" is kept verbatim, as systemd does) and command
// substitution, which os-release forbids.
package osrelease

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// MaxSize bounds an os-release file. Real files are a few hundred bytes.
const MaxSize = 64 << 10

// Paths are the locations of the os-release file inside a root filesystem, in the order of
// precedence os-release(5) gives them.
var Paths = []string{"etc/os-release", "usr/lib/os-release"}

// maxLinks bounds the symbolic links followed while resolving an os-release path.
const maxLinks = 16

// Parse parses the content of an os-release file. Keys other than ID, ID_LIKE, VERSION_ID,
// VERSION_CODENAME, NAME, PRETTY_NAME and CPE_NAME are ignored. When ID is missing it is
// "linux", the default os-release(5) gives. A malformed file (an unterminated quote, a line
// that is not an assignment) gives a *catalog.ParseError.
func Parse(data []byte) (*sbom.Distro, error) {
	return parse("os-release", data)
}

func parse(name string, data []byte) (*sbom.Distro, error) {
	vars, err := parseVars(name, data)
	if err != nil {
		return nil, err
	}
	d := &sbom.Distro{
		ID:              vars["ID"],
		VersionID:       vars["VERSION_ID"],
		VersionCodename: vars["VERSION_CODENAME"],
		Name:            vars["NAME"],
		PrettyName:      vars["PRETTY_NAME"],
		CPE:             vars["CPE_NAME"],
	}
	if like := strings.Fields(vars["ID_LIKE"]); len(like) > 0 {
		d.IDLike = like
	}
	if d.ID == "" {
		d.ID = "linux"
	}
	if d.VersionCodename == "" {
		// Ubuntu before 17.10 and some derivatives only set UBUNTU_CODENAME.
		d.VersionCodename = vars["UBUNTU_CODENAME"]
	}
	return d, nil
}

// parseVars splits data into assignments, following the shell quoting rules that
// os-release(5) allows. The last assignment of a key wins.
func parseVars(name string, data []byte) (map[string]string, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", name, catalog.ErrTooLarge, len(data), MaxSize)
	}
	vars := map[string]string{}
	s := string(data)
	line := 1
	i := 0
	for i < len(s) {
		// Skip leading blanks.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '\n':
			line++
			i++
			continue
		case '#', ';':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		}
		start := line
		j := i
		for j < len(s) && isKeyByte(s[j], j == i) {
			j++
		}
		if j == i || j >= len(s) || s[j] != '=' {
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			return nil, catalog.Errorf(name, start, "line %q is not a KEY=value assignment", truncate(s[i:i+end]))
		}
		key := s[i:j]
		i = j + 1
		var v strings.Builder
		for i < len(s) && s[i] != '\n' {
			c := s[i]
			switch c {
			case '\'':
				end := strings.IndexByte(s[i+1:], '\'')
				if end < 0 {
					return nil, catalog.Errorf(name, start, "unterminated single quote in the value of %s", key)
				}
				lit := s[i+1 : i+1+end]
				line += strings.Count(lit, "\n")
				v.WriteString(lit)
				i += end + 2
			case '"':
				i++
				closed := false
				for i < len(s) {
					c := s[i]
					if c == '"' {
						closed = true
						i++
						break
					}
					if c == '\\' && i+1 < len(s) {
						switch n := s[i+1]; n {
						case '"', '\\', '$', '`':
							v.WriteByte(n)
							i += 2
							continue
						case '\n': // line continuation
							line++
							i += 2
							continue
						}
					}
					if c == '\n' {
						line++
					}
					v.WriteByte(c)
					i++
				}
				if !closed {
					return nil, catalog.Errorf(name, start, "unterminated double quote in the value of %s", key)
				}
			case '\\':
				if i+1 < len(s) {
					if s[i+1] == '\n' {
						line++
					} else {
						v.WriteByte(s[i+1])
					}
					i += 2
				} else {
					i++
				}
			case ' ', '\t', '\r':
				// Unquoted blanks end the value; the rest of the line must be blank or a comment.
				for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
					i++
				}
				if i < len(s) && s[i] != '\n' && s[i] != '#' {
					return nil, catalog.Errorf(name, start, "the value of %s contains unquoted blanks; quote it", key)
				}
				for i < len(s) && s[i] != '\n' {
					i++
				}
			default:
				v.WriteByte(c)
				i++
			}
		}
		vars[key] = v.String()
	}
	return vars, nil
}

func isKeyByte(c byte, first bool) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		return true
	case c >= '0' && c <= '9':
		return !first
	}
	return false
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Read returns the distribution of the root filesystem fsys from etc/os-release, or from
// usr/lib/os-release when the former does not exist. It returns (nil, nil) when neither
// exists. Symbolic links are resolved inside fsys when fsys implements fs.ReadLinkFS (so that
// an absolute link such as /usr/lib/os-release never leaves the target); otherwise fsys
// follows them itself. The file may be at most MaxSize bytes.
func Read(fsys fs.FS) (*sbom.Distro, error) {
	if fsys == nil {
		return nil, nil
	}
	for _, p := range Paths {
		name, err := resolve(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		data, err := catalog.ReadFileFS(fsys, name, MaxSize)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		return parse(p, data)
	}
	return nil, nil
}

// resolve follows symbolic links in the last element of name inside fsys and returns the
// final name (slash-separated, relative to the root of fsys). Intermediate directories are
// left to fsys.
func resolve(fsys fs.FS, name string) (string, error) {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		return name, nil
	}
	for range maxLinks {
		st, err := rl.Lstat(name)
		if err != nil {
			return "", err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return name, nil
		}
		target, err := rl.ReadLink(name)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			name = path.Clean(target)[1:]
		} else {
			name = path.Join(path.Dir(name), target)
		}
		if name == "" || name == "." || name == ".." || strings.HasPrefix(name, "../") {
			// A link that climbs above the root stays at the root, as in a chroot.
			name = strings.TrimLeft(strings.TrimPrefix(path.Clean("/"+name), "/"), "/")
		}
		if !fs.ValidPath(name) || name == "." {
			return "", fmt.Errorf("%s: link to %q: %w", name, target, fs.ErrNotExist)
		}
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", name)
}
