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

// The folded path (64 bytes and more, on CPUs with PCLMULQDQ) against the tables, on long
// random runs, every tail length and a nonzero starting CRC; and the tables alone against the
// definition.
TEST(Crc32Test, FoldedPathMatchesTheTables) {
  std::mt19937 rng(11);
  std::vector<uint8_t> buf(70000);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t n : {size_t{64}, size_t{65}, size_t{79}, size_t{80}, size_t{127}, size_t{128},
                   size_t{1000}, size_t{4096}, size_t{65536}, size_t{69999}}) {
    for (size_t off : {size_t{0}, size_t{1}, size_t{7}}) {
      ByteSpan d(buf.data() + off, n);
      ASSERT_EQ(Crc32(d), crc32_internal::ExtendPortable(0, d)) << n << " at " << off;
      ASSERT_EQ(Crc32Extend(0x12345678, d), crc32_internal::ExtendPortable(0x12345678, d)) << n;
    }
  }
  ByteSpan small(buf.data(), 4096);
  EXPECT_EQ(crc32_internal::ExtendPortable(0, small), ReferenceCrc32(small));
  std::vector<uint8_t> zeros(1 << 16, 0);
  EXPECT_EQ(Crc32(ByteSpan(zeros.data(), zeros.size())),
            ReferenceCrc32(ByteSpan(zeros.data(), zeros.size())));
}

}  // namespace
}  // namespace tidemark
