package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/format/spdx"
	"github.com/hallmark-dev/hallmark/portfolio"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// Media types of SBOM uploads.
const (
	MediaCycloneDX = "application/vnd.cyclonedx+json"
	MediaSPDX      = "application/spdx+json"
)

// readBody reads r's body, gunzipping it when Content-Encoding says gzip, up to limit bytes
// after decompression.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	var body io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip body: %v", errBadRequest, err)
		}
		defer zr.Close()
		body = zr
	default:
		return nil, fmt.Errorf("%w: Content-Encoding %q (send gzip or nothing)", errUnsupported, enc)
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: reading the body: %v", errBadRequest, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes after decompression", errTooLarge, limit)
	}
	return data, nil
}

// mediaType returns the request's media type without parameters.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// maxNameLength bounds artifact names and versions.
const maxNameLength = 1024

func (s *Server) postSBOM(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	name, version, digest := q.Get("name"), q.Get("version"), q.Get("digest")
	if name == "" || len(name) > maxNameLength || len(version) > maxNameLength {
		return fmt.Errorf("%w: ?name= is required (and ?version=), each up to %d bytes", errBadRequest, maxNameLength)
	}
	if digest != "" && !digestRE.MatchString(digest) {
		return fmt.Errorf("%w: ?digest= must be sha256: and 64 lowercase hex digits", errBadRequest)
	}
	mt := mediaType(r)
	if mt != MediaCycloneDX && mt != MediaSPDX && mt != "application/json" {
		return fmt.Errorf("%w: Content-Type %q (send %s or %s)", errUnsupported, mt, MediaCycloneDX, MediaSPDX)
	}
	team, err := s.teamFor(r, c)
	if err != nil {
		return err
	}
	doc, err := readBody(r, MaxSBOMSize)
	if err != nil {
		return err
	}
	if mt == "application/json" {
		// Plain JSON: the document says which format it is.
		head := doc[:min(len(doc), 8<<10)]
		switch {
		case cyclonedx.Sniff(head):
			mt = MediaCycloneDX
		case spdx.Sniff(head):
			mt = MediaSPDX
		default:
			return fmt.Errorf("%w: the body is neither CycloneDX nor SPDX JSON", errBadRequest)
		}
	}
	decode, format := cyclonedx.Decode, "CycloneDX"
	if mt == MediaSPDX {
		decode, format = spdx.Decode, "SPDX"
	}
	inv, err := decode(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	res, err := s.opts.Portfolio.Ingest(r.Context(), portfolio.IngestRequest{
		TeamID: team, Name: name, Version: version, Digest: digest, Format: format, Document: doc, Inventory: inv,
	})
	if err != nil {
		return err
	}
	if res.Findings > 0 && s.opts.Webhooks != nil {
		s.opts.Webhooks.Wake()
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

// teamDocument resolves the team of a document upload and reads the document.
func (s *Server) teamDocument(r *http.Request, c *call) (int64, []byte, error) {
	team, err := s.teamFor(r, c)
	if err != nil {
		return 0, nil, err
	}
	doc, err := readBody(r, MaxDocumentSize)
	return team, doc, err
}

func (s *Server) postAttestation(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Evidence == nil {
		return fmt.Errorf("%w: attestations", errNotAvailable)
	}
	team, doc, err := s.teamDocument(r, c)
	if err != nil {
		return err
	}
	att, err := s.opts.Evidence.IngestAttestation(r.Context(), team, doc)
	return reply(w, http.StatusCreated, att, err)
}

func (s *Server) postVEX(w http.ResponseWriter, r *http.Request, c *call) error {
	if s.opts.Triage == nil {
		return fmt.Errorf("%w: VEX", errNotAvailable)
	}
	team, doc, err := s.teamDocument(r, c)
	if err != nil {
		return err
	}
	n, err := s.opts.Triage.IngestVEX(r.Context(), team, doc, c.p.Name)
	return reply(w, http.StatusCreated, map[string]int{"statements": n}, err)
}

// advisoriesResult is the answer of POST /api/v1/advisories.
type advisoriesResult struct {
	Read      int                `json:"read"`
	Added     int                `json:"added"`
	Updated   int                `json:"updated"`
	Unchanged int                `json:"unchanged"`
	Withdrawn int                `json:"withdrawn"`
	Malformed []vulndb.Malformed `json:"malformed"`
	Changed   []string           `json:"changed"`
	// Queued says the changed advisories wait for the re-evaluation worker (the default);
	// Reevaluation is what the re-evaluation did when the request waited for it (wait=true).
	Queued       bool                   `json:"queued"`
	Reevaluation *portfolio.ReevalStats `json:"reevaluation,omitempty"`
}

func (s *Server) postAdvisories(w http.ResponseWriter, r *http.Request, c *call) error {
	doc, err := readBody(r, MaxAdvisoriesSize)
	if err != nil {
		return err
	}
	ext := ".json"
	if bytes.HasPrefix(doc, []byte("PK\x03\x04")) {
		ext = ".zip"
	} else if b := bytes.TrimLeft(doc, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("%w: the body is neither an OSV JSON document nor a zip of them", errBadRequest)
	}
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	res, err := s.importAdvisories(r.Context(), doc, ext, wait)
	if err != nil {
		return err
	}
	if ext == ".json" && len(res.Malformed) > 0 {
		return fmt.Errorf("%w: %s", errBadRequest, res.Malformed[0].Err)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// importAdvisories imports advisories from data (ext says .json or .zip) and queues the ones
// that changed for re-evaluation, in the transactions that store them (a retry of a failed
// upload finds committed advisories unchanged, so queueing them afterwards could be lost), or
// with wait re-evaluates them before returning.
func (s *Server) importAdvisories(ctx context.Context, data []byte, ext string, wait bool) (*advisoriesResult, error) {
	f, err := os.CreateTemp("", "hallmark-advisories-*"+ext)
	if err != nil {
		return nil, fmt.Errorf("storing the upload: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("storing the upload: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("storing the upload: %w", err)
	}
	start := time.Now()
	st, err := s.opts.Advisories.Import(ctx, f.Name(), nil, vulndb.OnChanged(s.opts.Portfolio.QueueTx))
	if err != nil {
		// A zip that fails part way has committed and queued some batches already.
		if st != nil && len(st.Changed) > 0 {
			s.wakeReevaluation()
		}
		return nil, fmt.Errorf("importing advisories: %w", err)
	}
	imported := time.Since(start)
	changed := st.Changed
	if err := s.forgetSource(ctx, f.Name()); err != nil {
		return nil, err
	}
	res := &advisoriesResult{Read: st.Read, Added: st.Added, Updated: st.Updated, Unchanged: st.Unchanged,
		Withdrawn: st.Withdrawn, Malformed: st.Malformed, Changed: changed}
	// Name files as the client knows them: the upload, or its zip entries.
	res.Malformed = make([]vulndb.Malformed, len(st.Malformed))
	for i, m := range st.Malformed {
		res.Malformed[i] = vulndb.Malformed{File: uploadName(m.File, f.Name()), Err: uploadName(m.Err, f.Name())}
	}
	if res.Changed == nil {
		res.Changed = []string{}
	}
	if !wait {
		if len(changed) > 0 {
			s.wakeReevaluation()
		}
		res.Queued = len(changed) > 0
		s.log.InfoContext(ctx, "advisories posted", "read", st.Read, "changed", len(changed), "import", imported)
		return res, nil
	}
	if res.Reevaluation, err = s.reevaluate(ctx, changed); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "advisories posted", "read", st.Read, "changed", len(changed), "opened", res.Reevaluation.Opened,
		"resolved", res.Reevaluation.Resolved, "import", imported, "reevaluation", time.Since(start)-imported)
	return res, nil
}

// uploadName replaces the temporary file's path or name in s by "upload".
func uploadName(s, tmp string) string {
	s = strings.ReplaceAll(s, tmp, "upload")
	return strings.ReplaceAll(s, filepath.Base(tmp), "upload")
}

// forgetSource removes an upload's temporary file from the import sources: an upload is not
// a source to show in 'db status'.
func (s *Server) forgetSource(ctx context.Context, source string) error {
	_, err := s.opts.Store.SQL().ExecContext(ctx, `DELETE FROM sources WHERE name = ?`, source)
	if err != nil {
		return fmt.Errorf("forgetting the upload's source: %w", err)
	}
	return nil
}

func (s *Server) getAdvisory(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	var doc []byte
	err := s.opts.Store.SQL().QueryRowContext(r.Context(), `SELECT doc FROM advisories WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		// An alias (a CVE) names the advisories that carry it: answer with the first.
		err = s.opts.Store.SQL().QueryRowContext(r.Context(), `SELECT a.doc FROM advisory_aliases x JOIN advisories a ON a.id = x.advisory_id
			WHERE x.alias = ? ORDER BY a.id LIMIT 1`, id).Scan(&doc)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: advisory %s", errNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("reading advisory %s: %w", id, err)
	}
	sum := sha256.Sum256(doc)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(doc)
	return nil
}

func (s *Server) getAffected(w http.ResponseWriter, r *http.Request, c *call) error {
	a, err := s.opts.Portfolio.AffectedBy(r.Context(), c.p.Portfolio(), r.PathValue("id"))
	return reply(w, http.StatusOK, a, err)
}
