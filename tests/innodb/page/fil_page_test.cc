// Tests of page-type naming and FIL header decoding.
#include "innodb/page/fil_page.h"

#include "gtest/gtest.h"

namespace tidemark::innodb {
namespace {

TEST(FilPageTest, NamesFollowTheServer) {
  EXPECT_EQ(PageTypeName(17855, Flavor::kMariaDb), "INDEX");
  EXPECT_EQ(PageTypeName(0, Flavor::kMariaDb), "TYPE_ALLOCATED");
  EXPECT_EQ(PageTypeName(8, Flavor::kMySql), "TYPE_FSP_HDR");
  EXPECT_EQ(PageTypeName(34354, Flavor::kMariaDb), "PAGE_COMPRESSED");
  EXPECT_EQ(PageTypeName(0x8006, Flavor::kMariaDb), "PAGE_COMPRESSED");
  EXPECT_EQ(PageTypeName(17853, Flavor::kMySql), "SDI");
  EXPECT_EQ(PageTypeName(24, Flavor::kMySql), "TYPE_LOB_FIRST");
  EXPECT_EQ(PageTypeName(999, Flavor::kMySql), "UNKNOWN_999");
}

TEST(FilPageTest, Value18DependsOnFlavor) {
  EXPECT_EQ(PageTypeName(18, Flavor::kMariaDb), "TYPE_INSTANT");
  EXPECT_EQ(PageTypeName(18, Flavor::kMySql), "SDI_BLOB");
  EXPECT_TRUE(IsIndexPageType(18, Flavor::kMariaDb));
  EXPECT_FALSE(IsIndexPageType(18, Flavor::kMySql));
  EXPECT_TRUE(IsIndexPageType(17853, Flavor::kMySql));
  EXPECT_TRUE(IsIndexPageType(17854, Flavor::kMariaDb));
}

TEST(FilPageTest, ParsesHeader) {
  std::vector<uint8_t> p(64, 0);
  WriteBe32(p, kFilPageOffset, 42);
  WriteBe32(p, kFilPagePrev, kFilNull);
  WriteBe64(p, kFilPageLsn, 0x123456789aull);
  WriteBe16(p, kFilPageType, 17855);
  WriteBe32(p, kFilPageArchLogNoOrSpaceId, 9);
  const FilHeader h = FilHeader::Parse(p);
  EXPECT_EQ(h.page_no, PageNo(42));
  EXPECT_EQ(h.prev, kFilNull);
  EXPECT_EQ(h.lsn, Lsn(0x123456789aull));
  EXPECT_EQ(h.type, 17855);
  EXPECT_EQ(h.space_id, SpaceId(9));
}

TEST(FilPageTest, AllZero) {
  std::vector<uint8_t> p(16384, 0);
  EXPECT_TRUE(IsAllZero(p));
  p[16383] = 1;
  EXPECT_FALSE(IsAllZero(p));
}

}  // namespace
}  // namespace tidemark::innodb
