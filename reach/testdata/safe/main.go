// Command safe imports golang.org/x/text/language but calls none of the symbols its
// advisories name: the findings are unreachable.
package main

import (
	"fmt"

	"golang.org/x/text/language"
)

func main() {
	fmt.Println(language.English)
}
