// Package hex catalogs Elixir and Erlang packages from mix.lock, the lock file Mix writes
// (https://hexdocs.pm/mix/Mix.Tasks.Deps.html). A mix.lock is an Elixir map literal from
// dependency name to a tuple describing how it is locked:
//
//	%{
//	  "cowboy": {:hex, :cowboy, "2.9.0", "<inner checksum>", [:make, :rebar3],
//	             [{:cowlib, "2.11.0", [hex: :cowlib, repo: "hexpm", optional: false]}],
//	             "hexpm", "<outer checksum>"},
//	  "plug": {:git, "https://github.com/elixir-plug/plug.git", "<sha>", [branch: "main"]},
//	}
//
// Hex packages are reported with their exact version, the outer checksum (the SHA-256 of the
// package tarball, https://github.com/hexpm/specifications/blob/main/package_tarball.md) as a
// SHA-256 hash, and their dependency edges; git dependencies carry their repository and commit.
// Package URLs follow the purl type hex, with the organisation of a private repository
// ("hexpm:acme") as namespace (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#hex),
// both lower-cased as the type requires; Package.Name keeps the lock's (hex.pm's) spelling.
//
// The lock file does not say which dependencies are direct, nor name the project.
package hex

import "github.com/hallmark-dev/hallmark/catalog"

// Catalogers returns the catalogers of this package: mix-lock.
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}}
}
