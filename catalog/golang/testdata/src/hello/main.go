// Command hello is a test fixture for the go-binary cataloger: it depends on a module from the
// module cache (golang.org/x/sync, replaced by a newer version) and on a local module
// (example.com/greet, replaced by ./greet).
package main

import (
	"context"
	"os"

	"example.com/greet"
	"golang.org/x/sync/errgroup"
)

func main() {
	g, _ := errgroup.WithContext(context.Background())
	g.Go(func() error {
		_, err := os.Stdout.WriteString(greet.Hello() + "\n")
		return err
	})
	if g.Wait() != nil {
		os.Exit(1)
	}
}
