/*
Hallmark inventories the open source you run, matches it against known vulnerabilities,
verifies signatures and provenance, gates builds by policy, and keeps a portfolio of every
artifact and deployment on a server that re-evaluates it the moment an advisory lands.

Usage:

	hallmark <command> [flags] [arguments]

The commands are:

	sbom      write an SBOM (CycloneDX or SPDX) of directories, files, images or SBOMs
	scan      find known vulnerabilities in directories, files, images or SBOMs
	db        manage the advisory database: import, update, status; migrate the server's
	vex       create, add to, merge and generate OpenVEX documents
	policy    evaluate a Rego policy over the evidence about targets
	provenance generate and verify SLSA build provenance
	key, sign, attest, verify
	          keys, Sigstore bundles and in-toto attestations
	serve     run the server: API, web UI, webhooks and advisory sync
	push      upload an SBOM of a target to a Hallmark server
	admin     manage the server's teams and API tokens
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

# hallmark scan

	hallmark scan [--db PATH] [--advisories SOURCE]... [--format F] [--output FILE]
	              [--fail-on low|medium|high|critical|any] [--ignore-file FILE] TARGET...

matches the packages of every TARGET (anything hallmark sbom accepts) against the local OSV
advisory database, offline. Matching follows the OSV schema exactly: SEMVER and ECOSYSTEM ranges
with introduced, fixed, last_affected and limit events, explicit versions lists, distribution
releases ("Debian:12" applies only to Debian 12 systems, read from os-release), source package
names for OS packages, and GIT ranges for packages that carry a commit when the advisory names
that commit. Versions are compared with each ecosystem's own rules; a version that does not parse
matches only by string equality, never silently. Withdrawn advisories never match. Advisories
that share an ID or alias and affect the same package form one finding. The severity is the
highest of the CVSS v2, v3 and v4 scores and ecosystem labels; the advice is the lowest version
that fixes every finding of the package.

Formats: table (default on a terminal), json (default otherwise; the hallmark.scan/v1 contract,
JSON Schema in report/schema/scan-v1.schema.json, which scan reads back: "hallmark scan --format
markdown result.json" renders it again), markdown, sarif (SARIF 2.1.0, for code scanning;
ignored findings are suppressed with their reason), cyclonedx-json (the SBOM with its
vulnerabilities) and openvex (OpenVEX 0.2.0, a statement per finding).

Exit status 3 when a finding at or above --fail-on remains; findings listed in the ignore file
(default .hallmark.yaml beside the first target) do not count. Every ignore entry needs a reason
and an expiry date; expired entries stop applying and are reported:

	ignore:
	  - id: CVE-2021-23337
	    package: lodash
	    reason: template() never sees user input
	    expires: 2026-12-31

# hallmark db

	hallmark db import [--db PATH] SOURCE...
	hallmark db update [--db PATH] [--ecosystem E]... [--base-url URL] [--cache-dir DIR]
	hallmark db status [--db PATH] [--max-age DURATION]

The database is one SQLite file: --db, else $HALLMARK_DB, else hallmark/osv.db in the user cache
directory. import reads directories (recursively: *.json advisories and the <Ecosystem>/all.zip
files of the public OSV bucket layout, .git skipped), zip files and single JSON files;
unchanged advisories (same modified time) cost nothing; malformed files are reported by name
and skipped. status shows the sources, advisories per ecosystem, versions no scheme could parse,
the version-key format of the index (a database written by an older build is re-keyed when it
is opened; see docs/versions.md), and warns when the last update is older than --max-age
(default 7 days). --db may also name a PostgreSQL database (postgres://…); when it is the
database of a hallmark serve that holds a portfolio, import and update queue what they change
for the portfolio's re-evaluation in the same transactions, and the server's workers run it.

update downloads the public OSV data (https://osv-vulnerabilities.storage.googleapis.com, or
--base-url for a mirror of its layout): <Ecosystem>/all.zip for every ecosystem its
ecosystems.txt lists, or only the --ecosystem ones, and imports them. Each request is
conditional on the ETag and Last-Modified date of the last import, so an unchanged file is not
downloaded again. Downloads go to --cache-dir (default hallmark/downloads in the user cache
directory); an interrupted download is continued by the next update when the server supports
ranges. Every file is checked against the MD5 and CRC32C hashes the bucket announces, limited to
4 GiB, and abandoned after two minutes without data. An ecosystem that fails does not stop the
others; update then exits with status 1 and lists the failures. A progress line is drawn on
stderr when it is a terminal (--quiet: nothing but errors).

# VEX: hallmark vex, scan --vex

	hallmark vex create --product PURL --vuln ID --status S [--justification J] [--impact-statement T] [--action-statement T] [--author A] [-o FILE]
	hallmark vex add --document FILE (statement flags)
	hallmark vex merge FILE... [-o FILE]
	hallmark vex generate [--author A] [-o FILE] RESULT.json

write OpenVEX 0.2.0 documents, valid against the OpenVEX schema, with the spec's rules enforced
(not_affected needs a justification or an impact statement; affected needs an action
statement). merge keeps, for each vulnerability and product, the statement with the latest
timestamp. generate states not_affected (vulnerable_code_not_in_execute_path) for the findings
a 'scan --reachability' result found unreachable. scan --vex FILE applies OpenVEX, CycloneDX VEX
and CSAF VEX documents: not_affected and fixed statements suppress a finding, which stays in
the JSON and SARIF output with the statement that suppressed it. Details: docs/vex.md.

	hallmark vex create --product pkg:npm/lodash@4.17.20 --vuln CVE-2021-23337 \
	    --status not_affected --justification vulnerable_code_not_in_execute_path -o app.openvex.json
	hallmark scan --advisories ./examples/advisories --vex app.openvex.json ./examples/webapp

# Reachability: scan --reachability

For Go source modules and Go binaries given as targets, scan --reachability runs govulncheck
(golang.org/x/vuln) offline on the Go findings whose advisories name vulnerable symbols and
marks each finding reachable, unreachable (with the reason) or unknown. Details:
docs/reachability.md.

# Policy: hallmark policy, scan --policy

	hallmark scan --policy PATH [scan flags] TARGET...
	hallmark policy eval --policy PATH [--data FILE]... [--provenance-result FILE]... [--evidence FILE] TARGET...

evaluate Rego (OPA v1) in package hallmark, rules deny and warn, over the evidence document
hallmark.evidence/v1 (JSON Schema in policy/schema): any deny exits 3 after printing every
message; warnings pass. policy/library holds a tested library (stale fixable findings, signed
provenance from allowed builders, expired exceptions, end-of-life components).
--provenance-result FILE adds a provenance verified by 'hallmark provenance verify --json' to the
evidence's attestations. Details: docs/policy.md.

	hallmark policy eval --policy policy/library --advisories examples/advisories examples/webapp

# Signing: hallmark key, sign, attest, verify

	hallmark key generate [--output-prefix P] [--algorithm ecdsa-p256|ed25519]
	hallmark sign --key P.key --bundle OUT FILE
	hallmark attest --key P.key --type slsaprovenance|openvex|cyclonedx|spdx|vuln|URI --predicate FILE --bundle OUT SUBJECT...
	hallmark verify --bundle B (--key PUB | --certificate-identity ID --certificate-oidc-issuer ISS |
	    --certificate-identity-regexp RE --certificate-oidc-issuer-regexp RE) [--trusted-root FILE] FILE|sha256:HEX

key generate writes an encrypted private key in cosign's format (password from
HALLMARK_PASSWORD or the terminal; files are never overwritten) and its PEM public key. sign and
attest write Sigstore bundles v0.3 (a message signature, or an in-toto Statement v1 in a DSSE
envelope), signed offline with the key. verify checks a bundle from Hallmark, cosign or any
Sigstore client offline: with a key, or for keyless bundles the signer identity and the
Fulcio chain, SCTs, transparency-log entries and signed timestamps against a trusted root
(--trusted-root, else the embedded public-good root; TUF is never fetched). Exit 0 when valid,
1 with the reason. Every case of the Sigstore bundle-verification conformance suite gives its
expected result. Details: docs/attest.md.

	HALLMARK_PASSWORD=secret hallmark key generate --output-prefix release
	HALLMARK_PASSWORD=secret hallmark sign --key release.key --bundle app.sigstore.json app.tar.gz
	hallmark verify --bundle app.sigstore.json --key release.pub app.tar.gz

# Provenance: hallmark provenance

	hallmark provenance generate --key KEY --subject PATH... --bundle OUT [--builder-id ID] -- COMMAND...
	hallmark provenance verify --bundle B (--key PUB | --certificate-identity ID --certificate-oidc-issuer ISS | ...) [--source-uri URI] [--source-tag T | --source-branch B] [--builder-id ID] ARTIFACT|sha256:HEX

runs a build and signs SLSA v1.0 provenance about its outputs; verifies provenance offline
against a key or a Sigstore signer identity and the trusted root, checks subject, builder and
source, and reports the SLSA build level with reasons. Provenance signed by one workflow and
naming another builder is accepted only from the SLSA GitHub generator's delegator workflows at
a release tag; --trust-delegator-unsafe WORKFLOW (repeatable) trusts another one, for tests.
A --builder-id without a ref matches a workflow only at a tag or branch. Details:
docs/provenance.md.

# hallmark serve

	hallmark serve [--listen 127.0.0.1:8080] [--db DSN] [--advisories SOURCE]... [--sync-interval 1h] [--event-retention 720h]

runs the server: the JSON API (OpenAPI 3 document at /api/openapi.json), the web UI at /,
webhook delivery, and the scheduled advisory sync. --db is sqlite:PATH (or a path) or
postgres://…; the default is server.db in the user data directory ($XDG_DATA_HOME/hallmark or
~/.local/share/hallmark; ~/Library/Application Support/hallmark on macOS; %AppData%\hallmark on
Windows). Several replicas may share one PostgreSQL database. Migrations are applied at start.
On the first start of a database without tokens, a bootstrap admin token is printed once on
stderr. --advisories (repeatable) names directories or zips of OSV advisories or an OSV bucket
URL, synced at start and every --sync-interval by one replica at a time (a lease in the
database); the advisories that changed are re-evaluated against the portfolio at once.
Advisories posted to the API are stored and queued; a re-evaluation worker on every replica
re-evaluates them at once (POST /api/v1/advisories?wait=true waits for it), and the queue is in
the database, so a replica that stops leaves its work to the others. Events older than
--event-retention (default 720h; 0 keeps them) whose webhook deliveries are finished are
removed hourly.
GET /healthz answers while the process runs, GET /readyz when the database answers and no
migration is pending. SIGINT or SIGTERM stops accepting connections, lets requests finish (at
most --drain, 30s) and stops the background work. Logs: --log-format text|json, --log-level.
Web UI login through OIDC: --oidc-issuer, --oidc-client-id, --oidc-client-secret-file,
--oidc-redirect-url (this server's /auth/callback), --oidc-team-claim (default groups: the
existing teams it names become the user's), --oidc-scope (default triage); --secure-cookies
behind TLS. Attestations are verified against --trusted-root, --attest-identity
ISSUER_REGEXP,SAN_REGEXP and --attest-key PUB.pem. Each token or session may make --rate
requests per second (default 20, bursts of --burst 100). Failed authentications are limited
per client address (--failed-auth-burst 20, then --failed-auth-per-minute 10; 429 with
Retry-After); behind a reverse proxy, --trusted-proxy CIDR (repeatable) lets its
Forwarded (RFC 7239) or X-Forwarded-For header name the client. Every limit is kept per process. See docs/server.md.

The web interface is served at / on the same address as the API. Sign in through your
identity provider (the --oidc-* flags) or, for development, choose "Use an API token" on the
login page and paste a token from hallmark admin token create; it is kept for the browser tab
only. Pages: Dashboard (open findings by severity and environment, trend, time to remediate,
version sprawl), Artifacts (search, components, findings with triage of each, the dependency
tree with the paths to a vulnerable component highlighted, attestations, deployments),
Components (which artifacts hold a package in a version range), Advisories (what an advisory
or CVE affects, triage, audit trail, OpenVEX download) and Webhooks (delivery failures).

# hallmark admin

	hallmark admin token create --db DSN --name NAME --scope read|ingest|triage|admin [--team T]... [--expires 90d|2027-01-01]
	hallmark admin token list [--json] | revoke NAME|ID | extend NAME|ID --expires 90d|never
	hallmark admin team create NAME | list

manages access in the server's database. token create prints the new token as its last line:
"hm_" and 32 random bytes, stored only as a SHA-256 hash. Scopes include the ones before them:
read queries the token's teams, ingest also uploads SBOMs, deployments, attestations and VEX,
triage also records analyses and manages webhooks, admin sees every team and posts advisories.
Missing teams are created. A request without a valid token answers 401; a resource of another
team answers 404. Tokens never expire unless --expires gives a lifetime (90d, 12w, 36h), a date
(midnight UTC) or an RFC 3339 time; an expired or revoked token answers 401 saying so. token
list shows every token with its expiry, last use (recorded at most once a minute) and
revocation; token revoke takes an ID or the name of one live token; token extend moves an
expiry later (or to never): an expired token works again, a revoked one stays revoked.

# hallmark push

	hallmark push --server URL --token T --name NAME --version V [--team T] [--digest sha256:…] TARGET|SBOM

uploads an SBOM of TARGET to a server (POST /api/v1/sboms, gzipped): built as hallmark sbom
builds it, or a CycloneDX or SPDX JSON file sent as it is. Prints the artifact, its component
count and its findings (--json: the server's answer). The token may come from HALLMARK_TOKEN,
the server from HALLMARK_SERVER; --team is needed when the token has several teams.

# hallmark db migrate

	hallmark db migrate [--db DSN] [--status]

applies the server database's pending migrations (hallmark serve also does at start), or with
--status lists them.

# hallmark version

prints the version of hallmark and of the Go toolchain that built it.
*/
package main
