// A module using every directive the go-mod cataloger reads.
module github.com/example/full

go 1.21

require (
	github.com/example/localdep v1.2.3
	github.com/google/go-cmp v0.7.0
	golang.org/x/mod v0.42.0
	golang.org/x/sync v0.20.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/term v0.47.0 // indirect
	golang.org/x/text v0.14.0 // indirect
	gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405 // indirect
)

exclude (
	golang.org/x/sys v0.1.0
	golang.org/x/text v0.3.7
	golang.org/x/text v0.3.8
)

replace golang.org/x/sync v0.20.0 => golang.org/x/sync v0.24.0

replace github.com/example/localdep => ../localdep

// Does not apply: golang.org/x/tools is not required.
replace golang.org/x/tools v0.1.0 => golang.org/x/tools v0.52.0

retract v1.0.1 // Published by mistake.
