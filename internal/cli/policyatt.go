package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/hallmark-dev/hallmark/policy"
	"github.com/hallmark-dev/hallmark/provenance"
)

// maxProvenanceResult bounds a provenance verification result read for the evidence.
const maxProvenanceResult = 16 << 20

// readProvenanceResults reads results of 'hallmark provenance verify --json' and turns them
// into the evidence's verified attestations. The result is produced only when verification
// succeeded, so what it says was checked: signer, subject, builder, source and level.
func readProvenanceResults(files []string) ([]policy.Attestation, error) {
	var out []policy.Attestation
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxProvenanceResult+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		if len(data) > maxProvenanceResult {
			return nil, fmt.Errorf("%s: larger than %d bytes", name, maxProvenanceResult)
		}
		var r provenance.Result
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: not a provenance verification result: %v", name, err)
		}
		if r.Schema != provenance.ResultSchema {
			return nil, fmt.Errorf("%s: schema %q, want %q (write it with 'hallmark provenance verify --json')", name, r.Schema, provenance.ResultSchema)
		}
		a := policy.Attestation{
			Subjects:  []string{r.Artifact},
			Signer:    policy.Signer{Identity: r.Signer.Identity, Issuer: r.Signer.Issuer, KeyID: r.Signer.KeyHint},
			Builder:   r.Builder,
			SLSALevel: r.Level,
			Bundle:    name,
		}
		if r.Provenance != nil {
			a.PredicateType = r.Provenance.PredicateType
		}
		if s := r.Source; s != nil {
			a.Source = policy.Source{URI: s.Repository, Ref: s.Ref}
			if s.Commit != "" {
				a.Source.Digest = "gitCommit:" + s.Commit
			}
		}
		out = append(out, a)
	}
	return out, nil
}
