// The variable-length integer of the 10.5+ redo log (mlog_encode_varint in mtr0log.h,
// mlog_decode_varint in log0recv.cc of MariaDB 10.11): record lengths, tablespace ids,
// page numbers, byte offsets and EXTENDED parameters are all written with it.
// INNODB_FORMATS.md §3.4; docs/redo-format.md "Varints".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "innodb/base/endian.h"

namespace tidemark::innodb {

// Smallest value of each encoded length (MIN_2BYTE .. MIN_5BYTE, mtr0log.h).
inline constexpr uint32_t kVarintMin2Byte = 0x80;
inline constexpr uint32_t kVarintMin3Byte = kVarintMin2Byte + (1u << 14);
inline constexpr uint32_t kVarintMin4Byte = kVarintMin3Byte + (1u << 21);
inline constexpr uint32_t kVarintMin5Byte = kVarintMin4Byte + (1u << 28);
// The longest encoding.
inline constexpr size_t kVarintMaxLength = 5;

// Length the server derives from a first byte: 1 + its number of leading one bits, so
// 1..9. Lengths above 5 (first byte 0xF8..0xFF) never decode; 0xF1..0xF7 claim 5 bytes but
// do not decode either (see DecodeVarint). Page-id parsing compares this value against
// the record length before decoding, exactly like recv_sys_t::parse_tail.
size_t VarintLengthFromFirstByte(uint8_t first);

struct Varint {
  uint32_t value = 0;
  uint8_t length = 0;  // bytes consumed, 1..5
};

// Decodes the varint at the start of `in`. Returns nullopt when `in` is shorter than the
// encoding claims, or when the encoding is one the server rejects (MLOG_DECODE_ERROR):
// a first byte 0xF1..0xFF, or a 5-byte encoding whose value would exceed 0xFFFFFFFE
// (0xFFFFFFFF is the server's error value and cannot be told apart from it).
std::optional<Varint> DecodeVarint(ByteSpan in);

// Bytes EncodeVarint uses for `v`: 1..5.
size_t EncodedVarintLength(uint32_t v);

// Writes the encoding of `v` at the start of `out` (which must hold
// EncodedVarintLength(v) bytes) and returns the number of bytes written. Any uint32_t is
// encodable; 0xFFFFFFFF encodes but does not decode (see DecodeVarint).
size_t EncodeVarint(uint32_t v, MutableByteSpan out);

// Appends the encoding of `v` to `out`.
void AppendVarint(uint32_t v, std::vector<uint8_t>& out);

}  // namespace tidemark::innodb
