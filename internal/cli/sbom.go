package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hallmark-dev/hallmark/catalog/all"
	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/format/spdx"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source"
)

const sbomAbout = `
Write a software bill of materials of each TARGET: a directory (walked once; .git,
node_modules and vendor directories are skipped), a root filesystem, a single lockfile,
manifest or binary, a container image (docker save archive, OCI image layout directory or
tar), or an existing CycloneDX or SPDX document, which is read and written again in the
requested format. Several targets are combined into one SBOM.

The output is deterministic: the same input gives byte-identical output when
SOURCE_DATE_EPOCH fixes the timestamp (the serial number is derived from the content).

Files that cannot be read completely are reported on stderr and recorded in the SBOM, which
is then marked partial; --strict makes that exit with status 1.`

const sbomExamples = `  hallmark sbom .                                    CycloneDX 1.6 JSON of a source tree
  hallmark sbom --format spdx-json -o app.spdx.json ./app
  hallmark sbom --format cyclonedx-xml --spec-version 1.5 package-lock.json
  hallmark sbom image.tar                            a 'docker save' archive
  hallmark sbom --format spdx-tag-value bom.cdx.json convert CycloneDX to SPDX
  hallmark sbom --exclude 'testdata' --exclude '**/fixtures/**' .`

// Output formats of hallmark sbom.
const (
	formatCycloneDXJSON = "cyclonedx-json"
	formatCycloneDXXML  = "cyclonedx-xml"
	formatSPDXJSON      = "spdx-json"
	formatSPDXTagValue  = "spdx-tag-value"
)

type sbomFlags struct {
	format      string
	specVersion string
	output      string
	exclude     stringList
	strict      bool
	quiet       bool
	verbose     bool
}

func runSBOM(ctx context.Context, env *Env, args []string) error {
	var f sbomFlags
	fs := newFlagSet("sbom", "hallmark sbom [flags] TARGET...", sbomAbout, sbomExamples)
	fs.StringVar(&f.format, "format", formatCycloneDXJSON, "output `format`: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value")
	fs.StringVar(&f.specVersion, "spec-version", "", "specification `version`: 1.6 (default) or 1.5 for CycloneDX, 2.3 for SPDX")
	fs.StringVar(&f.output, "output", "", "write to `file` instead of stdout")
	fs.StringVar(&f.output, "o", "", "shorthand for --output")
	fs.Var(&f.exclude, "exclude", "skip paths matching `glob` (repeatable; ** matches directories)")
	fs.BoolVar(&f.strict, "strict", false, "exit 1 when any file could not be read completely")
	fs.BoolVar(&f.quiet, "quiet", false, "print no warnings or progress")
	fs.BoolVar(&f.quiet, "q", false, "shorthand for --quiet")
	fs.BoolVar(&f.verbose, "verbose", false, "print every file error and a summary")
	fs.BoolVar(&f.verbose, "v", false, "shorthand for --verbose")
	targets, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return usageErrorf("sbom: no TARGET given (try 'hallmark sbom .')")
	}
	enc, err := newEncoder(f.format, f.specVersion)
	if err != nil {
		return err
	}
	ts, err := sourceDateEpoch(env.Getenv)
	if err != nil {
		return err
	}

	inv, err := inventory(ctx, env, targets, f.exclude, f.quiet)
	if err != nil {
		return err
	}
	if err := writeOutput(f.output, env.Stdout, func(w io.Writer) error { return enc(w, inv, ts) }); err != nil {
		return err
	}
	if !f.quiet {
		reportErrors(env.Stderr, inv, f.verbose)
	}
	if f.verbose {
		fmt.Fprintf(env.Stderr, "%d packages from %d target(s)\n", len(inv.Packages), len(targets))
	}
	if f.strict && inv.Partial() {
		return &exitError{code: ExitError, err: fmt.Errorf("--strict: %d file(s) could not be read completely", len(inv.Errors))}
	}
	return nil
}

