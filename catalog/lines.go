package catalog

import "bytes"

// LineOf returns the 1-based line of byte offset off in data, for error messages and package
// locations of parsers that work on offsets (encoding/json's Decoder.InputOffset, …).
func LineOf(data []byte, off int64) int {
	if off < 0 {
		return 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}
