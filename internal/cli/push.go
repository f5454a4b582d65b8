package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/format/cyclonedx"
	"github.com/hallmark-dev/hallmark/format/spdx"
	"github.com/hallmark-dev/hallmark/server"
)

const pushAbout = `
Upload an SBOM of TARGET to a Hallmark server, as artifact NAME at VERSION of a team: the
SBOM is built as 'hallmark sbom' builds it (CycloneDX 1.6 JSON), unless TARGET is already a
CycloneDX or SPDX JSON document, which is sent as it is. The upload is gzipped. The server
matches it against its advisories and answers with the artifact and its findings.

The token (scope ingest or more) comes from --token or HALLMARK_TOKEN, the server from
--server or HALLMARK_SERVER. --team is needed when the token belongs to several teams.`

const pushExamples = `  HALLMARK_TOKEN=hm_… hallmark push --server https://hallmark.example.com --name shop --version 1.4.2 .
  hallmark push --server http://127.0.0.1:8080 --name shop --version 1.4.2 --team web bom.cdx.json
  hallmark push --name api --version "$GIT_SHA" --digest sha256:… image.tar`

// maxAnswer bounds the server's answer that push reads.
const maxAnswer = 1 << 20

func runPush(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("push", "hallmark push --server URL --name NAME --version VERSION [flags] TARGET|SBOM", pushAbout, pushExamples)
	srv := fs.String("server", "", "the server's base `URL` (default: $HALLMARK_SERVER)")
	token := fs.String("token", "", "API `token` (default: $HALLMARK_TOKEN; the flag shows in process lists)")
	name := fs.String("name", "", "the artifact's `name`")
	ver := fs.String("version", "", "the artifact's `version`")
	team := fs.String("team", "", "the `team` owning the artifact (when the token has several)")
	digest := fs.String("digest", "", "the artifact's `digest` (sha256:…; default: the SBOM's, else derived from it)")
	var exclude stringList
	fs.Var(&exclude, "exclude", "skip paths matching `glob` when building the SBOM (repeatable)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this `duration`")
	jsonOut := fs.Bool("json", false, "print the server's JSON answer")
	targets, err := fs.parse(args, env.Stdout)
	if err != nil {
		return err
	}
	if *srv == "" {
		*srv = env.Getenv("HALLMARK_SERVER")
	}
	if *token == "" {
		*token = env.Getenv("HALLMARK_TOKEN")
	}
	switch {
	case len(targets) == 0:
		return usageErrorf("push: no TARGET given (a directory, image or SBOM file)")
	case *srv == "":
		return usageErrorf("push: --server (or HALLMARK_SERVER) is required")
	case *token == "":
		return usageErrorf("push: --token (or HALLMARK_TOKEN) is required")
	case *name == "" || *ver == "":
		return usageErrorf("push: --name and --version are required")
	}
	base, err := url.Parse(strings.TrimRight(*srv, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usageErrorf("push: --server %q is not an http(s) URL", *srv)
	}
	doc, mediaType, err := pushDocument(ctx, env, targets, exclude)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	zw.Write(doc)
	if err := zw.Close(); err != nil {
		return err
	}
	q := url.Values{"name": {*name}, "version": {*ver}}
	if *team != "" {
		q.Set("team", *team)
	}
	if *digest != "" {
		q.Set("digest", *digest)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", base.String()+"/api/v1/sboms?"+q.Encode(), &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mediaType)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+*token)
	req.Header.Set("User-Agent", "hallmark/"+version())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("push: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		var e struct{ Error string }
		if json.Unmarshal(answer, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(answer))
		}
		return fmt.Errorf("push: the server answered %s: %s", resp.Status, e.Error)
	}
	if *jsonOut {
		_, err := env.Stdout.Write(answer)
		return err
	}
	var res struct {
		Artifact struct {
			ID                    int64
			Name, Version, Digest string
		}
		Components, Findings int
	}
	if err := json.Unmarshal(answer, &res); err != nil {
		return fmt.Errorf("push: the server's answer: %w", err)
	}
	a := res.Artifact
	fmt.Fprintf(env.Stdout, "artifact %d: %s %s (%s): %d components, %d findings\n", a.ID, a.Name, a.Version, a.Digest, res.Components, res.Findings)
	return nil
}

// pushDocument returns the SBOM to upload and its media type: a CycloneDX or SPDX JSON file
// given as the only target as it is, else a CycloneDX JSON SBOM built from the targets.
func pushDocument(ctx context.Context, env *Env, targets, exclude []string) ([]byte, string, error) {
	if len(targets) == 1 {
		if fi, err := os.Stat(targets[0]); err == nil && fi.Mode().IsRegular() && fi.Size() <= server.MaxSBOMSize {
			data, err := os.ReadFile(targets[0])
			if err != nil {
				return nil, "", err
			}
			head := bytes.TrimLeft(data[:min(len(data), 8<<10)], "\xef\xbb\xbf \t\r\n")
			if len(head) > 0 && head[0] == '{' {
				switch {
				case cyclonedx.Sniff(head):
					return data, server.MediaCycloneDX, nil
				case spdx.Sniff(head):
					return data, server.MediaSPDX, nil
				}
			}
		}
	}
	inv, err := inventory(ctx, env, targets, exclude, true)
	if err != nil {
		return nil, "", err
	}
	enc, err := newEncoder(formatCycloneDXJSON, "")
	if err != nil {
		return nil, "", err
	}
	ts, err := sourceDateEpoch(env.Getenv)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := enc(&buf, inv, ts); err != nil {
		return nil, "", err
	}
	reportErrors(env.Stderr, inv, false)
	return buf.Bytes(), server.MediaCycloneDX, nil
}
