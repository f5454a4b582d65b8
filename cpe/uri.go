package cpe

import (
	"strings"
)

// ParseURI parses a CPE name in the URI binding: CPE 2.2 names ("cpe:/o:debian:debian_linux:12",
// as os-release(5) CPE_NAME records them) and the CPE 2.3 URI binding with a packed edition
// ("cpe:/a:vendor:product:1.0::~~~node.js~~"), following NISTIR 7695 §6.1.3 (unbind_uri).
//
// Missing trailing components and empty ones are ANY; "-" is NA. Percent-encoded printable
// punctuation ("%2b" for "+") is decoded; the wildcard encodings "%01" and "%02" are rejected,
// as in Parse. The URI binding is case-insensitive (CPE 2.2 specification §5.2), so values
// are lower-cased: "cpe:/o:rocky:rocky:9:GA" gives update "ga".
func ParseURI(s string) (Name, error) {
	var n Name
	if len(s) < 5 || !strings.EqualFold(s[:5], "cpe:/") {
		return n, syntaxErr(s, "", "a CPE URI begins with \"cpe:/\"")
	}
	comps := strings.Split(s[5:], ":")
	if len(comps) > 7 {
		return n, syntaxErr(s, "", "%d components after \"cpe:/\", at most 7", len(comps))
	}
	uriAttrs := [7]*string{&n.Part, &n.Vendor, &n.Product, &n.Version, &n.Update, &n.Edition, &n.Language}
	names := [7]string{"part", "vendor", "product", "version", "update", "edition", "language"}
	for i := range uriAttrs {
		*uriAttrs[i] = Any
	}
	n.SwEdition, n.TargetSw, n.TargetHw, n.Other = Any, Any, Any, Any
	for i, c := range comps {
		if i == 5 && strings.HasPrefix(c, "~") {
			packed := strings.Split(c, "~")
			if len(packed) != 6 {
				return Name{}, syntaxErr(s, "edition", "a packed edition has 5 fields separated by \"~\", got %d", len(packed)-1)
			}
			dsts := [5]*string{&n.Edition, &n.SwEdition, &n.TargetSw, &n.TargetHw, &n.Other}
			for k, attr := range [5]string{"edition", "sw_edition", "target_sw", "target_hw", "other"} {
				v, err := decodeURIValue(s, attr, packed[k+1])
				if err != nil {
					return Name{}, err
				}
				*dsts[k] = v
			}
			continue
		}
		v, err := decodeURIValue(s, names[i], c)
		if err != nil {
			return Name{}, err
		}
		*uriAttrs[i] = v
	}
	if err := checkPart(n.Part); err != nil || n.Part == Any || n.Part == NA {
		return Name{}, syntaxErr(s, "part", "%q: want \"a\", \"o\" or \"h\"", n.Part)
	}
	if err := checkLanguage(n.Language); err != nil {
		return Name{}, syntaxErr(s, "language", "%q: want a language tag such as \"en\" or \"en-us\"", n.Language)
	}
	return n, nil
}

// decodeURIValue decodes one URI component (NISTIR 7695 §6.1.3.2, decode).
func decodeURIValue(input, attr, v string) (string, error) {
	switch v {
	case "":
		return Any, nil
	case NA:
		return NA, nil
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case plain(c):
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		case c == '%':
			if i+2 >= len(v) {
				return "", syntaxErr(input, attr, "truncated percent-encoding")
			}
			h, ok := unhex(v[i+1], v[i+2])
			switch {
			case !ok:
				return "", syntaxErr(input, attr, "invalid percent-encoding %q", v[i:i+3])
			case h == 0x01 || h == 0x02:
				return "", syntaxErr(input, attr, "wildcard %q: match patterns are not CPE names", v[i:i+3])
			case !quotable(byte(h)):
				return "", syntaxErr(input, attr, "%q encodes %q, which is not punctuation", v[i:i+3], rune(h))
			}
			b = append(b, byte(h))
			i += 2
		default:
			return "", syntaxErr(input, attr, "invalid character %q (percent-encode punctuation)", c)
		}
	}
	if s := string(b); s != Any && s != NA {
		return s, nil
	}
	return "", syntaxErr(input, attr, "%q is a literal value that a Name cannot tell from a logical value", v)
}

func unhex(a, b byte) (int, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}
