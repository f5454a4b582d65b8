package spdx

import (
	"slices"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/hallmark-dev/hallmark/sbom"
)

const (
	noAssertion = "NOASSERTION"
	none        = "NONE"
)

// hashAlgorithms maps CycloneDX hash algorithm names (used by the model) to SPDX 2.3 checksum
// algorithms (SPDX 2.3 §7.10).
var hashAlgorithms = map[string]common.ChecksumAlgorithm{
	"MD5":         common.MD5,
	"SHA-1":       common.SHA1,
	"SHA-256":     common.SHA256,
	"SHA-384":     common.SHA384,
	"SHA-512":     common.SHA512,
	"SHA3-256":    common.SHA3_256,
	"SHA3-384":    common.SHA3_384,
	"SHA3-512":    common.SHA3_512,
	"BLAKE2b-256": common.BLAKE2b_256,
	"BLAKE2b-384": common.BLAKE2b_384,
	"BLAKE2b-512": common.BLAKE2b_512,
	"BLAKE3":      common.BLAKE3,
}

// spdxOnlyAlgorithms names the SPDX checksum algorithms CycloneDX has no name for; they keep
// their SPDX spelling in the model (SHA224 becomes "SHA-224").
var spdxOnlyAlgorithms = map[common.ChecksumAlgorithm]string{
	common.SHA224:  "SHA-224",
	common.MD2:     "MD2",
	common.MD4:     "MD4",
	common.MD6:     "MD6",
	common.ADLER32: "ADLER32",
}

func modelAlgorithm(a common.ChecksumAlgorithm) string {
	for k, v := range hashAlgorithms {
		if v == a {
			return k
		}
	}
	if s, ok := spdxOnlyAlgorithms[a]; ok {
		return s
	}
	return string(a)
}

// purposes maps model types to primaryPackagePurpose (SPDX 2.3 §7.24), in the tag-value
// spelling; JSON uses "_" for "-".
var purposes = map[sbom.Type]string{
	sbom.TypeLibrary:     "LIBRARY",
	sbom.TypeApplication: "APPLICATION",
	sbom.TypeFramework:   "FRAMEWORK",
	sbom.TypeOS:          "OPERATING-SYSTEM",
	sbom.TypeContainer:   "CONTAINER",
	sbom.TypeFile:        "FILE",
}

func modelType(purpose string) sbom.Type {
	purpose = strings.ReplaceAll(strings.ToUpper(purpose), "_", "-")
	for t, p := range purposes {
		if p == purpose {
			return t
		}
	}
	return ""
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func meaningful(s string) bool {
	return s != "" && s != noAssertion && s != none
}

// standardFields reads the facts a package's standard SPDX fields carry. It is the whole
// mapping for foreign documents, and tells Encode which values need an exact copy.
func standardFields(sp *v2_3.Package) *sbom.Package {
	p := &sbom.Package{
		Name: sp.PackageName,
		Type: modelType(sp.PrimaryPackagePurpose),
	}
	// versionInfo is free text, but tools write NOASSERTION or NONE for "unknown" (as for
	// every other field); neither is a version.
	if meaningful(sp.PackageVersion) {
		p.Version = sp.PackageVersion
	}
	if meaningful(sp.PackageHomePage) {
		p.Homepage = sp.PackageHomePage
	}
	if meaningful(sp.PackageDownloadLocation) {
		p.DownloadURL = sp.PackageDownloadLocation
	}
	p.Description = sp.PackageSummary
	if p.Description == "" {
		p.Description = sp.PackageDescription
	}
	// The supplier distributes the package, the originator wrote it (SPDX 2.3 §7.5, §7.6);
	// tools such as syft record a distribution package's maintainer as its originator.
	if s := sp.PackageSupplier; s != nil && meaningful(s.Supplier) {
		p.Supplier = s.Supplier
	} else if o := sp.PackageOriginator; o != nil && meaningful(o.Originator) {
		p.Supplier = o.Originator
	}
	switch {
	case meaningful(sp.PackageLicenseDeclared):
		p.Licenses = []string{sp.PackageLicenseDeclared}
	case meaningful(sp.PackageLicenseConcluded):
		p.Licenses = []string{sp.PackageLicenseConcluded}
	}
	for _, c := range sp.PackageChecksums {
		p.Hashes = append(p.Hashes, sbom.Hash{Algorithm: modelAlgorithm(c.Algorithm), Value: strings.ToLower(c.Value)})
	}
	for _, r := range sp.PackageExternalReferences {
		if r == nil {
			continue
		}
		cat := strings.ReplaceAll(r.Category, "_", "-")
		switch {
		case cat == common.CategoryPackageManager && r.RefType == common.TypePackageManagerPURL:
			if p.PURL == "" {
				p.PURL = r.Locator
			}
		case cat == common.CategorySecurity && r.RefType == common.TypeSecurityCPE23Type:
			p.CPEs = append(p.CPEs, r.Locator)
		}
	}
	slices.Sort(p.CPEs)
	p.CPEs = slices.Compact(p.CPEs)
	if p.PURL != "" {
		p.Ecosystem = ecosystemOf(p.PURL)
	}
	return p
}

// ecosystemOf derives the OSV ecosystem from a purl's type (and, for OS packages, namespace).
func ecosystemOf(purl string) string {
	u, err := sbom.ParsePURL(purl)
	if err != nil {
		return ""
	}
	return sbom.PURLEcosystem(u)
}
