package rpm

import (
	"fmt"
	"strings"
)

// pkgInfo is what the cataloger reads from one header.
type pkgInfo struct {
	name, version, release string
	epoch                  int64
	hasEpoch               bool
	arch                   string
	sourceRPM              string
	license                string
	vendor, packager       string
	summary, url           string
	size                   int64
	requires, provides     []string
	sigMD5                 string
	sha256Header           string
	payloadDigest          string
	payloadAlgo            int64
	modularity             string
}

// readPackage decodes the tags of one header blob.
func readPackage(blob []byte) (*pkgInfo, error) {
	h, err := parseHeader(blob)
	if err != nil {
		return nil, err
	}
	p := &pkgInfo{}
	strs := []struct {
		tag int32
		dst *string
	}{
		{tagName, &p.name}, {tagVersion, &p.version}, {tagRelease, &p.release},
		{tagArch, &p.arch}, {tagSourceRPM, &p.sourceRPM}, {tagLicense, &p.license},
		{tagVendor, &p.vendor}, {tagPackager, &p.packager}, {tagSummary, &p.summary},
		{tagURL, &p.url}, {tagSHA256Header, &p.sha256Header}, {tagModularity, &p.modularity},
	}
	for _, s := range strs {
		if *s.dst, err = h.str(s.tag); err != nil {
			return nil, err
		}
	}
	if p.name == "" {
		return nil, fmt.Errorf("%w: no NAME tag", errHeader)
	}
	if p.version == "" {
		return nil, fmt.Errorf("%w: package %s has no VERSION tag", errHeader, p.name)
	}
	if p.epoch, p.hasEpoch, err = h.int(tagEpoch); err != nil {
		return nil, err
	}
	if p.size, _, err = h.int(tagLongSize); err != nil {
		return nil, err
	}
	if p.size == 0 {
		if p.size, _, err = h.int(tagSize); err != nil {
			return nil, err
		}
	}
	if p.requires, err = h.strs(tagRequireName); err != nil {
		return nil, err
	}
	if p.provides, err = h.strs(tagProvideName); err != nil {
		return nil, err
	}
	if p.sigMD5, err = h.binHex(tagSigMD5); err != nil {
		return nil, err
	}
	digests, err := h.strs(tagPayloadDigest)
	if err != nil {
		return nil, err
	}
	if len(digests) > 0 {
		p.payloadDigest = digests[0]
	}
	if p.payloadAlgo, _, err = h.int(tagPayloadAlgo); err != nil {
		return nil, err
	}
	return p, nil
}

// evr is the version as rpm compares it: "[epoch:]version-release".
func (p *pkgInfo) evr() string {
	v := p.version
	if p.release != "" {
		v += "-" + p.release
	}
	if p.hasEpoch {
		v = fmt.Sprint(p.epoch) + ":" + v
	}
	return v
}

// sourceNameVersion splits SOURCERPM "name-version-release.src.rpm" into the source
// package's name and its "version-release".
func sourceNameVersion(s string) (name, version string) {
	base, ok := strings.CutSuffix(s, ".rpm")
	if !ok {
		return "", ""
	}
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[:i] // .src or .nosrc
	}
	r := strings.LastIndexByte(base, '-')
	if r <= 0 {
		return "", ""
	}
	v := strings.LastIndexByte(base[:r], '-')
	if v <= 0 {
		return "", ""
	}
	return base[:v], base[v+1:]
}

// payloadAlgos names the PGPHASHALGO values rpm uses for payload digests, in CycloneDX
// spelling.
var payloadAlgos = map[int64]string{1: "MD5", 2: "SHA-1", 8: "SHA-256", 9: "SHA-384", 10: "SHA-512"}