// inventory catalogs targets with every cataloger, drawing progress on a terminal.
func inventory(ctx context.Context, env *Env, targets []string, exclude []string, quiet bool) (*sbom.Inventory, error) {
	opts := source.Options{
		Catalogers: all.Catalogers(),
		Exclude:    exclude,
		Decoders:   []source.Decoder{cyclonedxDecoder{}, spdxDecoder{}},
		Images:     all.Images(),
	}
	var pl *progressLine
	if !quiet && isTerminal(env.Stderr) {
		pl = &progressLine{w: env.Stderr}
		opts.Progress = pl.update
	}
	inv, err := source.Inventory(ctx, targets, opts)
	if pl != nil {
		pl.clear()
	}
	return inv, err
}

type encodeFunc func(w io.Writer, inv *sbom.Inventory, ts time.Time) error

// newEncoder validates the format flags up front and returns the encoder they select.
func newEncoder(format, spec string) (encodeFunc, error) {
	switch format {
	case formatCycloneDXJSON, formatCycloneDXXML:
		switch spec {
		case "":
			spec = "1.6"
		case "1.6", "1.5":
		default:
			return nil, usageErrorf("sbom: CycloneDX --spec-version must be 1.6 or 1.5, not %q", spec)
		}
		xml := format == formatCycloneDXXML
		return func(w io.Writer, inv *sbom.Inventory, ts time.Time) error {
			return cyclonedx.Encode(w, inv, cyclonedx.EncodeOptions{
				SpecVersion: spec, XML: xml, Timestamp: ts, ToolName: "hallmark", ToolVersion: version(),
			})
		}, nil
	case formatSPDXJSON, formatSPDXTagValue:
		if spec != "" && spec != "2.3" {
			return nil, usageErrorf("sbom: SPDX --spec-version must be 2.3, not %q", spec)
		}
		tv := format == formatSPDXTagValue
		return func(w io.Writer, inv *sbom.Inventory, ts time.Time) error {
			return spdx.Encode(w, inv, spdx.EncodeOptions{
				TagValue: tv, Created: ts, ToolName: "hallmark", ToolVersion: version(),
			})
		}, nil
	}
	return nil, usageErrorf("sbom: unknown --format %q (want cyclonedx-json, cyclonedx-xml, spdx-json or spdx-tag-value)", format)
}

// sourceDateEpoch returns the time SOURCE_DATE_EPOCH names
// (https://reproducible-builds.org/specs/source-date-epoch/), or the current time.
func sourceDateEpoch(getenv func(string) string) (time.Time, error) {
	v := getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, usageErrorf("SOURCE_DATE_EPOCH must be a non-negative number of seconds, not %q", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// writeOutput writes to stdout, or to name through a temporary file renamed into place, so a
// failed run never leaves a truncated document behind.
func writeOutput(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		return write(stdout)
	}
	// A device, FIFO or socket (/dev/null, a named pipe, /dev/stdout) is written in place:
	// renaming a temporary file over it would replace it with a regular file.
	if st, err := os.Stat(name); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return fmt.Errorf("writing %s: it is a directory; name a file", name)
		}
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".*")
	if err != nil {
		// The temporary file's name would only confuse: name the output and the cause.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("writing %s: %w (check that the directory %s exists and is writable)", name, err, dir)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// reportErrors tells the user which files made the inventory partial.
func reportErrors(w io.Writer, inv *sbom.Inventory, verbose bool) {
	if !inv.Partial() {
		return
	}
	const brief = 10
	fmt.Fprintf(w, "warning: %d file(s) could not be read completely; the SBOM is partial:\n", len(inv.Errors))
	for i, e := range inv.Errors {
		if i == brief && !verbose {
			fmt.Fprintf(w, "  … and %d more (use --verbose to see all)\n", len(inv.Errors)-brief)
			break
		}
		fmt.Fprintf(w, "  %s\n", e.String())
	}
}

type cyclonedxDecoder struct{}

func (cyclonedxDecoder) Name() string                                { return "CycloneDX" }
func (cyclonedxDecoder) Sniff(head []byte) bool                      { return cyclonedx.Sniff(head) }
func (cyclonedxDecoder) Decode(r io.Reader) (*sbom.Inventory, error) { return cyclonedx.Decode(r) }

type spdxDecoder struct{}

func (spdxDecoder) Name() string                                { return "SPDX" }
func (spdxDecoder) Sniff(head []byte) bool                      { return spdx.Sniff(head) }
func (spdxDecoder) Decode(r io.Reader) (*sbom.Inventory, error) { return spdx.Decode(r) }
