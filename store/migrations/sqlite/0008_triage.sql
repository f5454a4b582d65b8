-- Triage and evidence. Times are Unix milliseconds (UTC).
--
-- triage_analyses holds the analysis in force for one finding (finding_id set) or for one
-- advisory and package across a team's portfolio (finding_id NULL): key is "f:<finding id>"
-- or "a:<advisory, lower case> <package purl>[@<version>]", unique per team. A row changes
-- only together with a row appended to triage_audit in the same transaction.
CREATE TABLE triage_analyses (
	id            INTEGER PRIMARY KEY,
	team_id       INTEGER NOT NULL REFERENCES teams(id),
	key           TEXT NOT NULL,
	finding_id    INTEGER REFERENCES findings(id) ON DELETE CASCADE,
	advisory      TEXT NOT NULL,
	advisory_key  TEXT NOT NULL,            -- advisory in lower case
	aliases       TEXT NOT NULL DEFAULT '[]', -- JSON array: other names of the advisory
	purl          TEXT NOT NULL,            -- package purl as given ('' for a finding's)
	package       TEXT NOT NULL,            -- type/namespace/name, normalised ('' for a finding's)
	version       TEXT NOT NULL DEFAULT '', -- '' for every version
	state         TEXT NOT NULL,
	justification TEXT NOT NULL DEFAULT '',
	action        TEXT NOT NULL DEFAULT '',
	comment       TEXT NOT NULL DEFAULT '',
	author        TEXT NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (team_id, key)
);
CREATE INDEX triage_analyses_finding ON triage_analyses (finding_id) WHERE finding_id IS NOT NULL;
CREATE INDEX triage_analyses_package ON triage_analyses (team_id, package, advisory_key);
CREATE INDEX triage_analyses_advisory ON triage_analyses (team_id, advisory_key);

-- The audit trail: one row per change, never updated or deleted (no foreign keys, so the
-- history outlives the finding and the analysis).
CREATE TABLE triage_audit (
	id            INTEGER PRIMARY KEY,
	team_id       INTEGER NOT NULL,
	analysis_id   INTEGER NOT NULL,
	finding_id    INTEGER,
	advisory      TEXT NOT NULL,
	advisory_key  TEXT NOT NULL,
	purl          TEXT NOT NULL,
	prev_state    TEXT NOT NULL,            -- '' when the analysis is new
	state         TEXT NOT NULL,
	justification TEXT NOT NULL DEFAULT '',
	action        TEXT NOT NULL DEFAULT '',
	comment       TEXT NOT NULL DEFAULT '',
	author        TEXT NOT NULL,
	via           TEXT NOT NULL DEFAULT '', -- who recorded it for the author (a VEX upload's uploader)
	created_at    INTEGER NOT NULL
);
CREATE INDEX triage_audit_advisory ON triage_audit (team_id, advisory_key, id);
CREATE INDEX triage_audit_team ON triage_audit (team_id, id);

-- Attestations: Sigstore bundles posted by a team, verified on ingest against the server's
-- trust policy; a bundle that fails verification is kept with the reason.
CREATE TABLE attestations (
	id             INTEGER PRIMARY KEY,
	team_id        INTEGER NOT NULL REFERENCES teams(id),
	bundle_sha256  TEXT NOT NULL,           -- "sha256:…" of the bundle as posted
	media_type     TEXT NOT NULL,
	predicate_type TEXT NOT NULL,           -- '' for a message signature
	predicate      TEXT NOT NULL,           -- JSON ('null' for a message signature)
	signer         TEXT NOT NULL,           -- certificate SAN or "key:<hint>"; '' when unverified
	issuer         TEXT NOT NULL,           -- OIDC issuer of a keyless signer, else ''
	verified       INTEGER NOT NULL,
	failure        TEXT NOT NULL,           -- why verification failed, '' when verified
	bundle         BLOB NOT NULL,
	created_at     INTEGER NOT NULL,
	verified_at    INTEGER NOT NULL,
	UNIQUE (team_id, bundle_sha256)
);

CREATE TABLE attestation_subjects (
	attestation_id INTEGER NOT NULL REFERENCES attestations(id) ON DELETE CASCADE,
	digest         TEXT NOT NULL,           -- "sha256:…" (lower-case hex)
	name           TEXT NOT NULL,
	UNIQUE (attestation_id, digest, name)
);
CREATE INDEX attestation_subjects_digest ON attestation_subjects (digest, attestation_id);
