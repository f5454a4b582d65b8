# Rule 2: require signed SLSA provenance from allowed builders and source repositories.
# Only verified attestations reach input.attestations. Provenance is required when
# require_provenance is true or allowed_builders or allowed_sources is set; otherwise its
# absence is a warning.
package hallmark

import data.hallmark.library.settings

provenance := [a |
	some a in input.attestations
	a.predicate_type in settings.provenance_predicates
]

provenance_required if settings.require_provenance

provenance_required if count(settings.allowed_builders) > 0

provenance_required if count(settings.allowed_sources) > 0

builder_allowed(_) if count(settings.allowed_builders) == 0

builder_allowed(b) if b in settings.allowed_builders

source_allowed(_) if count(settings.allowed_sources) == 0

source_allowed(uri) if {
	some pattern in settings.allowed_sources
	glob.match(pattern, [], uri)
}

acceptable(a) if {
	builder_allowed(a.builder)
	source_allowed(object.get(a, ["source", "uri"], ""))
	a.slsa_level >= settings.min_slsa_level
}

deny contains "no verified SLSA provenance attestation, and the policy requires one" if {
	provenance_required
	count(provenance) == 0
}

warn contains "no verified SLSA provenance attestation" if {
	not provenance_required
	count(provenance) == 0
}

deny contains msg if {
	provenance_required
	count(provenance) > 0
	not any_acceptable
	some a in provenance
	msg := sprintf("provenance from builder %q, source %q, SLSA level %d is not allowed: %s", [
		a.builder, object.get(a, ["source", "uri"], ""), a.slsa_level, concat("; ", reasons(a)),
	])
}

any_acceptable if {
	some a in provenance
	acceptable(a)
}

reasons(a) := array.concat(
	array.concat(
		[r | not builder_allowed(a.builder); r := "builder not in allowed_builders"],
		[r | not source_allowed(object.get(a, ["source", "uri"], "")); r := "source not in allowed_sources"],
	),
	[r | a.slsa_level < settings.min_slsa_level; r := sprintf("below min_slsa_level %d", [settings.min_slsa_level])],
)
