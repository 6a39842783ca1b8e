// Byte helpers for I/O tests: deterministic file contents that differ at every offset, and
// spans over std::string and std::vector buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "innodb/base/endian.h"

namespace tidemark::testing {

// `n` bytes that repeat only every 251 * 4096 bytes, so a chunk read at the wrong offset or in
// the wrong order never compares equal. `seed` gives a different file.
inline std::string PatternBytes(size_t n, uint32_t seed = 0) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i + seed + i / 4096) % 251);
  return out;
}

inline MutableByteSpan AsMutableBytes(std::string& s) {
  return {reinterpret_cast<uint8_t*>(s.data()), s.size()};
}
inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsString(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace tidemark::testing
