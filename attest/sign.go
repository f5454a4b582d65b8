package attest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"
)

// FileDigest returns the SHA-256 of the file at path, read as a stream.
func FileDigest(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return h.Sum(nil), nil
}

// FileSubject returns the in-toto subject for the file at path: its name as given and its
// SHA-256.
func FileSubject(name, path string) (Subject, error) {
	sum, err := FileDigest(path)
	if err != nil {
		return Subject{}, err
	}
	return Subject{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum)}}, nil
}

// SignFile signs the file at path with k: a message signature over its SHA-256, in a Sigstore
// bundle v0.3 with k's public key hint and no transparency-log entry. It returns the bundle's
// JSON.
func SignFile(ctx context.Context, k *Keypair, path string) ([]byte, error) {
	if k.alg == Ed25519 {
		data, err := readLimited(path, MaxEd25519File)
		if err != nil {
			return nil, err
		}
		return signContent(ctx, &sign.PlainData{Data: data}, k)
	}
	sum, err := FileDigest(path)
	if err != nil {
		return nil, err
	}
	return signContent(ctx, digestContent{sum}, digestKeypair{k})
}

// Attest signs st with k: the statement in a DSSE envelope, in a Sigstore bundle v0.3 with k's
// public key hint and no transparency-log entry. It returns the bundle's JSON.
func Attest(ctx context.Context, k *Keypair, st *Statement) ([]byte, error) {
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return signContent(ctx, &sign.DSSEData{Data: payload, PayloadType: PayloadType}, k)
}

func signContent(ctx context.Context, content sign.Content, kp sign.Keypair) ([]byte, error) {
	return bundleJSON(content, kp, sign.BundleOptions{Context: ctx}, "")
}

// bundleJSON signs content with kp under opts and returns the bundle's JSON. Error messages
// never carry token.
func bundleJSON(content sign.Content, kp sign.Keypair, opts sign.BundleOptions, token string) ([]byte, error) {
	pb, err := sign.Bundle(content, kp, opts)
	if err != nil {
		if token != "" {
			return nil, fmt.Errorf("signing: %s", redact(err.Error(), token))
		}
		return nil, fmt.Errorf("signing: %w", err)
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("signing: the bundle made is invalid: %w", err)
	}
	out, err := b.MarshalJSON()
	if err != nil {
		return nil, err
	}
	// protojson varies its spacing from run to run on purpose; indent for stable output.
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// digestContent is sign.Content for a message signature over a precomputed SHA-256: its
// "pre-authentication encoding" is the digest, which digestKeypair signs as such.
type digestContent struct{ digest []byte }

func (d digestContent) PreAuthEncoding() []byte { return d.digest }

func (d digestContent) Bundle(b *protobundle.Bundle, signature, digest []byte, alg protocommon.HashAlgorithm) {
	(&sign.PlainData{}).Bundle(b, signature, digest, alg)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}
