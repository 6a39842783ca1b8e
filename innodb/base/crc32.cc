// zlib-compatible CRC-32 (see crc32.h), slicing-by-8 with tables built at compile time from
// the polynomial. Same scheme as the portable CRC-32C in crc32c.cc, another polynomial.
#include "innodb/base/crc32.h"

#include <array>
#include <bit>
#include <cstring>

namespace tidemark {
namespace {

constexpr uint32_t kPoly = 0xEDB88320;  // 0x04C11DB7 bit-reversed

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// kTables[k][b]: the CRC state (from 0) after byte b followed by k zero bytes.
constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}
constexpr Tables kTables = MakeTables();

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

}  // namespace

uint32_t Crc32Extend(uint32_t crc, ByteSpan data) {
  uint32_t s = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    const uint64_t w = LoadLe64(p) ^ s;
    s = kTables[7][w & 0xFF] ^ kTables[6][(w >> 8) & 0xFF] ^ kTables[5][(w >> 16) & 0xFF] ^
        kTables[4][(w >> 24) & 0xFF] ^ kTables[3][(w >> 32) & 0xFF] ^
        kTables[2][(w >> 40) & 0xFF] ^ kTables[1][(w >> 48) & 0xFF] ^ kTables[0][w >> 56];
  }
  for (; n > 0; ++p, --n) s = (s >> 8) ^ kTables[0][(s ^ *p) & 0xFF];
  return ~s;
}

uint32_t Crc32(ByteSpan data) { return Crc32Extend(0, data); }

}  // namespace tidemark
