# Settings of the Hallmark policy library. Override any of them in a data file
# (data.json or data.yaml in a copy of this directory, or 'hallmark policy eval --data FILE'):
#
#   {"hallmark_settings": {"max_fix_age_days": 14, "allowed_builders": ["https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0"]}}
package hallmark.library

# Defaults: documented in docs/policy.md.
defaults := {
	# Findings at these severity levels must not keep an available fix unapplied...
	"severities": ["critical", "high"],
	# ...for more than this many days after the advisory was published.
	"max_fix_age_days": 30,
	# Warn this many days before an ignore entry expires.
	"expiry_warning_days": 14,
	# Deny unless a verified provenance attestation is present. Setting allowed_builders or
	# allowed_sources requires provenance too.
	"require_provenance": false,
	# Exact SLSA builder.id values accepted; empty: any builder.
	"allowed_builders": [],
	# Source repository URIs accepted, as globs ("git+https://github.com/acme/*"); empty: any.
	"allowed_sources": [],
	# The lowest SLSA build level accepted.
	"min_slsa_level": 0,
	# The predicate types that count as provenance.
	"provenance_predicates": [
		"https://slsa.dev/provenance/v1",
		"https://slsa.dev/provenance/v0.2",
	],
}

# overrides reads data.hallmark_settings by name: a reference to all of data would depend on
# every rule, the tests included.
default overrides := {}

overrides := data.hallmark_settings

settings := object.union(defaults, overrides)
