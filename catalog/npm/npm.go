// Package npm catalogs the lockfiles of the JavaScript package managers that install from the
// npm registry: npm (package-lock.json and npm-shrinkwrap.json, lockfileVersion 1, 2 and 3),
// Yarn (classic yarn.lock v1 and Berry yarn.lock, __metadata version 4 and later), pnpm
// (pnpm-lock.yaml lockfileVersion 5.x, 6.0 and 9.0) and Bun (the text bun.lock of bun 1.2 and
// later; the binary bun.lockb is not read).
//
// Every package gets the OSV ecosystem "npm" and a purl of type npm
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#npm): the scope is the
// namespace, written "%40scope". An aliased dependency ("x": "npm:lodash@4.17.21") is reported
// under the real package name with the alias in the property "hallmark:npm:alias". Workspace
// packages and the project itself are reported as application packages; local directories,
// git and tarball dependencies carry "hallmark:npm:source" and, for git, a VCS record.
//
// Relation and scope: a package is direct when an importer (the project or one of its
// workspaces) declares it, transitive otherwise. npm and pnpm before 9.0 record dev and
// optional flags per package and those are used as written; Yarn, Bun and pnpm 9.0 do not,
// so there the scope is derived from the graph the way npm computes its flags: runtime if
// reachable from a production dependency, else optional if reachable from an optional one,
// else dev. Integrity values are converted to hex hashes; Yarn Berry's "checksum" hashes
// Yarn's own cache archive, not the registry tarball, so it is kept only as the property
// "hallmark:npm:checksum".
//
// Format references:
//   - npm: https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json
//   - Yarn classic: https://classic.yarnpkg.com/en/docs/yarn-lock
//   - Yarn Berry: https://yarnpkg.com/advanced/lexicon#lockfile and its yarn.lock files
//   - pnpm: https://github.com/pnpm/spec/tree/master/lockfile
//   - Bun: https://bun.sh/docs/install/lockfile
package npm

import (
	"github.com/hallmark-dev/hallmark/catalog"
)

// Catalogers returns the catalogers of this package: "npm-lock", "yarn-lock", "pnpm-lock" and
// "bun-lock".
func Catalogers() []catalog.Cataloger {
	return []catalog.Cataloger{&LockCataloger{}, &YarnCataloger{}, &PnpmCataloger{}, &BunCataloger{}}
}

// Property keys written by the catalogers of this package.
const (
	propAlias     = "hallmark:npm:alias"     // the name the dependency is installed under, when aliased
	propSource    = "hallmark:npm:source"    // git, directory, tarball, link, workspace, patch (absent: registry)
	propPath      = "hallmark:npm:path"      // install path (node_modules/a/node_modules/b) or workspace dir
	propResolved  = "hallmark:npm:resolved"  // a resolution that is not a download URL (local path, git spec)
	propWorkspace = "hallmark:npm:workspace" // directory of a workspace package, relative to the lockfile
	propChecksum  = "hallmark:npm:checksum"  // Yarn Berry checksum (of Yarn's cache archive, not the tarball)
	propPatch     = "hallmark:npm:patch"     // Yarn Berry patch locator
	propBundled   = "hallmark:npm:bundled"   // "true" for a package shipped inside its parent's tarball
	propPeer      = "hallmark:npm:peer"      // "true" for a package installed only as a peer dependency
	propRegistry  = "hallmark:npm:registry"  // a registry other than the default one
)
