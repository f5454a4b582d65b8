/*
Hallmark inventories the open source you run and, in later releases, matches it against
known vulnerabilities, verifies signatures and provenance, and gates builds by policy.

Usage:

	hallmark <command> [flags] [arguments]

The commands are:

	sbom      write an SBOM (CycloneDX or SPDX) of directories, files, images or SBOMs
	version   print the version of hallmark
	help      show help for a command

Every command accepts --help, which lists its flags with examples. Flags may come before or
after the arguments; "--" ends the flags.

# Exit codes

	0  success
	1  error (including --strict with a partial result)
	2  usage: unknown command, bad flag or argument
	3  findings or policy violations at or above the threshold (scan, later)

# hallmark sbom

	hallmark sbom [--format F] [--spec-version V] [--output FILE] [--exclude GLOB]... [--strict] TARGET...

writes one software bill of materials for all TARGETs. A TARGET is

  - a directory: walked once, every file offered to every cataloger. Directories named .git,
    .hg, .svn, .bzr, node_modules, vendor and bower_components are not entered: the project's
    lockfiles already record what they hold. A directory with etc/os-release is a root
    filesystem; symbolic links in it resolve inside it, never on the scanning host.
  - a single lockfile, manifest or binary.
  - a container image: a `docker save` archive or an OCI image layout, as a directory or a tar
    file. Layers are applied in order with whiteouts; every package records the layer that
    introduced it. Compressed outer archives (docker save | gzip) must be decompressed first.
  - an existing CycloneDX (1.2–1.6, JSON or XML) or SPDX (2.2, 2.3, JSON or tag-value) document,
    read into the model and written again: sbom converts between formats.

Formats (--format): cyclonedx-json (default, CycloneDX 1.6; --spec-version 1.5 for 1.5),
cyclonedx-xml, spdx-json and spdx-tag-value (SPDX 2.3).

Files found and what is read from them:

	Go          go.mod (+ go.sum cross-check), Go binaries (build information)
	npm         package-lock.json v1–v3, npm-shrinkwrap.json, yarn.lock v1 and Berry, pnpm-lock.yaml v5–v9, bun.lock
	PyPI        requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, pdm.lock, *.dist-info/METADATA
	crates.io   Cargo.lock v1–v4
	Maven       pom.xml, gradle.lockfile, .jar/.war/.ear (pom.properties, nested archives)
	RubyGems    Gemfile.lock
	Packagist   composer.lock
	NuGet       packages.lock.json, *.deps.json
	Pub         pubspec.lock
	Hex         mix.lock
	OS          dpkg status and status.d, Alpine lib/apk/db/installed, rpmdb.sqlite, os-release

Each package carries a purl, CPEs where derivable, licences, hashes, locations (file and line),
direct or transitive relation, scope (runtime, dev, test, optional) and dependency edges where the
source records them. An unpinned requirement is reported as unresolved, never with an invented
version.

The output is deterministic. The timestamp is SOURCE_DATE_EPOCH when set, and the serial number
is derived from the content, so the same input gives byte-identical SBOMs.

A file that cannot be read completely (malformed, too large, unreadable) is reported on stderr
with its name and line, recorded in the SBOM (CycloneDX metadata property "hallmark:error",
SPDX document comment), and the rest is still catalogued; --strict then exits with status 1.

Examples:

	hallmark sbom .
	hallmark sbom --format spdx-json --output app.spdx.json ./app
	hallmark sbom --format cyclonedx-xml --spec-version 1.5 package-lock.json
	hallmark sbom image.tar
	hallmark sbom --format spdx-tag-value bom.cdx.json
	SOURCE_DATE_EPOCH=0 hallmark sbom . > sbom.cdx.json

# hallmark version

prints the version of hallmark and of the Go toolchain that built it.
*/
package main
