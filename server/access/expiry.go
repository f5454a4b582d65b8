package access

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxTokenLifetime bounds how far in the future a token may expire.
const MaxTokenLifetime = 100 * 365 * 24 * time.Hour

// maxExpiryLength bounds what ParseExpiry reads.
const maxExpiryLength = 64

// ParseExpiry reads when a token created at now expires: a lifetime in days ("90d"), weeks
// ("12w") or hours ("36h"), a date ("2027-01-01", midnight UTC at its start) or an RFC 3339
// time ("2027-01-01T12:00:00Z"). The result is after now and at most MaxTokenLifetime later;
// "never" and "none" return the zero time (no expiry).
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	if len(s) > maxExpiryLength {
		return time.Time{}, fmt.Errorf("%w: expiry longer than %d bytes", ErrInvalid, maxExpiryLength)
	}
	s = strings.TrimSpace(s)
	if s == "never" || s == "none" {
		return time.Time{}, nil
	}
	var t time.Time
	if d, ok, err := parseLifetime(s); ok {
		if err != nil {
			return time.Time{}, err
		}
		t = now.Add(d)
	} else if day, err := time.Parse(time.DateOnly, s); err == nil {
		t = day
	} else if tm, err := time.Parse(time.RFC3339, s); err == nil {
		t = tm
	} else {
		return time.Time{}, fmt.Errorf("%w: expiry %q (want a lifetime such as 90d, 12w or 36h, a date such as 2027-01-01, or never)", ErrInvalid, s)
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("%w: expiry %s is not in the future", ErrInvalid, t.UTC().Format(time.RFC3339))
	}
	if t.Sub(now) > MaxTokenLifetime {
		return time.Time{}, fmt.Errorf("%w: expiry %q is more than 100 years away (leave the expiry out for a token that never expires)", ErrInvalid, s)
	}
	return t.UTC(), nil
}

// parseLifetime reads "N" followed by d, w or h; ok reports that s has that shape.
func parseLifetime(s string) (d time.Duration, ok bool, err error) {
	if len(s) < 2 {
		return 0, false, nil
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, false, nil
	}
	digits := s[:len(s)-1]
	if strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(MaxTokenLifetime/unit) {
		return 0, true, fmt.Errorf("%w: token lifetime %q is more than 100 years (leave the expiry out for a token that never expires)", ErrInvalid, s)
	}
	if n == 0 {
		return 0, true, fmt.Errorf("%w: token lifetime %q is zero", ErrInvalid, s)
	}
	return time.Duration(n) * unit, true, nil
}
