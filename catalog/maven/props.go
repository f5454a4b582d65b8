package maven

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// parseProperties reads a Java properties file (java.util.Properties.load: comments with # or
// !, "key=value", "key: value" or "key value", backslash escapes and line continuations), as
// Maven writes META-INF/maven/<groupId>/<artifactId>/pom.properties. It keeps the last value
// of a repeated key.
func parseProperties(data []byte) map[string]string {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	var logical strings.Builder
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if logical.Len() == 0 && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		// A line continues when it ends in an odd number of backslashes.
		n := len(line) - len(strings.TrimRight(line, `\`))
		if n%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		k, v := splitProperty(logical.String())
		props[k] = v
		logical.Reset()
	}
	if logical.Len() > 0 {
		k, v := splitProperty(logical.String())
		props[k] = v
	}
	return props
}

// splitProperty splits one logical line into its unescaped key and value.
func splitProperty(s string) (string, string) {
	end := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			end = i
			break
		}
	}
	key := s[:end]
	rest := strings.TrimLeft(s[end:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return unescapeProperty(key), unescapeProperty(rest)
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// parseManifest reads the main section of a JAR manifest
// (https://docs.oracle.com/en/java/javase/17/docs/specs/jar/jar.html#jar-manifest):
// "Name: value" lines, continued by lines that start with one space, ending at the first
// blank line. Names are case-insensitive; they are returned in canonical form as looked up
// (the map is keyed by the lower-case name).
func parseManifest(data []byte) map[string]string {
	attrs := map[string]string{}
	var key string
	var val strings.Builder
	flush := func() {
		if key != "" {
			attrs[strings.ToLower(key)] = strings.TrimSpace(val.String())
		}
		key = ""
		val.Reset()
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break // end of the main section
		}
		if line[0] == ' ' {
			val.WriteString(line[1:])
			continue
		}
		flush()
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.TrimSpace(k)
		val.WriteString(strings.TrimPrefix(v, " "))
	}
	flush()
	return attrs
}
