// Tests of the redo varint: the boundaries of each length, the byte images the server's
// encoder produces, round trips, truncation and the reserved encodings.
#include "innodb/redo/varint.h"

#include <vector>

#include "gtest/gtest.h"

namespace tidemark::innodb {
namespace {

std::vector<uint8_t> Encode(uint32_t v) {
  std::vector<uint8_t> out;
  AppendVarint(v, out);
  return out;
}

TEST(VarintTest, BoundariesUseTheDocumentedLengths) {
  const std::pair<uint32_t, size_t> cases[] = {
      {0, 1},       {127, 1},     {128, 2},       {16511, 2},     {16512, 3},
      {2113663, 3}, {2113664, 4}, {270549119, 4}, {270549120, 5}, {0xFFFFFFFE, 5}};
  for (const auto& [v, len] : cases) {
    EXPECT_EQ(EncodedVarintLength(v), len) << v;
    EXPECT_EQ(Encode(v).size(), len) << v;
  }
}

TEST(VarintTest, ByteImagesMatchTheServerEncoder) {
  EXPECT_EQ(Encode(0x7F), (std::vector<uint8_t>{0x7F}));
  EXPECT_EQ(Encode(0x80), (std::vector<uint8_t>{0x80, 0x00}));
  EXPECT_EQ(Encode(7970), (std::vector<uint8_t>{0x9E, 0xA2}));  // INNODB_FORMATS.md §3.9
  EXPECT_EQ(Encode(16511), (std::vector<uint8_t>{0xBF, 0xFF}));
  EXPECT_EQ(Encode(16512), (std::vector<uint8_t>{0xC0, 0x00, 0x00}));
  EXPECT_EQ(Encode(2113664), (std::vector<uint8_t>{0xE0, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(270549120), (std::vector<uint8_t>{0xF0, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(Encode(0xFFFFFFFE), (std::vector<uint8_t>{0xF0, 0xEF, 0xDF, 0xBF, 0x7E}));
}

TEST(VarintTest, RoundTripsAcrossTheRange) {
  for (uint64_t v = 0; v < 0xFFFFFFFF; v = v * 3 + 1) {
    const std::vector<uint8_t> enc = Encode(static_cast<uint32_t>(v));
    const std::optional<Varint> dec = DecodeVarint(enc);
    ASSERT_TRUE(dec.has_value()) << v;
    EXPECT_EQ(dec->value, v);
    EXPECT_EQ(dec->length, enc.size());
  }
}

TEST(VarintTest, DecodeIgnoresTrailingBytes) {
  const uint8_t in[] = {0x81, 0x02, 0xAA, 0xBB};
  const std::optional<Varint> v = DecodeVarint(in);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->value, 0x80u + 0x102u);
  EXPECT_EQ(v->length, 2);
}

TEST(VarintTest, TruncatedEncodingIsRejected) {
  const std::vector<uint8_t> enc = Encode(270549120);
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_FALSE(DecodeVarint(ByteSpan(enc).subspan(0, n)).has_value()) << n;
  }
}

TEST(VarintTest, ReservedPrefixesAreCorrupt) {
  for (int first = 0xF1; first <= 0xFF; ++first) {
    const uint8_t in[9] = {static_cast<uint8_t>(first)};
    EXPECT_FALSE(DecodeVarint(in).has_value()) << first;
  }
}

TEST(VarintTest, FiveByteOverflowAndErrorValueAreCorrupt) {
  const uint8_t error_value[] = {0xF0, 0xEF, 0xDF, 0xBF, 0x7F};  // would be 0xFFFFFFFF
  const uint8_t overflow[] = {0xF0, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_FALSE(DecodeVarint(error_value).has_value());
  EXPECT_FALSE(DecodeVarint(overflow).has_value());
}

TEST(VarintTest, LengthFromFirstByteCountsLeadingOnes) {
  EXPECT_EQ(VarintLengthFromFirstByte(0x00), 1u);
  EXPECT_EQ(VarintLengthFromFirstByte(0xBF), 2u);
  EXPECT_EQ(VarintLengthFromFirstByte(0xC0), 3u);
  EXPECT_EQ(VarintLengthFromFirstByte(0xE5), 4u);
  EXPECT_EQ(VarintLengthFromFirstByte(0xF0), 5u);
  EXPECT_EQ(VarintLengthFromFirstByte(0xF8), 6u);
  EXPECT_EQ(VarintLengthFromFirstByte(0xFF), 9u);
}

}  // namespace
}  // namespace tidemark::innodb
