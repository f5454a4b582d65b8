// Package version orders versions the way each ecosystem does, and gives every valid version
// an order-preserving key: for versions a and b of one Scheme,
//
//	sign(bytes.Compare(a.Key(), b.Key())) == a.Compare(b)
//
// so that "is this version inside an advisory's range?" becomes byte comparisons, and "which
// stored components does this advisory affect?" becomes a B-tree range scan over
// (ecosystem, name, key) in SQLite or PostgreSQL, with no per-row version parsing (see
// DESIGN.md, "order-preserving version keys").
//
// Each ecosystem's rules live in a package below this one (version/semver, version/pep440,
// version/maven, …); package version/lookup maps OSV ecosystem names to them. This package
// holds the interfaces and the building blocks of keys.
//
// Where an ecosystem has no total order (unparseable strings), Parse fails with ErrInvalid and
// callers fall back to exact string equality, never to a silent miss.
package version

import (
	"errors"
	"fmt"
)

// Scheme is one ecosystem's version syntax and order.
type Scheme interface {
	// Name is the scheme's name ("semver", "pep440", "dpkg", …).
	Name() string
	// Parse validates v. It fails with an error wrapping ErrInvalid when v is not a version of
	// this scheme.
	Parse(v string) (Version, error)
}

// Version is a parsed version.
type Version interface {
	// String returns the version as it was given.
	String() string
	// Compare returns -1, 0 or +1 as the version is lower than, equal to or higher than o,
	// which must come from the same Scheme (Compare may panic otherwise: that is a bug).
	Compare(o Version) int
	// Key returns the order-preserving key. Versions that compare equal have identical keys.
	Key() []byte
}

// ErrInvalid means a string is not a valid version of a scheme.
var ErrInvalid = errors.New("invalid version")

// Invalid returns an error wrapping ErrInvalid for version v of scheme, with the reason.
func Invalid(scheme, v, reason string) error {
	return fmt.Errorf("%w: %s version %q: %s", ErrInvalid, scheme, v, reason)
}

// MaxLength bounds the length of a version string any scheme accepts; real versions are far
// shorter, and the bound keeps keys and comparisons cheap on hostile input.
const MaxLength = 256

// Compare parses a and b with s and compares them.
func Compare(s Scheme, a, b string) (int, error) {
	va, err := s.Parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := s.Parse(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
