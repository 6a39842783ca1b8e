// Tests of page-0 decoding: FSP header, extent-descriptor free bits and crypt data.
#include "innodb/fsp/fsp_header.h"

#include "gtest/gtest.h"
#include "innodb/page/fil_page.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::innodb {
namespace {

using testing::TablespaceBuilder;

TEST(FspHeaderTest, ExtentGeometry) {
  EXPECT_EQ(ExtentPages(4096), 256u);
  EXPECT_EQ(ExtentPages(8192), 128u);
  EXPECT_EQ(ExtentPages(16384), 64u);
  EXPECT_EQ(ExtentPages(65536), 64u);
  EXPECT_EQ(XdesEntrySize(16384), 40u);
  EXPECT_EQ(XdesEntrySize(4096), 88u);
}

TEST(FspHeaderTest, ParsesBuiltPage0) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 7, 8).Build();
  auto h = ParseFspHeader(ByteSpan(img).subspan(0, 16384));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->space_id, SpaceId(7));
  EXPECT_EQ(h->size, 8u);
  EXPECT_EQ(h->flags.raw, 0x15u);
  EXPECT_FALSE(h->crypt.has_value());
}

TEST(FspHeaderTest, RejectsPageThatIsNotPage0) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 7, 8).Build();
  WriteBe32(img, kFilPageArchLogNoOrSpaceId, 8);
  EXPECT_EQ(ParseFspHeader(ByteSpan(img).subspan(0, 16384)).status(),
            absl::DataLossError("page 0 is not an FSP header page (page number 0, type 8, "
                                "space id 8 and 7)"));
}

TEST(FspHeaderTest, ReadsMariaDbCryptDataAt10428) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 7, 8).Encrypted(5).Build();
  EXPECT_EQ(img[10428], 0x73);
  auto h = ParseFspHeader(ByteSpan(img).subspan(0, 16384));
  ASSERT_TRUE(h.ok() && h->crypt.has_value());
  EXPECT_TRUE(h->crypt->encrypted());
  EXPECT_EQ(h->crypt->key_id, 5u);
}

TEST(FspHeaderTest, FreeBitsPerPage) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 7, 130).MarkFree(5).MarkFree(70).Build();
  auto flags = DecodeSpaceFlags(0x15);
  ByteSpan page0 = ByteSpan(img).subspan(0, 16384);
  EXPECT_TRUE(XdesPageIsFree(page0, *flags, 5));
  EXPECT_TRUE(XdesPageIsFree(page0, *flags, 70));
  EXPECT_FALSE(XdesPageIsFree(page0, *flags, 4));
  EXPECT_FALSE(XdesPageIsFree(page0, *flags, 69));
}

}  // namespace
}  // namespace tidemark::innodb
