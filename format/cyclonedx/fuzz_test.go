package cyclonedx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/catalog"
)

// FuzzDecode feeds Decode mutations of every test BOM (JSON and XML) and of Encode's output.
// Decode must not panic, must fail only with ErrInvalid or ErrTooLarge, and whatever it
// accepts Encode must be able to write and Decode to read back.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "1.*", "*"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, opts := range []EncodeOptions{{Timestamp: testTime}, {XML: true, SpecVersion: "1.5"}} {
		var buf bytes.Buffer
		if err := Encode(&buf, richInventory(), opts); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, catalog.ErrTooLarge) {
				t.Fatalf("Decode error %v wraps neither ErrInvalid nor ErrTooLarge", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, inv, EncodeOptions{}); err != nil {
			t.Fatalf("Encode of a decoded document: %v", err)
		}
		if _, err := Decode(&out); err != nil {
			t.Fatalf("Decode of Encode's output: %v\n%s", err, out.Bytes())
		}
	})
}
