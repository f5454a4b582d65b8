#!/bin/sh
# Rebuilds the Go executables in bin/ from src/hello, offline, from the module cache.
# Needs golang.org/x/sync@v0.24.0 in the module cache (a dependency of Hallmark itself).
#
# The source is copied into a fresh git repository with a fixed author and date, so that the
# VCS stamp (vcs.revision, vcs.time) is the same on every rebuild.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/hallmark-hello.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -R "$here/src/hello/." "$work/"
cd "$work"
export GIT_AUTHOR_NAME=hallmark GIT_AUTHOR_EMAIL=hallmark@example.com GIT_AUTHOR_DATE=2024-03-01T12:00:00Z
export GIT_COMMITTER_NAME=hallmark GIT_COMMITTER_EMAIL=hallmark@example.com GIT_COMMITTER_DATE=2024-03-01T12:00:00Z
git init -q -b main . && git add -A && git commit -q -m fixture
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off CGO_ENABLED=0 GOTOOLCHAIN=local
# Linux ELF: VCS stamp, trimmed paths.
GOOS=linux GOARCH=amd64 go build -trimpath -ldflags='-s -w' -o "$here/bin/hello-linux-amd64" .
# Windows PE: no VCS stamp.
GOOS=windows GOARCH=amd64 go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$here/bin/hello-windows-amd64.exe" .
# Mach-O: without -trimpath, so that -ldflags (with -X) is recorded in the build settings.
GOOS=darwin GOARCH=arm64 go build -buildvcs=false -ldflags='-s -w -X main.version=1.0.0' -o "$here/bin/hello-darwin-arm64" .
