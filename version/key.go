package version

// Keys are built by appending components. The encodings below are order-preserving and
// self-delimiting: concatenations compare component by component, so a scheme builds its key as
// a sequence of (tag, value) components whose tags it chooses so that, at each position, the
// byte order of tags gives the scheme's order between kinds of components (for example a
// pre-release tag below the end-of-version tag below a numeric tag).

// AppendUint appends an order-preserving encoding of the decimal digit string digits (ASCII
// '0'–'9', any length; leading zeros do not count: "007" encodes like "7"). Numbers of any
// size compare correctly: the length of the significant digits comes first (one byte below
// 255; 0xFF and four big-endian bytes above), then the digits.
func AppendUint(b []byte, digits string) []byte {
	i := 0
	for i < len(digits)-1 && digits[i] == '0' {
		i++
	}
	d := digits[i:]
	if d == "" {
		d = "0"
	}
	if n := len(d); n < 0xFF {
		b = append(b, byte(n))
	} else {
		b = append(b, 0xFF, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, d...)
}

// AppendUint64 appends n with the same encoding as AppendUint.
func AppendUint64(b []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return AppendUint(b, string(buf[i:]))
}

// AppendString appends an order-preserving, self-delimiting encoding of s: s's bytes compare as
// bytes, and a string sorts before every longer string it prefixes. Byte 0x00 is escaped as
// 0x00 0xFF and the string ends with 0x00 0x01.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xFF)
			continue
		}
		b = append(b, s[i])
	}
	return append(b, 0, 1)
}

// AppendStringFunc is AppendString with each byte mapped by f first, for schemes whose
// character order is not byte order (dpkg's '~' sorting before everything, for example). f
// must not return 0 or 1.
func AppendStringFunc(b []byte, s string, f func(byte) byte) []byte {
	for i := 0; i < len(s); i++ {
		b = append(b, f(s[i]))
	}
	return append(b, 0, 1)
}

// Sign returns -1, 0 or +1 by the sign of n.
func Sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
