// The directory helpers of the index-page appliers: record header accessors, the checked
// successor, slot split and balance (merge and transfer), and record freeing.
#include "innodb/apply/page_dir.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/innodb/apply/index_page_test_util.h"
#include "tests/support/status_macros.h"

namespace tidemark::innodb {
namespace {

using testing::Row;
using testing::TestPage;

// A page with `n` records keyed 10, 20, ... in the given format.
TestPage PageWith(bool comp, uint32_t n) {
  TestPage page(4096, comp);
  for (uint32_t k = 1; k <= n; ++k) EXPECT_TRUE(page.Insert(Row{k * 10, "payload"}).ok());
  return page;
}

TEST(PageDirTest, OldRecordSizesFromTheOffsets) {
  TestPage page = PageWith(false, 1);
  const size_t rec = page.Records()[0];
  EXPECT_EQ(OldRecNFields(page.frame(), rec), 2u);
  EXPECT_TRUE(OldRecShortFlag(page.frame(), rec));
  EXPECT_EQ(OldRecDataSize(page.frame(), rec), 11u);  // 4-byte key + "payload"
  EXPECT_EQ(OldRecDataSize(page.frame(), kPageOldInfimum), 8u);
}

TEST(PageDirTest, CheckedSuccessorStaysInTheHeap) {
  for (bool comp : {false, true}) {
    TestPage page = PageWith(comp, 2);
    const std::vector<size_t> recs = page.Records();
    EXPECT_EQ(RecNextChecked(page.frame(), page.infimum(), comp), recs[0]);
    EXPECT_EQ(RecNextChecked(page.frame(), recs[1], comp), page.supremum());
    WriteBe16(page.frame(), recs[0] - kRecNext, 0xF00);
    EXPECT_EQ(RecNextChecked(page.frame(), recs[0], comp), 0u);
  }
}

TEST(PageDirTest, SplitMakesFourAndFive) {
  for (bool comp : {false, true}) {
    TestPage page = PageWith(comp, 8);  // the supremum owns 9 after the 8th insert: split
    ASSERT_EQ(page.field(kPageNDirSlots), 3);
    const size_t middle = ReadBe16(page.frame(), DirSlot(4096, 1));
    EXPECT_EQ(middle, page.Records()[3]);
    EXPECT_EQ(RecNOwned(page.frame(), middle, comp), 4);
    EXPECT_EQ(RecNOwned(page.frame(), page.supremum(), comp), 5);
    EXPECT_EQ(page.Validate(), "");
  }
}

TEST(PageDirTest, SplitRefusesAWalkOutOfTheHeap) {
  TestPage page = PageWith(true, 7);
  SetRecNOwned(page.frame(), page.supremum(), 9, true);
  WriteBe16(page.frame(), page.Records()[1] - kRecNext, 0);  // the list ends early
  const std::vector<uint8_t> before = page.bytes();
  const absl::Status s = SplitDirSlot(page.frame(), DirSlot(4096, 1), true);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(s.message()), "splitting directory slot at 0xff4: record list leaves the heap");
  EXPECT_TRUE(page.bytes() == before);
}

TEST(PageDirTest, BalanceMergesWithASmallNeighbour) {
  TestPage page = PageWith(false, 8);  // slots: infimum, 4 records, supremum + 4 records
  SetRecNOwned(page.frame(), ReadBe16(page.frame(), DirSlot(4096, 1)), 3, false);
  SetRecNOwned(page.frame(), page.supremum(), 4, false);
  const size_t old_owner = ReadBe16(page.frame(), DirSlot(4096, 1));
  BalanceDirSlot(page.frame(), 1, false);
  EXPECT_EQ(page.field(kPageNDirSlots), 2);
  EXPECT_EQ(RecNOwned(page.frame(), old_owner, false), 0);
  EXPECT_EQ(RecNOwned(page.frame(), page.supremum(), false), 7);
  EXPECT_EQ(ReadBe16(page.frame(), DirSlot(4096, 1)), kPageOldSupremum);
  EXPECT_EQ(ReadBe16(page.frame(), DirSlot(4096, 2)), 0);  // the freed slot is zeroed
}

TEST(PageDirTest, BalanceTakesARecordFromABigNeighbour) {
  TestPage page = PageWith(true, 8);
  const size_t owner = ReadBe16(page.frame(), DirSlot(4096, 1));
  SetRecNOwned(page.frame(), owner, 3, true);  // pretend one of its records went away
  BalanceDirSlot(page.frame(), 1, true);
  const size_t moved = page.Next(owner);
  EXPECT_EQ(page.field(kPageNDirSlots), 3);
  EXPECT_EQ(ReadBe16(page.frame(), DirSlot(4096, 1)), moved);
  EXPECT_EQ(RecNOwned(page.frame(), owner, true), 0);
  EXPECT_EQ(RecNOwned(page.frame(), moved, true), 4);
  EXPECT_EQ(RecNOwned(page.frame(), page.supremum(), true), 4);
}

TEST(PageDirTest, TheLastSlotIsNeverBalanced) {
  TestPage page = PageWith(true, 2);
  const std::vector<uint8_t> before = page.bytes();
  BalanceDirSlot(page.frame(), 1, true);
  EXPECT_TRUE(page.bytes() == before);
}

TEST(PageDirTest, FreeRecordLinksTheFreeList) {
  for (bool comp : {false, true}) {
    TestPage page = PageWith(comp, 3);
    const std::vector<size_t> recs = page.Records();
    const size_t extra = comp ? 6 : 8, data = 11;
    FreeRecord(page.frame(), recs[0], data, extra);
    FreeRecord(page.frame(), recs[1], data, extra);
    EXPECT_EQ(page.field(kPageFree), recs[1]);
    EXPECT_EQ(page.field(kPageGarbage), 2 * (extra + data));
    EXPECT_EQ(page.field(kPageNRecs), 1);
    const uint16_t link = RecNextField(page.frame(), recs[1]);
    EXPECT_EQ(link, comp ? static_cast<uint16_t>(recs[0] - recs[1]) : recs[0]);
    EXPECT_EQ(RecNextField(page.frame(), recs[0]), 0);
  }
}

TEST(PageDirTest, FreeingTheTopRecordGivesBackTheSlack) {
  TestPage page = PageWith(false, 2);
  const size_t top_rec = page.Records()[1];
  SetPageField(page.frame(), kPageGarbage, 5);
  SetPageField(page.frame(), kPageHeapTop, static_cast<uint16_t>(top_rec + 11 + 5));
  FreeRecord(page.frame(), top_rec, 11, 8);
  EXPECT_EQ(page.field(kPageHeapTop), top_rec - 8);
  EXPECT_EQ(page.field(kPageGarbage), 0);  // the 5 bytes of slack above the record
  EXPECT_EQ(page.field(kPageNHeap), 3);
}

}  // namespace
}  // namespace tidemark::innodb
