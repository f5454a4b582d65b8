package version

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
)

func TestAppendUintOrder(t *testing.T) {
	nums := []string{"0", "000", "1", "01", "9", "10", "99", "100", "18446744073709551615", "18446744073709551616", strings.Repeat("9", 300), "1" + strings.Repeat("0", 300)}
	for _, a := range nums {
		for _, b := range nums {
			x, _ := new(big.Int).SetString(a, 10)
			y, _ := new(big.Int).SetString(b, 10)
			want := x.Cmp(y)
			if got := bytes.Compare(AppendUint(nil, a), AppendUint(nil, b)); got != want {
				t.Errorf("AppendUint(%.20s) vs (%.20s): %d, want %d", a, b, got, want)
			}
		}
	}
	if !bytes.Equal(AppendUint64(nil, 1234), AppendUint(nil, "1234")) {
		t.Error("AppendUint64 and AppendUint disagree")
	}
}

func TestAppendStringOrder(t *testing.T) {
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "b", "\x00", "\x01", "alpha", "alpha1"}
	for _, a := range strs {
		for _, b := range strs {
			want := strings.Compare(a, b)
			// Components are followed by more components: the order must hold with suffixes.
			ka := append(AppendString(nil, a), 0x80)
			kb := append(AppendString(nil, b), 0x00)
			if got := bytes.Compare(ka, kb); want != 0 && got != want {
				t.Errorf("AppendString(%q) vs (%q) = %d, want %d", a, b, got, want)
			}
		}
	}
}
