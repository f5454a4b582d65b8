# Rule 1: no critical or high finding that may be reachable (reachable, or reachability
# unknown) keeps an available fix unapplied for more than max_fix_age_days days after its
# advisory was published. Findings that are ignored, or that a VEX statement marks
# not_affected or fixed, do not count. Younger ones are warnings.
package hallmark

import data.hallmark.library.settings

# The conditions are written inline, cheapest and most selective first: this rule visits
# every finding (see BenchmarkLibrary).
deny contains msg if {
	some f in input.findings
	f.fix_available == true
	f.suppressed == false
	f.days_since_published > settings.max_fix_age_days
	f.reachability_status != "unreachable"
	f.severity_level in settings.severities
	msg := sprintf("%s %s in %s %s (%s): fixed in %s, published %d days ago (limit %d days)", [
		upper(f.severity_level), f.id, f.package.name, f.package.version, f.package.ecosystem,
		f.advice, f.days_since_published, settings.max_fix_age_days,
	])
}

warn contains msg if {
	some f in input.findings
	f.fix_available == true
	f.suppressed == false
	f.days_since_published <= settings.max_fix_age_days
	f.reachability_status != "unreachable"
	f.severity_level in settings.severities
	msg := sprintf("%s %s in %s %s (%s): upgrade to %s within %d days", [
		upper(f.severity_level), f.id, f.package.name, f.package.version, f.package.ecosystem,
		f.advice, days_left(f),
	])
}

days_left(f) := settings.max_fix_age_days - f.days_since_published if f.days_since_published >= 0

days_left(f) := settings.max_fix_age_days if f.days_since_published < 0
