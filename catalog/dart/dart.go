// Package dart catalogs Dart and Flutter packages from pubspec.lock files, the lock files
// written by "dart pub get" and "flutter pub get"
// (https://dart.dev/tools/pub/glossary#lockfile, https://dart.dev/tools/pub/dependencies).
//
// Every package of the lock file is reported with the exact version it pins, its relation
// (direct main, direct dev, direct overridden, transitive) and its source: hosted packages
// carry the repository URL and, since Dart 2.19, the archive's SHA-256; git packages carry the
// repository and resolved commit; path and SDK packages are marked as such. The lock file does
// not record the dependency graph. When a pubspec.yaml lies beside the lock file, its name and
// version become the application root, depending on the direct packages.
//
// Package URLs follow the purl type pub (pkg:pub/http@1.2.0,
// https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#pub).
package dart

import "github.com/hallmark-dev/hallmark/catalog"

// Catalogers returns the catalogers of this package: pubspec-lock.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}}
}
