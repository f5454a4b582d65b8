// Package cpe derives CPE 2.3 names for inventory packages where they can be derived with
// certainty, so that matching against the NVD has a key, and reads and writes CPE names.
//
// # Names
//
// Name is a CPE 2.3 well-formed name (NISTIR 7695, "Common Platform Enumeration: Naming
// Specification Version 2.3", §5). Name.String writes the formatted string binding
// ("cpe:2.3:a:golang:go:1.22.1:*:*:*:*:*:*:*", §6.2); Parse reads it strictly, following the
// name pattern of the official CPE 2.3 dictionary schema, and also accepts the quoted "\.",
// "\-" and "\_" that §6.2.3 unbinding allows; ParseURI reads the URI binding (§6.1), which
// is what os-release(5) CPE_NAME holds.
//
// # Derivation rules
//
// Derive applies these rules and no others:
//
//  1. The operating system itself (Type sbom.TypeOS) gets its os-release CPE_NAME
//     (os-release(5); a CPE 2.2 URI such as "cpe:/o:debian:debian_linux:12" becomes
//     "cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*"), and nothing when there is none.
//  2. The Go standard library (pkg:golang/stdlib) is cpe:2.3:a:golang:go:<version>, the
//     product NVD uses for Go toolchain and standard library CVEs (e.g. CVE-2023-24538),
//     with the version without "go" or "v".
//  3. Packages of the curated table (table.go, about 60 products across npm, PyPI, Maven,
//     RubyGems, Go, NuGet and Debian/RPM/Alpine source packages) get the vendor and product
//     NVD's official CPE dictionary (https://nvd.nist.gov/products/cpe) uses for them, each
//     checked against a CVE that names it. Distribution packages are looked up by source
//     package, so libssl3 gets openssl's CPE.
//  4. Every other package gets no CPE. This is deliberate: the common heuristic of using the
//     package name as vendor and product (cpe:2.3:a:<name>:<name>:…) is wrong more often than
//     right, and a false CPE makes every NVD match against it a false positive: NVD names
//     npm "ws" ws_project:ws and PyPI "requests" python:requests, while a name-based guess
//     for a package called "core" or "utils" would match whatever product NVD gives that
//     name. Vulnerabilities of those packages come from their ecosystem's advisories (OSV,
//     GHSA), keyed by purl.
//
// A CPE also needs an exact version. Unresolved packages, empty versions and versions that do
// not begin with a digit get none. Versions are mapped to NVD's spelling only where the
// mapping is certain: Go modules drop "v" and "+incompatible" and pseudo-versions give none;
// Maven drops release qualifiers (".Final", ".RELEASE", ".GA", which Maven's ComparableVersion
// orders equal to the release); distribution packages use the upstream version (epoch,
// Debian revision, rpm release, apk pkgrel and +dfsg/+ds repack suffixes removed) and a patch
// level such as openssh's "9.2p1" becomes version "9.2", update "p1". Note that distributions
// backport fixes: a distribution package's CPE says which upstream release it is built from,
// and a matcher should prefer the distribution's own advisories for it.
//
// Characters other than letters, digits, "_", "." and "-" in a version are quoted as the
// formatted string binding requires ("1.0+build" → "1.0\+build").
//
// # What is not supported
//
// Wildcards inside values (CPE match patterns), the literal values "*" and "-" (which a Name
// cannot tell from ANY and NA), CPE matching itself (NISTIR 7696), and the dictionary's
// deprecation chains.
package cpe
