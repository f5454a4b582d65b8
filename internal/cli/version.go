package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release version, set at build time with
// -ldflags "-X github.com/hallmark-dev/hallmark/internal/cli.Version=v1.2.3".
// Without it, the module version from the build information is used.
var Version = ""

// version returns the version of this binary: the one set at build time, the module version
// when installed with go install, or "devel" plus the VCS revision when built from a checkout.
func version() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	v := "devel"
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += "-" + rev
		if dirty {
			v += "-dirty"
		}
	}
	return v
}

func runVersion(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("version", "hallmark version", "Print the version of hallmark and of the Go toolchain that built it.", "  hallmark version\n")
	if _, err := fs.parse(args, env.Stdout); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "hallmark %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
