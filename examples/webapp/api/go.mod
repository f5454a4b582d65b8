module example.com/webapp/api

go 1.22

toolchain go1.22.3

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/mod v0.42.0
	golang.org/x/text v0.14.0 // indirect
)
