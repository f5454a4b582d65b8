module example.com/hello

go 1.26.0

toolchain go1.26.8

require (
	example.com/greet v0.0.0
	golang.org/x/sync v0.20.0
)

replace golang.org/x/sync => golang.org/x/sync v0.24.0

replace example.com/greet => ./greet
