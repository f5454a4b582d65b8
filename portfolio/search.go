package portfolio

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/osv"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/version/lookup"
)

// purlPackage returns the ecosystem and normalised name a package URL names.
func purlPackage(purl string) (eco, name string, err error) {
	u, err := sbom.ParsePURL(purl)
	if err != nil {
		return "", "", fmt.Errorf("%w: package URL %q: %v", ErrInvalid, purl, err)
	}
	eco = sbom.PURLEcosystem(u)
	switch u.Type {
	case "deb", "apk", "rpm":
		name = u.Name
	default:
		switch {
		case u.Namespace == "":
			name = u.Name
		case eco == sbom.EcosystemMaven:
			name = u.Namespace + ":" + u.Name
		case eco == sbom.EcosystemNPM || eco == sbom.EcosystemGo || eco == sbom.EcosystemPackagist:
			name = u.Namespace + "/" + u.Name
		default:
			name = u.Name
		}
	}
	if eco == "" {
		return "", "", fmt.Errorf("%w: package URL type %q has no known ecosystem", ErrInvalid, u.Type)
	}
	return eco, match.NormalizeName(eco, name), nil
}

// keyRange is a range of version keys; an exact version string matches only when the version
// has no key.
type keyRange struct {
	iv    match.Interval
	any   bool   // no bound at all: NULL keys match too
	exact string // "=v" given
}

// parseRange reads comparisons separated by commas (">=1.0.0,<2.0.0", "=1.2.3", "<=4") into
// one interval of keys under the ecosystem's scheme.
func parseRange(eco, rng string) (*keyRange, error) {
	kr := &keyRange{any: true}
	rng = strings.TrimSpace(rng)
	if rng == "" {
		return kr, nil
	}
	if len(rng) > maxText {
		return nil, fmt.Errorf("%w: range longer than %d bytes", ErrInvalid, maxText)
	}
	s, ok := lookup.For(eco, osv.RangeEcosystem)
	if !ok {
		return nil, fmt.Errorf("%w: no version order is known for %s", ErrInvalid, eco)
	}
	kr.any = false
	for _, part := range strings.Split(rng, ",") {
		part = strings.TrimSpace(part)
		op := ""
		for _, o := range []string{">=", "<=", "==", ">", "<", "="} {
			if strings.HasPrefix(part, o) {
				op = o
				break
			}
		}
		if op == "" {
			return nil, fmt.Errorf("%w: range %q: %q needs one of >=, >, <=, <, =", ErrInvalid, rng, part)
		}
		v := strings.TrimSpace(part[len(op):])
		pv, err := s.Parse(v)
		if err != nil {
			return nil, fmt.Errorf("%w: range %q: version %q: %v", ErrInvalid, rng, v, err)
		}
		k := pv.Key()
		switch op {
		case ">=", ">":
			lo := k
			if op == ">" {
				lo = append(append([]byte{}, k...), 0) // the smallest key above k
			}
			if kr.iv.Lo == nil || bytes.Compare(lo, kr.iv.Lo) > 0 {
				kr.iv.Lo = lo
			}
		case "<", "<=":
			if kr.iv.Hi == nil || bytes.Compare(k, kr.iv.Hi) < 0 || bytes.Equal(k, kr.iv.Hi) && op == "<" {
				kr.iv.Hi, kr.iv.HiInclusive = k, op == "<="
			}
		default:
			kr.exact = v
			if kr.iv.Lo == nil || bytes.Compare(k, kr.iv.Lo) > 0 {
				kr.iv.Lo = k
			}
			if kr.iv.Hi == nil || bytes.Compare(k, kr.iv.Hi) < 0 {
				kr.iv.Hi, kr.iv.HiInclusive = k, true
			}
		}
	}
	return kr, nil
}

// Search finds the components in scope with a package URL's type, namespace and name (its
// version, if any, is ignored), within a version range in the ecosystem's semantics: rng is
// "" (any version) or comparisons separated by commas, such as ">=4.0.0,<4.17.21" or "=1.2.3".
// The range is a range scan over the components' version keys; components whose version the
// ecosystem's scheme cannot parse match only "" (or "=" with the same string).
func (p *Portfolio) Search(ctx context.Context, sc Scope, purl, rng string, pg Page) (items []ComponentHit, next string, err error) {
	after, err := decodeCursor(pg.After)
	if err != nil {
		return nil, "", err
	}
	eco, name, err := purlPackage(purl)
	if err != nil {
		return nil, "", err
	}
	kr, err := parseRange(eco, rng)
	if err != nil {
		return nil, "", err
	}
	limit := limitOf(pg)
	cond, scopeArgs := scopeSQL(sc, "a.team_id")
	q := `SELECT ` + compColumns + `, ` + artifactColumns + ` FROM components c JOIN artifacts a ON a.id = c.artifact_id
		JOIN teams t ON t.id = a.team_id WHERE c.ecosystem = ? AND c.name = ? AND c.id > ? AND ` + cond
	args := append([]any{eco, name, after}, scopeArgs...)
	if !kr.any {
		keyCond := `c.vkey IS NOT NULL`
		var keyArgs []any
		if kr.iv.Lo != nil {
			keyCond += ` AND c.vkey >= ?`
			keyArgs = append(keyArgs, kr.iv.Lo)
		}
		if kr.iv.Hi != nil {
			if kr.iv.HiInclusive {
				keyCond += ` AND c.vkey <= ?`
			} else {
				keyCond += ` AND c.vkey < ?`
			}
			keyArgs = append(keyArgs, kr.iv.Hi)
		}
		if kr.exact != "" {
			keyCond = `(` + keyCond + ` OR c.vkey IS NULL AND c.version = ?)`
			keyArgs = append(keyArgs, kr.exact)
		}
		q += ` AND ` + keyCond
		args = append(args, keyArgs...)
	}
	q += ` ORDER BY c.id LIMIT ?`
	args = append(args, limit+1)
	err = queryEach(ctx, p.st.SQL(), q, args, func(r *sql.Rows) error {
		c := &comp{}
		a := &Artifact{}
		var direct int64
		var locs string
		var created, updated int64
		err := r.Scan(&c.id, &c.artifactID, &c.ref, &c.purl, &c.typ, &c.eco, &c.release, &c.name, &c.version,
			&c.sourceName, &c.sourceVersion, &c.vkey, &c.sourceVKey, &c.vcsURL, &c.vcsRevision, &direct, &locs,
			&a.ID, &a.Team, &a.Name, &a.Version, &a.Digest, &a.Format, &a.Components, &created, &updated)
		if err != nil {
			return err
		}
		c.direct = direct != 0
		if locs != "" {
			c.locations = strings.Split(locs, "\n")
		}
		a.Created, a.Updated = msTime(created), msTime(updated)
		items = append(items, ComponentHit{Artifact: *a, Component: c.public()})
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("searching components: %w", err)
	}
	items, next = pageOf(items, limit, func(x ComponentHit) int64 { return x.Component.ID })
	return items, next, nil
}
