// Tests of the zlib-compatible CRC-32 (innodb/base/crc32.h): the published check value,
// zlib's results for short strings, extension, and a bit-at-a-time reference on all lengths
// 0..300 at every alignment.
#include "innodb/base/crc32.h"

#include <random>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

ByteSpan Bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// From the definition: no tables.
uint32_t ReferenceCrc32(ByteSpan data) {
  uint32_t c = ~0u;
  for (uint8_t b : data) {
    c ^= b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? 0xEDB88320u : 0);
  }
  return ~c;
}

TEST(Crc32Test, KnownValues) {
  EXPECT_EQ(Crc32(Bytes("")), 0u);
  EXPECT_EQ(Crc32(Bytes("123456789")), 0xCBF43926u);
  // python3 -c 'import zlib; print(hex(zlib.crc32(b"The quick brown fox jumps over the lazy dog")))'
  EXPECT_EQ(Crc32(Bytes("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
  EXPECT_EQ(Crc32(Bytes("a")), 0xE8B7BE43u);
}

TEST(Crc32Test, ExtendEqualsWhole) {
  const std::string_view s = "The quick brown fox jumps over the lazy dog";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(Crc32Extend(Crc32(Bytes(s.substr(0, cut))), Bytes(s.substr(cut))), Crc32(Bytes(s)));
  }
}

TEST(Crc32Test, MatchesReferenceOnAllLengthsAndAlignments) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(320);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t off = 0; off < 8; ++off) {
    for (size_t n = 0; n <= 300; ++n) {
      ByteSpan d(buf.data() + off, n);
      ASSERT_EQ(Crc32(d), ReferenceCrc32(d)) << "offset " << off << " length " << n;
    }
  }
}

}  // namespace
}  // namespace tidemark
