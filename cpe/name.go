package cpe

import (
	"fmt"
	"strings"
)

// Logical values of a Name attribute (NISTIR 7695 §5.3.1). The empty string is read as Any,
// so that a Name literal need only set the attributes it knows.
const (
	Any = "*" // ANY: any value
	NA  = "-" // NA: not applicable, the attribute has no legitimate value
)

// Part values (NISTIR 7695 §5.3.3.1).
const (
	PartApplication     = "a"
	PartOperatingSystem = "o"
	PartHardware        = "h"
)

// Name is a CPE 2.3 name, one field per attribute of the well-formed name (NISTIR 7695 §5.3).
//
// Fields hold plain values, not bound ones: Version is "1.0+build", not "1.0\+build"; String
// adds the quoting of the formatted string binding and Parse removes it. "*" (or "") is the
// logical value ANY and "-" the logical value NA. A consequence: a literal value consisting of
// a single "*" or "-" cannot be held, so Parse rejects the bindings "\*" and "\-" standing
// alone. Wildcards (unquoted "*" and "?" inside a value, NISTIR 7695 §5.3.2) belong to match
// patterns, not names, and are not supported.
type Name struct {
	Part      string // "a", "o" or "h"
	Vendor    string
	Product   string
	Version   string
	Update    string
	Edition   string
	Language  string // an RFC 5646 language tag such as "en" or "en-us"
	SwEdition string
	TargetSw  string
	TargetHw  string
	Other     string
}

// attrNames are the WFN attribute names in binding order, for error messages.
var attrNames = [11]string{"part", "vendor", "product", "version", "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other"}

func (n *Name) attrs() [11]*string {
	return [11]*string{&n.Part, &n.Vendor, &n.Product, &n.Version, &n.Update, &n.Edition,
		&n.Language, &n.SwEdition, &n.TargetSw, &n.TargetHw, &n.Other}
}

// String returns n in the CPE 2.3 formatted string binding (NISTIR 7695 §6.2.2):
// "cpe:2.3:" and the eleven attributes separated by ":", "*" for ANY (and for an empty
// field), "-" for NA. Letters, digits, "_", "." and "-" are written as they are (the binding
// leaves the WFN's "\." "\-" "\_" unquoted, §6.2.2.2 process_quoted_chars); every other
// character is quoted with a backslash ("\+", "\:", "\\", "\*"). For a Name that Validate
// rejects (spaces, non-ASCII) the result is not a valid formatted string.
func (n Name) String() string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString("cpe:2.3:")
	for i, v := range n.attrs() {
		if i > 0 {
			b.WriteByte(':')
		}
		bindValue(&b, *v)
	}
	return b.String()
}

func bindValue(b *strings.Builder, v string) {
	switch v {
	case "", Any:
		b.WriteByte('*')
		return
	case NA:
		b.WriteByte('-')
		return
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !plain(c) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
}

// plain reports whether c appears unquoted in a formatted string value.
func plain(c byte) bool {
	return isAlnum(c) || c == '_' || c == '.' || c == '-'
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// quotable reports whether c may follow a backslash: printable ASCII other than letters and
// digits (NISTIR 7695 §5.3.2; "\_", "\." and "\-" are accepted as §6.2.3 unbinding does).
func quotable(c byte) bool {
	return c >= 0x21 && c <= 0x7e && !isAlnum(c)
}

// Validate reports whether n can be bound as a formatted string: Part is "a", "o", "h" or a
// logical value, Language is an RFC 5646 tag of the form NISTIR 7695 §5.3.3.7 allows
// (2–3 letters, optionally "-" and a 2-letter or 3-digit region) or a logical value, and
// every value consists of printable ASCII characters other than space.
func (n Name) Validate() error {
	for i, p := range n.attrs() {
		v := *p
		if v == "" || v == Any || v == NA {
			continue
		}
		for j := 0; j < len(v); j++ {
			if c := v[j]; c < 0x21 || c > 0x7e {
				return fmt.Errorf("cpe: %s %q: character %q cannot be written in a CPE name (printable ASCII only)", attrNames[i], v, c)
			}
		}
	}
	if err := checkPart(n.Part); err != nil {
		return err
	}
	return checkLanguage(n.Language)
}

func checkPart(v string) error {
	switch v {
	case "", Any, NA, PartApplication, PartOperatingSystem, PartHardware:
		return nil
	}
	return fmt.Errorf("cpe: part %q: want \"a\", \"o\" or \"h\"", v)
}

func checkLanguage(v string) error {
	if v == "" || v == Any || v == NA || isLangTag(v) {
		return nil
	}
	return fmt.Errorf("cpe: language %q: want a language tag such as \"en\" or \"en-us\"", v)
}

// isLangTag reports whether v is language ["-" region] with language 2*3ALPHA and region
// 2ALPHA / 3DIGIT (NISTIR 7695 §5.3.3.7, §6.2.1 ABNF).
func isLangTag(v string) bool {
	lang, region, hasRegion := strings.Cut(v, "-")
	if len(lang) < 2 || len(lang) > 3 || !all(lang, isAlpha) {
		return false
	}
	if !hasRegion {
		return true
	}
	return len(region) == 2 && all(region, isAlpha) || len(region) == 3 && all(region, isDigit)
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func all(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}
