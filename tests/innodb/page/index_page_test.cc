// Tests of index and undo page header decoding.
#include "innodb/page/index_page.h"

#include "gtest/gtest.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::innodb {
namespace {

using testing::TablespaceBuilder;

TEST(IndexPageTest, ParsesHeaderAndDataBytes) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 3, 4).Index(3, 77, 0, 12, 1120, 100).Build();
  const IndexPageHeader h = IndexPageHeader::Parse(ByteSpan(img).subspan(3 * 16384, 16384));
  EXPECT_EQ(h.index_id, 77u);
  EXPECT_TRUE(h.is_leaf());
  EXPECT_TRUE(h.compact);
  EXPECT_EQ(h.n_recs, 12);
  EXPECT_EQ(h.n_heap, 14);
  EXPECT_EQ(h.DataBytes(), 1120u - 120 - 100);
}

TEST(IndexPageTest, RedundantSupremumEndsLater) {
  std::vector<uint8_t> img =
      TablespaceBuilder(0x15, 3, 4).Index(3, 1, 1, 5, 525, 0, /*compact=*/false).Build();
  const IndexPageHeader h = IndexPageHeader::Parse(ByteSpan(img).subspan(3 * 16384, 16384));
  EXPECT_FALSE(h.compact);
  EXPECT_FALSE(h.is_leaf());
  EXPECT_EQ(h.DataBytes(), 400u);
}

TEST(IndexPageTest, InconsistentHeaderGivesZeroBytes) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 3, 4).Index(3, 1, 0, 0, 100, 50).Build();
  EXPECT_EQ(IndexPageHeader::Parse(ByteSpan(img).subspan(3 * 16384, 16384)).DataBytes(), 0u);
}

TEST(IndexPageTest, UndoSegmentState) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 3, 4).Undo(3, kUndoCached).Build();
  EXPECT_EQ(UndoPageHeader::Parse(ByteSpan(img).subspan(3 * 16384, 16384)).segment_state,
            kUndoCached);
}

}  // namespace
}  // namespace tidemark::innodb
