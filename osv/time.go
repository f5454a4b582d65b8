package osv

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is an OSV timestamp (RFC 3339, UTC). Reading is lenient where real databases are
// sloppy: a year written with fewer than four digits ("1-01-01T00:00:00Z", seen in the PyPI
// database) is padded; the zero time "0001-01-01T00:00:00Z" (used by the Go database's
// repository data) is kept as zero.
type Time struct {
	time.Time
}

// UnmarshalJSON parses an RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	p, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = p
	return nil
}

// MarshalJSON writes the timestamp in RFC 3339 with the precision it has.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// ParseTime parses an OSV timestamp with the leniency described on Time.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if y, rest, ok := strings.Cut(s, "-"); ok && len(y) > 0 && len(y) < 4 && strings.Trim(y, "0123456789") == "" {
		if t, err := time.Parse(time.RFC3339Nano, strings.Repeat("0", 4-len(y))+y+"-"+rest); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339", s)
}
