// Big-endian integer access over byte spans: InnoDB pages and the redo log store every
// multi-byte integer most-significant byte first. Callers guarantee the bounds (these
// are the innermost loops of page scanning); debug builds assert them.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tidemark {

using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

inline uint16_t ReadBe16(ByteSpan b, size_t off) {
  assert(off + 2 <= b.size());
  return static_cast<uint16_t>(b[off] << 8 | b[off + 1]);
}
inline uint32_t ReadBe24(ByteSpan b, size_t off) {
  assert(off + 3 <= b.size());
  return uint32_t{b[off]} << 16 | uint32_t{b[off + 1]} << 8 | b[off + 2];
}
inline uint32_t ReadBe32(ByteSpan b, size_t off) {
  assert(off + 4 <= b.size());
  return uint32_t{b[off]} << 24 | uint32_t{b[off + 1]} << 16 | uint32_t{b[off + 2]} << 8 |
         b[off + 3];
}
inline uint64_t ReadBe48(ByteSpan b, size_t off) {
  return uint64_t{ReadBe16(b, off)} << 32 | ReadBe32(b, off + 2);
}
inline uint64_t ReadBe56(ByteSpan b, size_t off) {
  return uint64_t{ReadBe24(b, off)} << 32 | ReadBe32(b, off + 3);
}
inline uint64_t ReadBe64(ByteSpan b, size_t off) {
  return uint64_t{ReadBe32(b, off)} << 32 | ReadBe32(b, off + 4);
}

inline void WriteBe16(MutableByteSpan b, size_t off, uint16_t v) {
  assert(off + 2 <= b.size());
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}
inline void WriteBe32(MutableByteSpan b, size_t off, uint32_t v) {
  assert(off + 4 <= b.size());
  for (int i = 3; i >= 0; --i, v >>= 8) b[off + i] = static_cast<uint8_t>(v);
}
inline void WriteBe64(MutableByteSpan b, size_t off, uint64_t v) {
  WriteBe32(b, off, static_cast<uint32_t>(v >> 32));
  WriteBe32(b, off + 4, static_cast<uint32_t>(v));
}

// Little-endian access, used only by the xbstream chunk header.
inline uint32_t ReadLe32(ByteSpan b, size_t off) {
  assert(off + 4 <= b.size());
  return uint32_t{b[off + 3]} << 24 | uint32_t{b[off + 2]} << 16 | uint32_t{b[off + 1]} << 8 |
         b[off];
}
inline uint64_t ReadLe64(ByteSpan b, size_t off) {
  return uint64_t{ReadLe32(b, off + 4)} << 32 | ReadLe32(b, off);
}
inline void WriteLe32(MutableByteSpan b, size_t off, uint32_t v) {
  assert(off + 4 <= b.size());
  for (int i = 0; i < 4; ++i, v >>= 8) b[off + i] = static_cast<uint8_t>(v);
}
inline void WriteLe64(MutableByteSpan b, size_t off, uint64_t v) {
  WriteLe32(b, off, static_cast<uint32_t>(v));
  WriteLe32(b, off + 4, static_cast<uint32_t>(v >> 32));
}

}  // namespace tidemark
