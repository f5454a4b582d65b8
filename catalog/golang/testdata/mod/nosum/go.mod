module github.com/example/nosum/v2

go 1.22.3

toolchain go1.23rc1

require github.com/google/go-cmp v0.7.0
