package golang

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/mod/module"

	"github.com/hallmark-dev/hallmark/catalog"
)

// sumEntry is what go.sum records for one module version.
type sumEntry struct {
	h1 string // hash of the module zip ("h1:…"), empty when only the go.mod hash is recorded
}

// readGoSum reads the go.sum beside go.mod through f.FS. It returns a nil map (and no error)
// when there is none, and the map read so far with a *catalog.ParseError for a malformed line.
func readGoSum(f *catalog.File) (map[module.Version]sumEntry, string, error) {
	sumPath := path.Join(path.Dir(f.Path), "go.sum")
	data, err := catalog.ReadFileFS(f.FS, sumPath, catalog.MaxManifestSize)
	if errors.Is(err, fs.ErrNotExist) || f.FS == nil {
		return nil, sumPath, nil
	}
	if err != nil {
		return nil, sumPath, fmt.Errorf("reading %s: %w", sumPath, err)
	}
	sum, err := parseGoSum(sumPath, data)
	return sum, sumPath, err
}

// parseGoSum parses go.sum lines "<module> <version>[/go.mod] <hash>"
// (https://go.dev/ref/mod#go-sum-files). Every listed version is in the map; the zip hash is
// kept. Blank lines are allowed, as the go command allows them.
func parseGoSum(name string, data []byte) (map[module.Version]sumEntry, error) {
	sum := map[module.Version]sumEntry{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, catalog.MaxLineLength)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return sum, catalog.Errorf(name, line, "want \"<module> <version> <hash>\", got %d fields", len(fields))
		}
		if len(sum) >= catalog.MaxPackages {
			return sum, fmt.Errorf("%s: %w (more than %d modules)", name, catalog.ErrTooLarge, catalog.MaxPackages)
		}
		ver, isMod := strings.CutSuffix(fields[1], "/go.mod")
		key := module.Version{Path: fields[0], Version: ver}
		e := sum[key]
		if !isMod && strings.HasPrefix(fields[2], "h1:") {
			e.h1 = fields[2]
		}
		sum[key] = e
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return sum, catalog.Errorf(name, line+1, "line longer than %d bytes", catalog.MaxLineLength)
		}
		return sum, fmt.Errorf("reading %s: %w", name, err)
	}
	return sum, nil
}
