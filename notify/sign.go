package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signature errors.
var (
	ErrSignature = errors.New("webhook signature invalid")
	ErrTimestamp = errors.New("webhook timestamp refused")
)

// Sign returns the X-Hallmark-Signature of a request: "sha256=" and the lowercase hex
// HMAC-SHA256, keyed with secret, of timestamp, ".", and body.
func Sign(secret, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request's X-Hallmark-Signature against the webhook's secret, its
// X-Hallmark-Timestamp and its body as received, in constant time; it returns nil or an error
// wrapping ErrSignature. It does not judge the timestamp's age: see CheckTimestamp.
func Verify(secret, timestamp string, body []byte, signature string) error {
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return fmt.Errorf("%w: not of the form sha256=<hex>", ErrSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not of the form sha256=<hex>", ErrSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return fmt.Errorf("%w: no match for this secret, timestamp and body", ErrSignature)
	}
	return nil
}

// CheckTimestamp checks that an X-Hallmark-Timestamp (Unix seconds) is within skew of now,
// so that a captured request cannot be replayed later; it returns nil or an error wrapping
// ErrTimestamp. Each attempt is signed with a new timestamp, so retries pass. Five minutes is
// a usual skew.
func CheckTimestamp(timestamp string, now time.Time, skew time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not Unix seconds", ErrTimestamp, timestamp)
	}
	d := now.Sub(time.Unix(sec, 0))
	if d > skew || d < -skew {
		return fmt.Errorf("%w: %s away from now, more than %s", ErrTimestamp, d.Round(time.Second), skew)
	}
	return nil
}
