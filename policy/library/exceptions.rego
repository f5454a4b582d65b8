# Rule 3: no expired exceptions. An ignore entry past its expiry no longer applies (the
# scan reports its findings again), but the stale entry itself is a denial: renew it with a
# reason or remove it. Entries close to expiry are warnings.
package hallmark

import data.hallmark.library.settings

deny contains msg if {
	some ig in input.ignores
	ig.expired
	msg := sprintf("ignore entry %s%s expired on %s (%s): fix the finding, or renew the entry with a reason", [
		ig.id, package_suffix(ig), ig.expires, object.get(ig, "source", ""),
	])
}

warn contains msg if {
	some ig in input.ignores
	not ig.expired
	left := days_until(ig.expires)
	left <= settings.expiry_warning_days
	msg := sprintf("ignore entry %s%s expires on %s, in %d day(s) (%s)", [
		ig.id, package_suffix(ig), ig.expires, left, object.get(ig, "source", ""),
	])
}

package_suffix(ig) := sprintf(" (%s)", [ig.package]) if ig.package != ""

package_suffix(ig) := "" if object.get(ig, "package", "") == ""

# days_until counts whole days from input.created to the end of the day date (YYYY-MM-DD).
days_until(date) := floor(((time.parse_ns("2006-01-02", date) + ns_per_day) - time.parse_rfc3339_ns(input.created)) / ns_per_day)

ns_per_day := ((24 * 60) * 60) * 1000000000
