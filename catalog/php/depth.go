package php

import (
	"fmt"

	"github.com/hallmark-dev/hallmark/catalog"
)

// checkDepth rejects JSON nested deeper than catalog.MaxDepth before it is decoded. It
// follows strings (with their escapes) so that brackets inside them do not count.
func checkDepth(name string, data []byte) error {
	depth, line := 0, 1
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
		}
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > catalog.MaxDepth {
				return fmt.Errorf("%s:%d: %w (JSON nested deeper than %d)", name, line, catalog.ErrTooLarge, catalog.MaxDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
