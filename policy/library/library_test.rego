package hallmark_test

import data.hallmark

# A finding the vulnerability rule denies: high, reachability unknown, fix available, 45 days old.
stale := {
	"id": "GHSA-1111", "package": {"ecosystem": "npm", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
	"severity_level": "high", "reachability_status": "unknown", "fix_available": true, "advice": "4.17.21",
	"days_since_published": 45, "suppressed": false,
}

evidence(findings) := {
	"schema": "hallmark.evidence/v1", "created": "2025-01-10T00:00:00Z",
	"findings": findings, "attestations": [], "ignores": [], "lifecycle": [],
}

with_attestations(atts) := object.union(evidence([]), {"attestations": atts})

slsa := {
	"predicate_type": "https://slsa.dev/provenance/v1",
	"builder": "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0",
	"source": {"uri": "git+https://github.com/acme/app"}, "slsa_level": 3,
	"signer": {"identity": "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0", "issuer": "https://token.actions.githubusercontent.com"},
}

# Rule 1: critical or high, maybe reachable, fix available for too long.

test_stale_fix_denied if {
	d := hallmark.deny with input as evidence([stale])
	d == {"HIGH GHSA-1111 in lodash 4.17.20 (npm): fixed in 4.17.21, published 45 days ago (limit 30 days)"}
}

test_reachable_denied if {
	count(hallmark.deny) == 1 with input as evidence([object.union(stale, {"reachability_status": "reachable"})])
}

test_unreachable_allowed if {
	count(hallmark.deny) == 0 with input as evidence([object.union(stale, {"reachability_status": "unreachable"})])
}

test_suppressed_allowed if {
	count(hallmark.deny) == 0 with input as evidence([object.union(stale, {"suppressed": true})])
}

test_medium_allowed if {
	count(hallmark.deny) == 0 with input as evidence([object.union(stale, {"severity_level": "medium"})])
}

test_no_fix_allowed if {
	count(hallmark.deny) == 0 with input as evidence([object.union(stale, {"fix_available": false, "advice": ""})])
}

test_recent_fix_warns if {
	f := object.union(stale, {"days_since_published": 10})
	count(hallmark.deny) == 0 with input as evidence([f])
	hallmark.warn["HIGH GHSA-1111 in lodash 4.17.20 (npm): upgrade to 4.17.21 within 20 days"] with input as evidence([f])
}

test_unknown_age_warns if {
	f := object.union(stale, {"days_since_published": -1})
	count(hallmark.deny) == 0 with input as evidence([f])
	hallmark.warn["HIGH GHSA-1111 in lodash 4.17.20 (npm): upgrade to 4.17.21 within 30 days"] with input as evidence([f])
}

test_max_age_from_data if {
	count(hallmark.deny) == 0 with input as evidence([stale]) with data.hallmark_settings as {"max_fix_age_days": 60}
	count(hallmark.deny) == 1 with input as evidence([object.union(stale, {"severity_level": "medium"})])
		with data.hallmark_settings as {"severities": ["medium"]}
}

# Rule 2: provenance.

test_no_provenance_warns_by_default if {
	count(hallmark.deny) == 0 with input as evidence([])
	hallmark.warn["no verified SLSA provenance attestation"] with input as evidence([])
}

test_provenance_required if {
	hallmark.deny["no verified SLSA provenance attestation, and the policy requires one"] with input as evidence([])
		with data.hallmark_settings as {"require_provenance": true}
}

test_provenance_from_allowed_builder if {
	count(hallmark.deny) == 0 with input as with_attestations([slsa])
		with data.hallmark_settings as {"allowed_builders": [slsa.builder], "allowed_sources": ["git+https://github.com/acme/*"], "min_slsa_level": 3}
	count(hallmark.warn) == 0 with input as with_attestations([slsa])
}

test_provenance_from_other_builder if {
	d := hallmark.deny with input as with_attestations([object.union(slsa, {"builder": "https://evil.example/builder"})])
		with data.hallmark_settings as {"allowed_builders": [slsa.builder]}
	d == {`provenance from builder "https://evil.example/builder", source "git+https://github.com/acme/app", SLSA level 3 is not allowed: builder not in allowed_builders`}
}

test_provenance_from_other_source if {
	d := hallmark.deny with input as with_attestations([slsa])
		with data.hallmark_settings as {"allowed_sources": ["git+https://github.com/other/*"], "min_slsa_level": 4}
	d == {`provenance from builder "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0", source "git+https://github.com/acme/app", SLSA level 3 is not allowed: source not in allowed_sources; below min_slsa_level 4`}
}

test_one_acceptable_provenance_suffices if {
	atts := [object.union(slsa, {"builder": "https://evil.example/builder"}), slsa]
	count(hallmark.deny) == 0 with input as with_attestations(atts)
		with data.hallmark_settings as {"allowed_builders": [slsa.builder]}
}

test_other_predicates_are_not_provenance if {
	att := object.union(slsa, {"predicate_type": "https://openvex.dev/ns/v0.2.0"})
	count(hallmark.deny) == 1 with input as with_attestations([att])
		with data.hallmark_settings as {"require_provenance": true}
}

# Rule 3: exceptions.

ignores(entries) := object.union(evidence([]), {"ignores": entries})

test_expired_ignore_denied if {
	d := hallmark.deny with input as ignores([{"id": "CVE-1", "package": "lodash", "reason": "r", "expires": "2025-01-01", "source": ".hallmark.yaml", "expired": true, "findings": []}])
	d == {"ignore entry CVE-1 (lodash) expired on 2025-01-01 (.hallmark.yaml): fix the finding, or renew the entry with a reason"}
}

test_ignore_expiring_soon_warns if {
	w := hallmark.warn with input as ignores([{"id": "CVE-1", "reason": "r", "expires": "2025-01-15", "source": ".hallmark.yaml", "expired": false, "findings": ["CVE-1"]}])
	w["ignore entry CVE-1 expires on 2025-01-15, in 6 day(s) (.hallmark.yaml)"]
}

test_ignore_far_from_expiry_is_quiet if {
	i := ignores([{"id": "CVE-1", "reason": "r", "expires": "2099-01-01", "expired": false, "findings": []}])
	count(hallmark.deny) == 0 with input as i
	count([m | some m in hallmark.warn; contains(m, "ignore entry")]) == 0 with input as i
}

# Rule 4: end of life.

test_eol_inert_without_data if {
	count(hallmark.deny) == 0 with input as evidence([])
}

test_eol_denied if {
	i := object.union(evidence([]), {"lifecycle": [{"package": {"ecosystem": "PyPI", "name": "django", "version": "3.2.1"}, "eol": true, "eol_date": "2024-04-01", "source": "endoflife.date"}]})
	hallmark.deny["django 3.2.1 (PyPI) is end-of-life since 2024-04-01 (endoflife.date)"] with input as i
}

test_supported_component_allowed if {
	i := object.union(evidence([]), {"lifecycle": [{"package": {"ecosystem": "PyPI", "name": "django", "version": "5.1"}, "eol": false}]})
	count(hallmark.deny) == 0 with input as i
}
