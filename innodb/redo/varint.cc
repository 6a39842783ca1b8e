// Redo-log varints: prefix-coded big-endian integers with offset bases, so that every
// value has exactly one encoding (mtr0log.h mlog_encode_varint, log0recv.cc
// mlog_decode_varint_length / mlog_decode_varint, MariaDB 10.11).
#include "innodb/redo/varint.h"

#include <bit>
#include <cassert>

namespace tidemark::innodb {

size_t VarintLengthFromFirstByte(uint8_t first) {
  return 1 + static_cast<size_t>(std::countl_one(first));
}

std::optional<Varint> DecodeVarint(ByteSpan in) {
  if (in.empty()) return std::nullopt;
  const uint32_t b0 = in[0];
  const size_t len = VarintLengthFromFirstByte(static_cast<uint8_t>(b0));
  if (len > kVarintMaxLength || in.size() < len) return std::nullopt;
  switch (len) {
    case 1:
      return Varint{b0, 1};
    case 2:
      return Varint{kVarintMin2Byte + ((b0 & 0x3F) << 8 | in[1]), 2};
    case 3:
      return Varint{kVarintMin3Byte + ((b0 & 0x1F) << 16 | uint32_t{ReadBe16(in, 1)}), 3};
    case 4:
      return Varint{kVarintMin4Byte + ((b0 & 0x0F) << 24 | ReadBe24(in, 1)), 4};
    default:
      break;
  }
  // Only 0xF0 starts a valid 5-byte encoding; its payload must not overflow 32 bits and
  // must not produce 0xFFFFFFFF (the server's MLOG_DECODE_ERROR).
  const uint32_t rest = ReadBe32(in, 1);
  if (b0 != 0xF0 || rest >= ~kVarintMin5Byte) return std::nullopt;
  return Varint{kVarintMin5Byte + rest, 5};
}

size_t EncodedVarintLength(uint32_t v) {
  if (v < kVarintMin2Byte) return 1;
  if (v < kVarintMin3Byte) return 2;
  if (v < kVarintMin4Byte) return 3;
  if (v < kVarintMin5Byte) return 4;
  return 5;
}

size_t EncodeVarint(uint32_t v, MutableByteSpan out) {
  const size_t len = EncodedVarintLength(v);
  assert(out.size() >= len);
  static constexpr uint32_t kBase[] = {
      0, 0, kVarintMin2Byte, kVarintMin3Byte, kVarintMin4Byte, kVarintMin5Byte};
  static constexpr uint8_t kPrefix[] = {0, 0, 0x80, 0xC0, 0xE0, 0xF0};
  uint32_t rest = v - kBase[len];
  for (size_t i = len; i-- > 1; rest >>= 8) out[i] = static_cast<uint8_t>(rest);
  // For 5 bytes every payload bit is in bytes 1..4 and `rest` is now 0.
  out[0] = static_cast<uint8_t>(kPrefix[len] | (len == 5 ? 0 : rest));
  return len;
}

void AppendVarint(uint32_t v, std::vector<uint8_t>& out) {
  const size_t at = out.size();
  out.resize(at + EncodedVarintLength(v));
  EncodeVarint(v, MutableByteSpan(out).subspan(at));
}

}  // namespace tidemark::innodb
