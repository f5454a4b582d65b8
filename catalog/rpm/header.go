package rpm

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Header tags read by this package (rpm's lib/rpmtag.h).
const (
	tagSigMD5        = 261  // RPMTAG_SIGMD5: MD5 of header and payload, BIN
	tagSHA256Header  = 273  // RPMTAG_SHA256HEADER: hex SHA-256 of the header, STRING
	tagName          = 1000 // STRING
	tagVersion       = 1001 // STRING
	tagRelease       = 1002 // STRING
	tagEpoch         = 1003 // INT32
	tagSummary       = 1004 // I18NSTRING
	tagSize          = 1009 // INT32, installed size
	tagVendor        = 1011 // STRING
	tagLicense       = 1014 // STRING
	tagPackager      = 1015 // STRING
	tagURL           = 1020 // STRING
	tagArch          = 1022 // STRING
	tagSourceRPM     = 1044 // STRING
	tagProvideName   = 1047 // STRING_ARRAY
	tagRequireName   = 1049 // STRING_ARRAY
	tagLongSize      = 5009 // INT64, installed size of large packages
	tagModularity    = 5096 // STRING, RPMTAG_MODULARITYLABEL
	tagPayloadDigest = 5092 // STRING_ARRAY
	tagPayloadAlgo   = 5093 // INT32, a PGPHASHALGO value
)

// Header data types (rpm's RPM_*_TYPE).
const (
	typeNull        = 0
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
)

// Limits from rpm's lib/header.c (hdrchkTags, hdrchkData).
const (
	maxHeaderTags = 0xffff
	maxHeaderData = 0x0fffffff
)

var errHeader = errors.New("malformed rpm header")

// header is a parsed rpm header blob as stored in the rpmdb: the index and data store of
// the header structure without the 8-byte magic (rpm file format, "Header structure":
// https://rpm-software-management.github.io/rpm/manual/format_v4.html). All integers are
// big-endian.
type header struct {
	index map[int32]indexEntry
	data  []byte
}

type indexEntry struct {
	typ    uint32
	offset uint32
	count  uint32
}

// parseHeader checks the blob's structure: the index count and data length against rpm's
// limits and the blob's size, and every entry's type, offset and count against the data
// store. Values are decoded later, with their own checks.
func parseHeader(blob []byte) (*header, error) {
	if len(blob) < 8 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte preamble", errHeader, len(blob))
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il == 0 || il > maxHeaderTags {
		return nil, fmt.Errorf("%w: %d index entries", errHeader, il)
	}
	if dl > maxHeaderData {
		return nil, fmt.Errorf("%w: data store of %d bytes", errHeader, dl)
	}
	want := 8 + 16*uint64(il) + uint64(dl)
	if uint64(len(blob)) != want {
		return nil, fmt.Errorf("%w: %d bytes, index and data store say %d", errHeader, len(blob), want)
	}
	h := &header{index: make(map[int32]indexEntry, min(int(il), 64)), data: blob[8+16*il:]}
	for i := range il {
		e := blob[8+16*i : 8+16*i+16]
		tag := int32(binary.BigEndian.Uint32(e[0:4]))
		ent := indexEntry{
			typ:    binary.BigEndian.Uint32(e[4:8]),
			offset: binary.BigEndian.Uint32(e[8:12]),
			count:  binary.BigEndian.Uint32(e[12:16]),
		}
		if ent.typ > typeI18NString {
			return nil, fmt.Errorf("%w: tag %d has unknown type %d", errHeader, tag, ent.typ)
		}
		if ent.offset > dl {
			return nil, fmt.Errorf("%w: tag %d at offset %d beyond the %d-byte data store", errHeader, tag, ent.offset, dl)
		}
		if ent.count == 0 && ent.typ != typeNull {
			return nil, fmt.Errorf("%w: tag %d has no values", errHeader, tag)
		}
		if _, dup := h.index[tag]; !dup {
			h.index[tag] = ent
		}
	}
	return h, nil
}

// str returns the value of a STRING or I18NSTRING tag (the first translation), or "".
func (h *header) str(tag int32) (string, error) {
	e, ok := h.index[tag]
	if !ok {
		return "", nil
	}
	switch e.typ {
	case typeString, typeI18NString, typeStringArray:
	default:
		return "", fmt.Errorf("%w: tag %d has type %d, want a string", errHeader, tag, e.typ)
	}
	s, _, err := h.cstring(tag, e.offset)
	return s, err
}

// strs returns the values of a STRING_ARRAY tag.
func (h *header) strs(tag int32) ([]string, error) {
	e, ok := h.index[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeStringArray && e.typ != typeString && e.typ != typeI18NString {
		return nil, fmt.Errorf("%w: tag %d has type %d, want a string array", errHeader, tag, e.typ)
	}
	n := e.count
	if e.typ == typeString {
		n = 1
	}
	// Every string takes at least its NUL byte.
	if uint64(n) > uint64(len(h.data))-uint64(e.offset) {
		return nil, fmt.Errorf("%w: tag %d claims %d strings in %d bytes", errHeader, tag, n, len(h.data)-int(e.offset))
	}
	out := make([]string, 0, n)
	off := e.offset
	for range n {
		s, next, err := h.cstring(tag, off)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		off = next
	}
	return out, nil
}

// cstring reads a NUL-terminated string at off and returns it and the offset after it.
func (h *header) cstring(tag int32, off uint32) (string, uint32, error) {
	if uint64(off) >= uint64(len(h.data)) {
		return "", 0, fmt.Errorf("%w: tag %d string at offset %d beyond the data store", errHeader, tag, off)
	}
	end := bytes.IndexByte(h.data[off:], 0)
	if end < 0 {
		return "", 0, fmt.Errorf("%w: tag %d string at offset %d is not NUL-terminated", errHeader, tag, off)
	}
	return string(h.data[off : off+uint32(end)]), off + uint32(end) + 1, nil
}

// int returns the first value of an INT16, INT32 or INT64 tag and whether the tag exists.
func (h *header) int(tag int32) (int64, bool, error) {
	e, ok := h.index[tag]
	if !ok {
		return 0, false, nil
	}
	var size uint32
	switch e.typ {
	case typeInt8, typeChar:
		size = 1
	case typeInt16:
		size = 2
	case typeInt32:
		size = 4
	case typeInt64:
		size = 8
	default:
		return 0, false, fmt.Errorf("%w: tag %d has type %d, want an integer", errHeader, tag, e.typ)
	}
	if uint64(e.offset)+uint64(size) > uint64(len(h.data)) {
		return 0, false, fmt.Errorf("%w: tag %d integer at offset %d beyond the data store", errHeader, tag, e.offset)
	}
	b := h.data[e.offset : e.offset+size]
	switch size {
	case 1:
		return int64(b[0]), true, nil
	case 2:
		return int64(binary.BigEndian.Uint16(b)), true, nil
	case 4:
		return int64(binary.BigEndian.Uint32(b)), true, nil
	default:
		return int64(binary.BigEndian.Uint64(b)), true, nil
	}
}

// binHex returns the value of a BIN tag as lower-case hex.
func (h *header) binHex(tag int32) (string, error) {
	e, ok := h.index[tag]
	if !ok {
		return "", nil
	}
	if e.typ != typeBin {
		return "", fmt.Errorf("%w: tag %d has type %d, want binary", errHeader, tag, e.typ)
	}
	if uint64(e.offset)+uint64(e.count) > uint64(len(h.data)) {
		return "", fmt.Errorf("%w: tag %d has %d bytes at offset %d beyond the data store", errHeader, tag, e.count, e.offset)
	}
	return hex.EncodeToString(h.data[e.offset : e.offset+e.count]), nil
}
