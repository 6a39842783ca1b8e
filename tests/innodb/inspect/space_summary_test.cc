// Tests of the per-tablespace summary: innochecksum -S semantics for free pages and undo
// states, verdict bookkeeping and changed-page counts.
#include "innodb/inspect/space_summary.h"

#include "gtest/gtest.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/index_page.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::innodb {
namespace {

using testing::TablespaceBuilder;

SpaceSummary Summarise(const std::vector<uint8_t>& img, uint32_t flags,
                       std::optional<uint64_t> since = std::nullopt) {
  SpaceContext ctx;
  ctx.flags = *DecodeSpaceFlags(flags);
  ctx.space_id = SpaceId(5);
  SpaceSummary s(ctx, since, /*list_changed=*/true);
  const uint32_t ps = ctx.flags.page_size.physical();
  for (uint32_t no = 0; no * ps < img.size(); ++no) {
    ByteSpan p = ByteSpan(img).subspan(no * ps, ps);
    s.AddPage(no, p, ValidatePage(p, ctx, no));
  }
  return s;
}

TEST(SpaceSummaryTest, CountsTypesAndIndexes) {
  auto img = TablespaceBuilder(0x15, 5, 10)
                 .Index(3, 50, 1, 2, 200)
                 .Index(4, 50, 0, 30, 1120, 100)
                 .Index(5, 51, 0, 7, 520)
                 .Build();
  SpaceSummary s = Summarise(img, 0x15);
  EXPECT_EQ(s.pages(), 10u);
  EXPECT_EQ(s.page_types().at("INDEX"), 3u);
  EXPECT_EQ(s.page_types().at("TYPE_ALLOCATED"), 4u);
  EXPECT_EQ(s.verdicts()[static_cast<int>(PageVerdict::kAllZero)], 4u);
  const IndexStats& a = s.indexes().at(50);
  EXPECT_EQ(a.pages, 2u);
  EXPECT_EQ(a.leaf_pages, 1u);
  EXPECT_EQ(a.records, 32u);
  EXPECT_EQ(a.data_bytes, (200u - 120) + (1120u - 120 - 100));
  EXPECT_TRUE(s.corrupt_pages().empty());
}

TEST(SpaceSummaryTest, FreePagesLeaveIndexFiguresAndCorruptList) {
  auto img = TablespaceBuilder(0x15, 5, 8).Index(3, 50, 0, 5, 300).Index(4, 50, 0, 5, 300)
                 .MarkFree(4).Build();
  img[4 * 16384 + 500] ^= 1;
  img[3 * 16384 + 500] ^= 1;
  SpaceSummary s = Summarise(img, 0x15);
  EXPECT_EQ(s.corrupt_pages(), std::vector<uint32_t>{3});
  EXPECT_EQ(s.corrupt_free_pages(), std::vector<uint32_t>{4});
  EXPECT_EQ(s.page_types().at("INDEX"), 2u);
}

TEST(SpaceSummaryTest, FreeIndexPageCountsAsFreePage) {
  auto img = TablespaceBuilder(0x15, 5, 8).Index(3, 50, 0, 5, 300).Index(4, 50, 0, 5, 300)
                 .MarkFree(4).Build();
  const IndexStats& a = Summarise(img, 0x15).indexes().at(50);
  EXPECT_EQ(a.pages, 1u);
  EXPECT_EQ(a.free_pages, 1u);
  EXPECT_EQ(a.records, 5u);
}

TEST(SpaceSummaryTest, UndoStatesAsInnochecksum) {
  auto img = TablespaceBuilder(0x15, 5, 8).Undo(3, kUndoActive).Undo(4, kUndoToPurge)
                 .Undo(5, 777).Build();
  const UndoStats& u = Summarise(img, 0x15).undo();
  EXPECT_EQ(u.pages, 3u);
  EXPECT_EQ(u.active, 1u);
  EXPECT_EQ(u.to_purge, 1u);
  EXPECT_EQ(u.other, 1u);
}

TEST(SpaceSummaryTest, LsnRangeAndChangedPages) {
  auto img = TablespaceBuilder(0x15, 5, 6).Typed(3, 10).Lsn(3, 9000).Lsn(1, 50).Build();
  SpaceSummary s = Summarise(img, 0x15, /*since=*/0x1000);
  EXPECT_EQ(*s.lsn_min(), 50u);
  EXPECT_EQ(*s.lsn_max(), 9000u);
  EXPECT_EQ(s.changed_pages(), 2u);  // page 2 (0x1002) and page 3 (9000)
  EXPECT_EQ(s.changed_list(), (std::vector<uint32_t>{2, 3}));
}

}  // namespace
}  // namespace tidemark::innodb
