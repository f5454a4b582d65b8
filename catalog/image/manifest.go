package image

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/catalog"
)

// Media types of the OCI image specification (https://github.com/opencontainers/image-spec)
// and their Docker equivalents.
const (
	mediaOCIIndex      = "application/vnd.oci.image.index.v1+json"
	mediaOCIManifest   = "application/vnd.oci.image.manifest.v1+json"
	mediaDockerList    = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaDockerV2      = "application/vnd.docker.distribution.manifest.v2+json"
	annotationRefName  = "org.opencontainers.image.ref.name"
	maxLayers          = 1000
	maxIndexDepth      = 4
	maxIndexManifests  = 10_000
	defaultPlatformOS  = "linux"
	defaultPlatformCPU = "amd64"
)

// descriptor is an OCI content descriptor.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform,omitempty"`
}

// index is an OCI image index (index.json of a layout) or a Docker manifest list.
type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// manifest is an OCI image manifest or a Docker v2 schema 2 manifest.
type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

// dockerManifest is one entry of a docker save archive's manifest.json.
type dockerManifest struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

// config is the part of an image configuration Hallmark reads.
type config struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	RootFS       struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

// layerRef is one layer to apply: where its blob is and how to name it.
type layerRef struct {
	member    string // member name in the store
	digest    string // expected digest of the blob, "" when unknown
	diffID    string // digest of the uncompressed layer from the config, "" when unknown
	mediaType string
	size      int64
}

// plan is what to read from an image: its layers in order, and its identity.
type plan struct {
	configDigest string
	tags         []string
	layers       []layerRef
}

// blobPath returns the OCI layout member for a digest "alg:hex".
func blobPath(digest string) (string, error) {
	alg, hex, ok := strings.Cut(digest, ":")
	if !ok || alg == "" || hex == "" || strings.ContainsAny(digest, "/\\.") {
		return "", fmt.Errorf("invalid digest %q: %w", digest, catalog.ErrMalformed)
	}
	return "blobs/" + alg + "/" + hex, nil
}

func decodeJSON(b []byte, v any, what string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w: %v", what, catalog.ErrMalformed, err)
	}
	return nil
}

// planDocker reads a docker save archive's manifest.json. Archives holding several images
// are read for their first image; the choice is reported in the returned note.
func planDocker(s store) (*plan, string, error) {
	b, err := readSmall(s, "manifest.json")
	if err != nil {
		return nil, "", err
	}
	var ms []dockerManifest
	if err := decodeJSON(b, &ms, "manifest.json"); err != nil {
		return nil, "", err
	}
	if len(ms) == 0 {
		return nil, "", fmt.Errorf("manifest.json: %w: no images", catalog.ErrMalformed)
	}
	note := ""
	if len(ms) > 1 {
		note = fmt.Sprintf("archive holds %d images; only the first (%s) was read", len(ms), strings.Join(ms[0].RepoTags, ", "))
	}
	m := ms[0]
	if len(m.Layers) > maxLayers {
		return nil, "", fmt.Errorf("manifest.json: %w (%d layers, limit %d)", catalog.ErrTooLarge, len(m.Layers), maxLayers)
	}
	cb, err := readSmall(s, m.Config)
	if err != nil {
		return nil, "", fmt.Errorf("image config: %w", err)
	}
	var cfg config
	if err := decodeJSON(cb, &cfg, m.Config); err != nil {
		return nil, "", err
	}
	p := &plan{configDigest: sha256Digest(cb), tags: m.RepoTags}
	for i, l := range m.Layers {
		ref := layerRef{member: l}
		if i < len(cfg.RootFS.DiffIDs) {
			ref.diffID = cfg.RootFS.DiffIDs[i]
		}
		// Docker 25+ writes OCI blobs: the member name is the blob's digest.
		if alg, hex, ok := strings.Cut(strings.TrimPrefix(l, "blobs/"), "/"); ok && strings.HasPrefix(l, "blobs/") {
			ref.digest = alg + ":" + hex
		}
		p.layers = append(p.layers, ref)
	}
	if len(cfg.RootFS.DiffIDs) != 0 && len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, "", fmt.Errorf("image config: %w: %d diff_ids for %d layers", catalog.ErrMalformed, len(cfg.RootFS.DiffIDs), len(m.Layers))
	}
	return p, note, nil
}

