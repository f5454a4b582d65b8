// Command calls parses a language tag with golang.org/x/text/language.Parse, a symbol that
// GO-2021-0113 names as vulnerable: the finding is reachable.
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

func main() {
	t, err := language.Parse(os.Args[1])
	fmt.Println(t, err)
}
