package evidence

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/hallmark-dev/hallmark/attest"
)

// content is what a bundle claims, before verification.
type content struct {
	bundle        *bundle.Bundle
	mediaType     string
	subjects      []Subject
	predicateType string
	predicate     json.RawMessage
	// sha256 is the artifact digest verification checks the signature against: the first
	// SHA-256 subject of a statement, or a message signature's digest; nil when there is none.
	sha256  []byte
	keyless bool // the bundle carries a certificate rather than a key hint
}

// validAlgorithm reports whether s is a subject digest's algorithm as Hallmark stores it:
// 1 to 32 of [a-z0-9_-].
func validAlgorithm(s string) bool {
	return len(s) >= 1 && len(s) <= 32 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == ""
}

// validHex reports whether s is a subject digest's value as Hallmark stores it: 16 to 256
// lower-case hexadecimal digits. (A regular expression with these bounds compiled into
// thousands of instructions at every start of the program.)
func validHex(s string) bool {
	return len(s) >= 16 && len(s) <= 256 && strings.Trim(s, "0123456789abcdef") == ""
}

// validDigest reports whether s is "ALGORITHM:HEX" as subjects are stored.
func validDigest(s string) bool {
	alg, value, ok := strings.Cut(s, ":")
	return ok && validAlgorithm(alg) && validHex(value)
}

// inspect parses a Sigstore bundle and reads what it claims: the subjects, predicate type and
// predicate of the in-toto statement in its DSSE envelope, or the digest a message signature
// signs. Input that is not a bundle, or whose envelope does not hold an in-toto statement, is
// refused with portfolio.ErrInvalid. Subject digests other than hexadecimal ones of a simple
// algorithm name are not kept, nor subjects beyond MaxSubjects.
func inspect(data []byte) (*content, error) {
	b, err := attest.ParseBundle(data)
	if err != nil {
		return nil, invalid("not a Sigstore bundle: %v", err)
	}
	c := &content{bundle: b, mediaType: b.GetMediaType(), predicate: json.RawMessage("null")}
	vc, err := b.VerificationContent()
	if err != nil {
		return nil, invalid("bundle verification material: %v", err)
	}
	c.keyless = vc.Certificate() != nil
	sc, err := b.SignatureContent()
	if err != nil {
		return nil, invalid("bundle content: %v", err)
	}
	if ms := sc.MessageSignatureContent(); ms != nil {
		if ms.DigestAlgorithm() == "SHA2_256" && len(ms.Digest()) == 32 {
			c.sha256 = ms.Digest()
			c.subjects = []Subject{{Digest: "sha256:" + hex.EncodeToString(ms.Digest())}}
		}
		return c, nil
	}
	env := sc.EnvelopeContent()
	if env == nil || env.RawEnvelope() == nil {
		return nil, invalid("the bundle holds neither a message signature nor a DSSE envelope")
	}
	raw := env.RawEnvelope()
	if raw.PayloadType != attest.PayloadType {
		return nil, invalid("DSSE payload type %q is not an in-toto statement (%s)", raw.PayloadType, attest.PayloadType)
	}
	payload, err := raw.DecodeB64Payload()
	if err != nil {
		return nil, invalid("DSSE payload: %v", err)
	}
	st, err := attest.ParseStatement(payload)
	if err != nil {
		return nil, invalid("DSSE payload: %v", err)
	}
	c.predicateType = st.PredicateType
	if p := bytes.TrimSpace(st.Predicate); len(p) > 0 {
		c.predicate = p
	}
	for _, s := range st.Subject {
		name := truncate(s.Name, maxName)
		for _, alg := range slices.Sorted(maps.Keys(s.Digest)) {
			value := strings.ToLower(s.Digest[alg])
			alg = strings.ToLower(alg)
			if len(c.subjects) >= MaxSubjects || !validAlgorithm(alg) || !validHex(value) {
				continue
			}
			c.subjects = append(c.subjects, Subject{Name: name, Digest: alg + ":" + value})
			if alg == "sha256" && c.sha256 == nil && len(value) == 64 {
				c.sha256, _ = hex.DecodeString(value)
			}
		}
	}
	return c, nil
}
