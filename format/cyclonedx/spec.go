package cyclonedx

import (
	"net/url"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// componentTypes maps each CycloneDX component type to the specification version that
// introduced it.
var componentTypes = map[cdx.ComponentType]cdx.SpecVersion{
	cdx.ComponentTypeApplication:          cdx.SpecVersion1_0,
	cdx.ComponentTypeFramework:            cdx.SpecVersion1_0,
	cdx.ComponentTypeLibrary:              cdx.SpecVersion1_0,
	cdx.ComponentTypeOS:                   cdx.SpecVersion1_0,
	cdx.ComponentTypeDevice:               cdx.SpecVersion1_0,
	cdx.ComponentTypeFile:                 cdx.SpecVersion1_1,
	cdx.ComponentTypeContainer:            cdx.SpecVersion1_2,
	cdx.ComponentTypeFirmware:             cdx.SpecVersion1_2,
	cdx.ComponentTypePlatform:             cdx.SpecVersion1_5,
	cdx.ComponentTypeDeviceDriver:         cdx.SpecVersion1_5,
	cdx.ComponentTypeMachineLearningModel: cdx.SpecVersion1_5,
	cdx.ComponentTypeData:                 cdx.SpecVersion1_5,
	cdx.ComponentTypeCryptographicAsset:   cdx.SpecVersion1_6,
}

func validType(sv cdx.SpecVersion, t cdx.ComponentType) bool {
	since, ok := componentTypes[t]
	return ok && sv >= since
}

// hashLengths gives the hex length of each CycloneDX hash algorithm's digest; 0 means any of
// the lengths the schema allows (BLAKE3 has a variable output size).
var hashLengths = map[cdx.HashAlgorithm]int{
	cdx.HashAlgoMD5: 32, cdx.HashAlgoSHA1: 40,
	cdx.HashAlgoSHA256: 64, cdx.HashAlgoSHA384: 96, cdx.HashAlgoSHA512: 128,
	cdx.HashAlgoSHA3_256: 64, cdx.HashAlgoSHA3_384: 96, cdx.HashAlgoSHA3_512: 128,
	cdx.HashAlgoBlake2b_256: 64, cdx.HashAlgoBlake2b_384: 96, cdx.HashAlgoBlake2b_512: 128,
	cdx.HashAlgoBlake3: 0,
}

// hashOK reports whether v is a valid hex digest for alg; sv decides whether the Streebog
// algorithms (CycloneDX 1.7) are known.
func hashOK(sv cdx.SpecVersion, alg cdx.HashAlgorithm, v string) bool {
	n, ok := hashLengths[alg]
	if !ok && sv >= cdx.SpecVersion1_7 {
		switch alg {
		case cdx.HashAlgoStreebog256:
			n, ok = 64, true
		case cdx.HashAlgoStreebog512:
			n, ok = 128, true
		}
	}
	if !ok {
		return false
	}
	switch len(v) {
	case 32, 40, 64, 96, 128:
	default:
		return false
	}
	if n != 0 && len(v) != n {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// validURL reports whether s can be an externalReference url: an absolute URL that the
// schema's iri-reference format accepts.
func validURL(s string) bool {
	if s == "" || strings.ContainsAny(s, "\\ \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return false
	}
	return !strings.Contains(u.Hostname(), ":")
}
