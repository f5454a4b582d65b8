# Rule 4: no end-of-life components. Inert until lifecycle data exists: the rule reads
# input.lifecycle, which stays empty until a lifecycle source (endoflife.date, distribution
# support data) fills it. Nothing is denied without that data: the absence of lifecycle
# facts is not evidence that a component is supported.
package hallmark

deny contains msg if {
	some c in input.lifecycle
	c.eol
	msg := sprintf("%s %s (%s) is end-of-life%s%s", [
		c.package.name, c.package.version, c.package.ecosystem, eol_since(c), eol_source(c),
	])
}

eol_since(c) := sprintf(" since %s", [c.eol_date]) if object.get(c, "eol_date", "") != ""

eol_since(c) := "" if object.get(c, "eol_date", "") == ""

eol_source(c) := sprintf(" (%s)", [c.source]) if object.get(c, "source", "") != ""

eol_source(c) := "" if object.get(c, "source", "") == ""

