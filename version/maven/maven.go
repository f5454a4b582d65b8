// Package maven orders Maven versions the way OSV orders its ecosystem "Maven"
// (osv-scalibr's semantic package, whose fixtures are the conformance tests), which is
// org.apache.maven.artifact.versioning.ComparableVersion's order of Maven 3.8.6
// (https://maven.apache.org/pom.html#version-order-specification) with one difference; Maven39
// is the order of Maven 3.8.7 to 3.9 (and later 3.9.x releases).
//
// A version is split into items at '.', at '-' and at every change between ASCII digits and
// other characters ("1.0alpha1" is 1, 0, alpha, 1). Digit items are numbers of any size.
// Other items are qualifiers, compared case-insensitively: alpha < beta < milestone < rc <
// snapshot < "" < sp < every other qualifier (those in lexical order), where "ga", "final"
// and "release" mean "", "cr" means "rc", and "a", "b" and "m" directly followed by a digit mean
// alpha, beta and milestone. A '-', a letter-to-digit change and a digit-to-letter change each
// start a sub-list, so versions are nested lists. Trailing "null" items (0, "", empty sub-lists)
// are dropped from every list, which is why "1" = "1.0" = "1.0.0" = "1-final" = "1.0-0". At one
// position a number beats a sub-list, which beats a qualifier; against the end of a shorter
// list, a number above zero and the qualifiers sp and unknown ones are higher, the pre-release
// qualifiers are lower, and a sub-list counts as its first item that is not null.
//
// # Scheme (OSV) and Maven39
//
// Maven 3.8.7 (MNG-7644) put a qualifier that follows a dot and is followed by a digit, or
// ends the version, into a sub-list of its own, so that ".X1" orders like "-X1"; OSV's order,
// and so Scheme, is the one before: "6.1.12.rc5" < "6.1.12rc1" and "1.5.9.RC1" < "1.5.9-RC0"
// (Maven39 says ">" to both). And where a '-' leaves a sub-list empty but for the next sub-list
// ("1-ga-1", "1-0-1"), Maven keeps the empty list ([1, [[1]]], below [1, [1]]) and OSV drops it:
// for Scheme "1-ga-1" = "1-1", for Maven39 "1-ga-1" < "1-1".
//
// # Where this differs from Maven
//
// ComparableVersion is not a total order: its rule "number > sub-list > qualifier" disagrees
// with its padding rule on some versions, and Maven then reports cycles such as
//
//	1-1.foo-bar < 1-1-SNAPSHOT < 1-1 < 1-1.foo-bar
//	v1.2 < 0-SNAPSHOT < 0 < v1.2
//	1.0.beta.1 > 1-1 > 1 > 1.0.beta.1
//
// No order-preserving key can reproduce a cycle, so this package breaks each one the same
// way: an item whose comparison with the end of a list and whose kind disagree ("sp" or an
// unknown qualifier, or a null item followed by a higher item, against a sub-list or a null item
// that sorts below the end; a sub-list above the end against a null number below it) is
// placed by its comparison with the end. Padding, and so everything in the list above, is then
// exactly Maven's ("1-1-SNAPSHOT" < "1-1" < "1-1.foo-bar"). Compare agrees with Maven on every
// pair of versions except such pairs, each of which lies on a three-version Maven cycle with a
// prefix of one of them; the tests check this against a separate port of ComparableVersion
// (of both releases).
//
// Maven accepts any string as a version; Parse accepts non-empty strings of at most
// version.MaxLength printable ASCII characters with at least one character other than '.'
// and '-', and rejects the characters Maven's model validator bans in versions (\ / : " < > |
// ? *) and unresolved "${" expressions.
package maven

import (
	"bytes"
	"strings"

	"github.com/hallmark-dev/hallmark/version"
)

// Scheme is OSV's Maven order (ComparableVersion of Maven 3.8.6, with "1-ga-1" = "1-1"), the
// scheme of the OSV ecosystem Maven.
var Scheme version.Scheme = scheme{}

// Maven39 is the order of ComparableVersion in Maven 3.8.7 to 3.9.x (see the package
// documentation). Its versions must not be compared with those of Scheme.
var Maven39 version.Scheme = scheme{maven39: true}

const name = "maven"

type scheme struct{ maven39 bool }

func (s scheme) Name() string {
	if s.maven39 {
		return "maven-3.9"
	}
	return name
}

func (s scheme) Parse(v string) (version.Version, error) {
	p, err := parse(v, s.maven39)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Version is a parsed Maven version. Its Compare accepts any *Version of the same scheme.
type Version struct {
	raw string
	key []byte
}

var _ version.Version = (*Version)(nil)

// Parse parses v for Scheme (see the package documentation for what is accepted).
func Parse(v string) (*Version, error) { return parse(v, false) }

// ParseMaven39 parses v for Maven39.
func ParseMaven39(v string) (*Version, error) { return parse(v, true) }

func parse(v string, maven39 bool) (*Version, error) {
	if err := validate(v); err != nil {
		return nil, err
	}
	return &Version{raw: v, key: appendKey(nil, normalize(split(v, maven39), maven39))}, nil
}

// bannedChars are the characters Maven's DefaultModelValidator rejects in versions
// (ILLEGAL_VERSION_CHARS).
const bannedChars = `\/:"<>|?*`

func validate(v string) error {
	switch {
	case v == "":
		return version.Invalid(name, v, "empty")
	case len(v) > version.MaxLength:
		return version.Invalid(name, v, "longer than the maximum length")
	case strings.Trim(v, ".-") == "":
		return version.Invalid(name, v, "no digit or letter")
	case strings.Contains(v, "${"):
		return version.Invalid(name, v, "unresolved ${} expression")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c > '~' {
			return version.Invalid(name, v, "contains a space, control or non-ASCII character")
		}
		if strings.IndexByte(bannedChars, c) >= 0 {
			return version.Invalid(name, v, "contains "+string(c)+", which Maven does not allow in versions")
		}
	}
	return nil
}

// String returns the version as it was given.
func (v *Version) String() string { return v.raw }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than o, which must be a
// *Version.
func (v *Version) Compare(o version.Version) int {
	w, ok := o.(*Version)
	if !ok {
		panic("maven: Compare with a version of another scheme")
	}
	return bytes.Compare(v.key, w.key)
}

// Key returns the order-preserving key: versions that compare equal ("1", "1.0", "1-ga") have
// identical keys.
func (v *Version) Key() []byte { return bytes.Clone(v.key) }
