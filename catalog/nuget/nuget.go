// Package nuget catalogs .NET packages from NuGet lock files (packages.lock.json) and from the
// dependency manifests the .NET SDK writes beside applications (*.deps.json).
//
// Formats:
//   - packages.lock.json, versions 1 and 2, written by "dotnet restore" when
//     RestorePackagesWithLockFile is set
//     (https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files#locking-dependencies,
//     https://github.com/NuGet/NuGet.Client, LockFileFormat / PackagesLockFileFormat).
//   - *.deps.json, the runtime dependency manifest of the .NET host
//     (https://github.com/dotnet/runtime/blob/main/docs/design/features/host-dependency-resolution.md,
//     https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md).
//
// Package URLs follow the purl type nuget (pkg:nuget/Newtonsoft.Json@13.0.1,
// https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#nuget); names keep the
// case the file gives them, and are compared without case, as NuGet does.
package nuget

import (
	"encoding/base64"
	"encoding/hex"

	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/sbom"
)

// Catalogers returns the catalogers of this package: nuget-lock and dotnet-deps.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}, &DepsCataloger{}}
}

// Property keys set on packages.
const (
	// PropType is the entry type as the file spells it: Direct, Transitive, Project or
	// CentralTransitive in a lock file; package, project, reference or runtimepack in deps.json.
	PropType = "hallmark:nuget:type"
	// PropFrameworks lists, comma-separated, the target frameworks (and runtime identifiers)
	// whose restore graph contains the package.
	PropFrameworks = "hallmark:nuget:frameworks"
	// PropPath is the package's folder in the NuGet cache (deps.json "path").
	PropPath = "hallmark:nuget:path"
	// PropRuntimeTarget is the deps.json runtime target ("'.NETCoreApp,Version=v8.0").
	PropRuntimeTarget = "hallmark:nuget:runtime-target"
)

// sha512Hash converts a base64 SHA-512 digest to a hash, or reports false when it is not one.
func sha512Hash(b64 string) (sbom.Hash, bool) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != 64 {
		return sbom.Hash{}, false
	}
	return sbom.Hash{Algorithm: "SHA-512", Value: hex.EncodeToString(b)}, true
}