// planOCI reads an OCI image layout's index.json, choosing the linux/amd64 image of a
// multi-platform index (or the first image when none is marked).
func planOCI(s store) (*plan, string, error) {
	b, err := readSmall(s, "index.json")
	if err != nil {
		return nil, "", err
	}
	var idx index
	if err := decodeJSON(b, &idx, "index.json"); err != nil {
		return nil, "", err
	}
	var tags []string
	for _, d := range idx.Manifests {
		if n := d.Annotations[annotationRefName]; n != "" {
			tags = append(tags, n)
		}
	}
	desc, note, err := chooseManifest(s, idx, 0)
	if err != nil {
		return nil, "", err
	}
	mb, err := readBlob(s, desc)
	if err != nil {
		return nil, "", err
	}
	var m manifest
	if err := decodeJSON(mb, &m, "image manifest "+desc.Digest); err != nil {
		return nil, "", err
	}
	if len(m.Layers) > maxLayers {
		return nil, "", fmt.Errorf("image manifest: %w (%d layers, limit %d)", catalog.ErrTooLarge, len(m.Layers), maxLayers)
	}
	cb, err := readBlob(s, m.Config)
	if err != nil {
		return nil, "", fmt.Errorf("image config: %w", err)
	}
	var cfg config
	if err := decodeJSON(cb, &cfg, "image config "+m.Config.Digest); err != nil {
		return nil, "", err
	}
	if len(cfg.RootFS.DiffIDs) != 0 && len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, "", fmt.Errorf("image config: %w: %d diff_ids for %d layers", catalog.ErrMalformed, len(cfg.RootFS.DiffIDs), len(m.Layers))
	}
	p := &plan{configDigest: m.Config.Digest, tags: tags}
	for i, l := range m.Layers {
		member, err := blobPath(l.Digest)
		if err != nil {
			return nil, "", err
		}
		ref := layerRef{member: member, digest: l.Digest, mediaType: l.MediaType, size: l.Size}
		if i < len(cfg.RootFS.DiffIDs) {
			ref.diffID = cfg.RootFS.DiffIDs[i]
		}
		p.layers = append(p.layers, ref)
	}
	return p, note, nil
}

// chooseManifest picks one image manifest from an index, descending into nested indexes.
func chooseManifest(s store, idx index, depth int) (descriptor, string, error) {
	if depth > maxIndexDepth {
		return descriptor{}, "", fmt.Errorf("image index: %w: nested more than %d deep", catalog.ErrTooLarge, maxIndexDepth)
	}
	if len(idx.Manifests) == 0 {
		return descriptor{}, "", fmt.Errorf("image index: %w: no manifests", catalog.ErrMalformed)
	}
	if len(idx.Manifests) > maxIndexManifests {
		return descriptor{}, "", fmt.Errorf("image index: %w", catalog.ErrTooLarge)
	}
	pick := -1
	for i, d := range idx.Manifests {
		if d.Platform != nil && d.Platform.OS == defaultPlatformOS && d.Platform.Architecture == defaultPlatformCPU {
			pick = i
			break
		}
	}
	note := ""
	if pick < 0 {
		pick = 0
	}
	if n := len(idx.Manifests); n > 1 {
		note = fmt.Sprintf("index lists %d manifests; read %s", n, idx.Manifests[pick].Digest)
	}
	d := idx.Manifests[pick]
	switch d.MediaType {
	case mediaOCIIndex, mediaDockerList:
		b, err := readBlob(s, d)
		if err != nil {
			return descriptor{}, "", err
		}
		var inner index
		if err := decodeJSON(b, &inner, "image index "+d.Digest); err != nil {
			return descriptor{}, "", err
		}
		return chooseManifest(s, inner, depth+1)
	case mediaOCIManifest, mediaDockerV2, "":
		return d, note, nil
	}
	return descriptor{}, "", fmt.Errorf("manifest %s: %w: media type %q", d.Digest, catalog.ErrUnsupported, d.MediaType)
}

// readBlob reads a small blob and checks its digest.
func readBlob(s store, d descriptor) ([]byte, error) {
	member, err := blobPath(d.Digest)
	if err != nil {
		return nil, err
	}
	b, err := readSmall(s, member)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(d.Digest, "sha256:") && sha256Digest(b) != d.Digest {
		return nil, fmt.Errorf("blob %s: %w: content does not match its digest", d.Digest, catalog.ErrMalformed)
	}
	return b, nil
}
