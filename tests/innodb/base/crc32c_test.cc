// Tests of CRC-32C (innodb/base/crc32c.h): published vectors (RFC 3720 B.4, the
// "123456789" check value), extension, and agreement of every implementation this CPU
// supports with the portable one on all lengths 0..4096 and random offsets.
#include "innodb/base/crc32c.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

ByteSpan Bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Bit-at-a-time reference, written from the definition (no tables, no hardware).
uint32_t ReferenceCrc32c(ByteSpan data) {
  uint32_t c = 0xFFFFFFFF;
  for (uint8_t b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78 : 0);
  }
  return ~c;
}

TEST(Crc32cTest, CheckValue) {
  EXPECT_EQ(Crc32c(Bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(Crc32c(ByteSpan()), 0u);
  EXPECT_EQ(Crc32c(Bytes("a")), 0xC1D04330u);
}

// RFC 3720 appendix B.4. The RFC prints the CRC in the order it goes on the wire
// (little-endian), e.g. "aa 36 91 8a" for 32 zero bytes, i.e. the value 0x8A9136AA.
TEST(Crc32cTest, Rfc3720Vectors) {
  std::vector<uint8_t> buf(32, 0x00);
  EXPECT_EQ(Crc32c(buf), 0x8A9136AAu);
  std::fill(buf.begin(), buf.end(), 0xFF);
  EXPECT_EQ(Crc32c(buf), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(Crc32c(buf), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(Crc32c(buf), 0x113FDB5Cu);
}

// RFC 3720 B.4, the 48-byte iSCSI SCSI Read (10) command PDU; CRC bytes "56 3a 96 d9".
TEST(Crc32cTest, Rfc3720IscsiReadPdu) {
  std::vector<uint8_t> pdu(48, 0x00);
  for (auto [pos, value] : {std::pair{0, 0x01},
                            {1, 0xC0},
                            {16, 0x14},
                            {22, 0x04},
                            {27, 0x14},
                            {31, 0x18},
                            {32, 0x28},
                            {40, 0x02}}) {
    pdu[pos] = static_cast<uint8_t>(value);
  }
  EXPECT_EQ(Crc32c(pdu), 0xD9963A56u);
}

TEST(Crc32cTest, MatchesBitwiseReference) {
  const auto data = RandomBytes(3000, 1);
  for (size_t n : {0, 1, 7, 8, 9, 63, 64, 255, 256, 257, 1000, 3000}) {
    EXPECT_EQ(Crc32c(ByteSpan(data).first(n)), ReferenceCrc32c(ByteSpan(data).first(n))) << n;
  }
}

TEST(Crc32cTest, ExtendEqualsConcatenation) {
  const auto data = RandomBytes(20000, 2);
  const ByteSpan all(data);
  const uint32_t whole = Crc32c(all);
  for (size_t cut : {0, 1, 5, 8, 100, 255, 256, 4096, 10001, 19999, 20000}) {
    EXPECT_EQ(Crc32cExtend(Crc32c(all.first(cut)), all.subspan(cut)), whole) << cut;
  }
  EXPECT_EQ(Crc32cExtend(0, all), whole);
}

TEST(Crc32cTest, OneBitFlipChangesCrc) {
  auto data = RandomBytes(16384, 3);
  const uint32_t before = Crc32c(data);
  for (size_t pos : {0, 1, 4095, 8192, 16383}) {
    data[pos] ^= 0x01;
    EXPECT_NE(Crc32c(data), before) << pos;
    data[pos] ^= 0x01;
  }
  EXPECT_EQ(Crc32c(data), before);
}

TEST(Crc32cTest, ImplementationNameIsTheLastSupportedVariant) {
  const auto variants = crc32c_internal::SupportedVariants();
  ASSERT_FALSE(variants.empty());
  EXPECT_EQ(variants.front().name, "portable_slicing8");
  EXPECT_EQ(Crc32cImplementation(), variants.back().name);
}

// Every length 0..4096 at every start offset 0..7 (so every alignment), and an extend
// from a non-trivial crc, for each implementation against the portable one.
TEST(Crc32cTest, AllImplementationsAgreeOnEveryLength) {
  const auto data = RandomBytes(4096 + 8, 4);
  const auto variants = crc32c_internal::SupportedVariants();
  const auto portable = variants.front();
  for (const auto& v : variants) {
    for (size_t off = 0; off < 8; ++off) {
      for (size_t n = 0; n + off <= 4096; ++n) {
        const ByteSpan s = ByteSpan(data).subspan(off, n);
        ASSERT_EQ(v.extend(0, s), portable.extend(0, s)) << v.name << " off " << off << " n " << n;
        ASSERT_EQ(v.extend(0x12345678, s), portable.extend(0x12345678, s)) << v.name << " " << n;
      }
    }
  }
}

TEST(Crc32cTest, AllImplementationsAgreeOnRandomLargeSpans) {
  const auto data = RandomBytes(3 * 65536 + 64, 5);
  const auto variants = crc32c_internal::SupportedVariants();
  std::mt19937 rng(6);
  for (int i = 0; i < 300; ++i) {
    const size_t off = rng() % 64, n = rng() % (3 * 65536);
    const ByteSpan s = ByteSpan(data).subspan(off, n);
    const uint32_t want = ReferenceCrc32c(s), seed = static_cast<uint32_t>(rng());
    for (const auto& v : variants) {
      ASSERT_EQ(v.extend(0, s), want) << v.name << " off " << off << " n " << n;
      ASSERT_EQ(v.extend(seed, s), variants.front().extend(seed, s)) << v.name;
    }
  }
}

// The byte-swapped-words variant equals the plain CRC of the same data with every 8-byte
// group reversed.
TEST(Crc32cTest, ByteSwappedWordsEqualsCrcOfReversedWords) {
  const auto data = RandomBytes(16384, 7);
  for (const auto& v : crc32c_internal::SupportedVariants()) {
    for (size_t n : {0, 8, 16, 64, 184, 192, 200, 1024, 8184, 16384}) {
      std::vector<uint8_t> reversed(data.begin(), data.begin() + n);
      for (size_t i = 0; i < n; i += 8) std::reverse(&reversed[i], &reversed[i] + 8);
      EXPECT_EQ(v.extend_byte_swapped_words(0x9ABCDEF0, ByteSpan(data).first(n)),
                Crc32cExtend(0x9ABCDEF0, reversed))
          << v.name << " n " << n;
    }
  }
}

TEST(Crc32cTest, ByteSwappedWordsDiffersFromPlainOnAsymmetricData) {
  const auto data = RandomBytes(64, 8);
  EXPECT_NE(Crc32cExtendByteSwappedWords(0, data), Crc32cExtend(0, data));
  const std::vector<uint8_t> zeros(64, 0);
  EXPECT_EQ(Crc32cExtendByteSwappedWords(0, zeros), Crc32c(zeros));
}

}  // namespace
}  // namespace tidemark
