module github.com/example/malformed

go 1.22

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/mod
)
