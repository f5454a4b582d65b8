package maven

import (
	"strings"
)

// interpolator expands Maven ${…} expressions the way Maven's model interpolation does for
// the fields read here (https://maven.apache.org/guides/introduction/introduction-to-the-pom.html#project-interpolation-and-variables):
// project.* and pom.* model values, then <properties> of the model and its ancestors (the
// nearest wins), then the deprecated unprefixed model values (${version}). Environment
// variables (env.*), settings.xml (settings.*), Java system properties and command-line
// properties are not known to a scan and stay unresolved.
type interpolator struct {
	model map[string]string // "groupId", "artifactId", "version", "packaging", "parent.groupId", …: raw values
	props map[string]string // merged <properties>: raw values
}

// maxExpansion bounds the length of an expanded value, so that properties that refer to each
// other many times over (a=${b}${b}, b=${c}${c}, …) cannot exhaust memory.
const maxExpansion = 64 << 10

// maxInterpolationDepth bounds chains of properties that refer to properties.
const maxInterpolationDepth = 32

// maxReferences bounds the ${…} references one expansion may follow, so that properties that
// refer to each other many times over but expand to little or nothing (a=${b}${b}, b=${c}${c},
// …, z=) cannot take exponential time.
const maxReferences = 10_000

// unresolvedRef describes why an expression could not be expanded.
type unresolvedRef struct {
	property string // the property that has no value, "" when the reason is not one property
	reason   string
	// undefined is true when the value could have come from a POM outside the tree.
	undefined bool
}

// expand returns s with every ${…} replaced, or the first reference it could not resolve.
func (in *interpolator) expand(s string) (string, *unresolvedRef) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	refs := 0
	u := in.expandInto(&b, s, 0, map[string]bool{}, &refs)
	if u != nil {
		return "", u
	}
	return b.String(), nil
}

func (in *interpolator) expandInto(b *strings.Builder, s string, depth int, active map[string]bool, refs *int) *unresolvedRef {
	if depth > maxInterpolationDepth {
		return &unresolvedRef{reason: "properties refer to each other too deeply"}
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			b.WriteString(s) // Maven keeps an unterminated "${" as written
			break
		}
		b.WriteString(s[:i])
		key := s[i+2 : i+2+j]
		s = s[i+2+j+1:]
		if *refs++; *refs > maxReferences {
			return &unresolvedRef{reason: "properties refer to each other too many times"}
		}
		v, ok := in.lookup(key)
		if !ok {
			return missing(key)
		}
		if active[key] {
			return &unresolvedRef{property: key, reason: "property " + key + " refers to itself"}
		}
		active[key] = true
		u := in.expandInto(b, v, depth+1, active, refs)
		delete(active, key)
		if u != nil {
			return u
		}
		if b.Len() > maxExpansion {
			return &unresolvedRef{reason: "properties expand to more than 64 KiB"}
		}
	}
	return nil
}

// lookup finds the raw value of one expression.
func (in *interpolator) lookup(key string) (string, bool) {
	for _, prefix := range []string{"project.", "pom."} {
		if k, ok := strings.CutPrefix(key, prefix); ok {
			if v, ok := in.model[k]; ok {
				return v, true
			}
		}
	}
	if v, ok := in.props[key]; ok {
		return v, true
	}
	switch key {
	case "groupId", "artifactId", "version":
		v, ok := in.model[key]
		return v, ok
	}
	return "", false
}

func missing(key string) *unresolvedRef {
	switch {
	case strings.HasPrefix(key, "env."):
		return &unresolvedRef{property: key, reason: "property " + key + " is an environment variable, unknown to a scan"}
	case strings.HasPrefix(key, "settings."):
		return &unresolvedRef{property: key, reason: "property " + key + " comes from settings.xml, unknown to a scan"}
	}
	return &unresolvedRef{property: key, reason: "property " + key + " is not defined in the tree", undefined: true}
}
