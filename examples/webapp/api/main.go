// Command api is the example service of the Hallmark quick start.
package main

import (
	"fmt"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/semver"
)

func main() {
	fmt.Println(cmp.Equal(1, 1), semver.IsValid("v1.0.0"))
}
