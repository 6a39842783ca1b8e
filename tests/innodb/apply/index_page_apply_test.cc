// The index-page appliers on synthetic pages: page creation in both formats at 4, 16 and
// 64 KiB, insert/delete sequences that split and balance directory slots and reuse freed
// space (checked record by record against a structural validator), and corrupt inputs that
// must be refused with the page left as it was. The byte-exact comparison with the server
// is index_page_oracle_test.cc.
#include "innodb/apply/index_page_apply.h"

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/innodb/apply/index_page_test_util.h"
#include "tests/support/status_macros.h"

namespace tidemark::innodb {
namespace {

using testing::InsertInfo;
using testing::Row;
using testing::TestPage;

Row R(uint32_t key, size_t len = 10) {
  return Row{key, std::string(len, static_cast<char>('a' + key % 26))};
}

// ---- INIT_ROW_FORMAT ----

class InitRowFormatTest : public ::testing::TestWithParam<size_t> {};

TEST_P(InitRowFormatTest, RedundantPageImage) {
  std::vector<uint8_t> page(GetParam(), 0xEE);
  ApplyInitRowFormat(page, false);
  EXPECT_EQ(ReadBe16(page, kFilPageType), kPageTypeIndex);
  EXPECT_EQ(PageField(page, kPageNDirSlots), 2);
  EXPECT_EQ(PageField(page, kPageHeapTop), 125);
  EXPECT_EQ(PageField(page, kPageNHeap), 2);
  EXPECT_EQ(page[kPageHeader + kPageDirectionB], kPageNoDirection);
  for (size_t f : {kPageFree, kPageGarbage, kPageLastInsert, kPageNDirection, kPageNRecs}) {
    EXPECT_EQ(PageField(page, f), 0) << f;
  }
  const std::vector<uint8_t> infimum = {0x08, 0x01, 0x00, 0x00, 0x03, 0x00, 0x74, 'i', 'n'};
  EXPECT_TRUE(std::equal(infimum.begin(), infimum.end(), page.begin() + 94));
  EXPECT_EQ(ReadBe16(page, 116 - 2), 0);  // supremum: end of the list
  EXPECT_EQ(ReadBe16(page, GetParam() - 10), 101);
  EXPECT_EQ(ReadBe16(page, GetParam() - 12), 116);
  EXPECT_EQ(std::count(page.begin() + 125, page.end() - 12, 0), GetParam() - 12 - 125);
  EXPECT_EQ(page[64], 0xEE);  // PAGE_LEVEL onwards is left to later WRITE records
  EXPECT_EQ(page[93], 0xEE);
  EXPECT_EQ(page[GetParam() - 1], 0xEE);  // the trailer too
}

TEST_P(InitRowFormatTest, CompactPageImage) {
  std::vector<uint8_t> page(GetParam(), 0xEE);
  ApplyInitRowFormat(page, true);
  EXPECT_EQ(PageField(page, kPageHeapTop), 120);
  EXPECT_EQ(PageField(page, kPageNHeap), 0x8002);
  const std::vector<uint8_t> image = {0x01, 0x00, 0x02, 0x00, 0x0d, 'i', 'n', 'f', 'i', 'm',
                                      'u', 'm', 0, 0x01, 0x00, 0x0b, 0x00, 0x00, 's', 'u',
                                      'p', 'r', 'e', 'm', 'u', 'm'};
  EXPECT_TRUE(std::equal(image.begin(), image.end(), page.begin() + 94));
  EXPECT_EQ(ReadBe16(page, GetParam() - 10), 99);
  EXPECT_EQ(ReadBe16(page, GetParam() - 12), 112);
  EXPECT_EQ(std::count(page.begin() + 120, page.end() - 12, 0), GetParam() - 12 - 120);
  EXPECT_EQ(page[64], 0xEE);
  EXPECT_EQ(page[GetParam() - 8], 0xEE);
}

INSTANTIATE_TEST_SUITE_P(Sizes, InitRowFormatTest, ::testing::Values(4096, 16384, 65536));

// ---- insert and delete sequences, both formats, three page sizes ----

class IndexPageSequenceTest : public ::testing::TestWithParam<std::tuple<bool, size_t>> {
 protected:
  bool comp() const { return std::get<0>(GetParam()); }
  size_t size() const { return std::get<1>(GetParam()); }
};

TEST_P(IndexPageSequenceTest, AscendingInsertsSplitSlotsAndGoRight) {
  TestPage page(size(), comp());
  for (uint32_t k = 1; k <= 60; ++k) {
    TM_ASSERT_OK(page.Insert(R(k)));
    ASSERT_EQ(page.Validate(), "") << "after key " << k;
  }
  EXPECT_EQ(page.field(kPageNRecs), 60);
  EXPECT_GE(page.field(kPageNDirSlots), 60 / 8 + 1);
  EXPECT_EQ(page.frame()[kPageHeader + kPageDirectionB], kPageRight);
  EXPECT_EQ(page.field(kPageNDirection), 59);
  EXPECT_EQ(page.field(kPageLastInsert), page.Records().back());
}

TEST_P(IndexPageSequenceTest, DescendingInsertsGoLeft) {
  TestPage page(size(), comp());
  for (uint32_t k = 40; k >= 1; --k) TM_ASSERT_OK(page.Insert(R(k)));
  ASSERT_EQ(page.Validate(), "");
  EXPECT_EQ(page.frame()[kPageHeader + kPageDirectionB], kPageLeft);
  EXPECT_EQ(page.field(kPageNDirection), 39);
}

TEST_P(IndexPageSequenceTest, RandomInsertsAndDeletesStayConsistent) {
  TestPage page(size(), comp());
  std::mt19937 rng(42);
  std::set<uint32_t> keys;
  int reuses = 0, merges = 0, shrinks = 0;
  for (int step = 0; step < 1500; ++step) {
    const uint16_t slots = page.field(kPageNDirSlots), top = page.field(kPageHeapTop);
    // Inserts while the heap has room (the server would reorganize a fragmented page).
    const bool room = size_t{top} + 100 < DirSlot(size(), slots);
    if (room && (keys.size() < 20 || (rng() % 5 < 3 && keys.size() < 150))) {
      const uint32_t k = rng() % 400;
      if (!keys.insert(k).second) continue;
      Row row = R(k, rng() % 40);
      row.compact_header = 1 + rng() % 3;
      InsertInfo info;
      TM_ASSERT_OK(page.Insert(row, &info));
      reuses += info.reuse;
    } else {
      auto it = keys.begin();
      std::advance(it, rng() % keys.size());
      TM_ASSERT_OK(page.Delete(*it));
      keys.erase(it);
      merges += page.field(kPageNDirSlots) < slots;
      shrinks += page.field(kPageHeapTop) < top;
    }
    ASSERT_EQ(page.Validate(), "") << "step " << step;
    ASSERT_EQ(page.Keys(), std::vector<uint32_t>(keys.begin(), keys.end())) << "step " << step;
  }
  EXPECT_GT(reuses, 50);
  EXPECT_GT(merges, 5);
  EXPECT_GT(shrinks, 1);
}

INSTANTIATE_TEST_SUITE_P(FormatsAndSizes, IndexPageSequenceTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(4096, 16384, 65536)));

// ---- single effects ----

class IndexPageFormatTest : public ::testing::TestWithParam<bool> {};

TEST_P(IndexPageFormatTest, DeletingTheTopRecordShrinksTheHeap) {
  TestPage page(16384, GetParam());
  TM_ASSERT_OK(page.Insert(R(1)));
  const uint16_t top = page.field(kPageHeapTop), n_heap = page.field(kPageNHeap);
  InsertInfo info;
  TM_ASSERT_OK(page.Insert(R(2), &info));
  TM_ASSERT_OK(page.Delete(2));
  EXPECT_EQ(page.field(kPageHeapTop), top);
  EXPECT_EQ(page.field(kPageNHeap), n_heap);
  EXPECT_EQ(page.field(kPageFree), 0);
  EXPECT_EQ(page.field(kPageLastInsert), 0);
  EXPECT_TRUE(std::all_of(page.bytes().begin() + top, page.bytes().begin() + info.origin + 14,
                          [](uint8_t b) { return b == 0; }));
}

TEST_P(IndexPageFormatTest, DeletedRecordsGoOnTheFreeListAndAreReused) {
  TestPage page(16384, GetParam());
  std::vector<InsertInfo> at(4);
  for (uint32_t k = 0; k < 4; ++k) TM_ASSERT_OK(page.Insert(R(k), &at[k]));
  TM_ASSERT_OK(page.Delete(1));
  TM_ASSERT_OK(page.Delete(2));
  EXPECT_EQ(page.field(kPageFree), at[2].origin);
  EXPECT_EQ(page.Next(at[2].origin), at[1].origin);  // absolute or relative link
  EXPECT_EQ(RecNextField(page.frame(), at[1].origin), 0);
  EXPECT_EQ(page.frame()[at[2].origin], 0);  // the data is zeroed
  const uint16_t garbage = page.field(kPageGarbage);
  EXPECT_GT(garbage, 0);
  InsertInfo again;
  TM_ASSERT_OK(page.Insert(R(2), &again));
  EXPECT_TRUE(again.reuse);
  EXPECT_EQ(again.origin, at[2].origin);
  EXPECT_EQ(page.field(kPageFree), at[1].origin);
  EXPECT_EQ(page.field(kPageGarbage), garbage / 2);
  EXPECT_EQ(page.Validate(), "");
}

TEST_P(IndexPageFormatTest, InfoBitsAreStored) {
  TestPage page(4096, GetParam());
  Row row = R(5);
  row.info_bits = 0x30;
  InsertInfo info;
  TM_ASSERT_OK(page.Insert(row, &info));
  EXPECT_EQ(page.frame()[info.origin - (GetParam() ? 5 : 6)] >> 4, 3);
}

INSTANTIATE_TEST_SUITE_P(Formats, IndexPageFormatTest, ::testing::Bool());

TEST(IndexPageApplyTest, CompactReuseShiftsTheRecordStart) {
  TestPage page(16384, true);
  Row big = R(2);
  big.compact_header = 3;
  InsertInfo freed, reused;
  TM_ASSERT_OK(page.Insert(R(1)));
  TM_ASSERT_OK(page.Insert(big, &freed));
  TM_ASSERT_OK(page.Insert(R(3)));
  TM_ASSERT_OK(page.Delete(2));
  TM_ASSERT_OK(page.Insert(R(2), &reused));  // 1 header byte instead of 3: shift -2
  EXPECT_TRUE(reused.reuse);
  EXPECT_EQ(reused.origin, freed.origin - 2);
  EXPECT_EQ(page.Validate(), "");
}

TEST(IndexPageApplyTest, CommonBytesComeFromThePredecessor) {
  for (bool comp : {false, true}) {
    TestPage page(4096, comp);
    TM_ASSERT_OK(page.Insert(Row{0x01020304, "shared-prefix-1"}));
    InsertInfo info;
    TM_ASSERT_OK(page.Insert(Row{0x01020305, "shared-prefix-2"}, &info));
    EXPECT_EQ(std::string(page.bytes().begin() + info.origin + 4,
                          page.bytes().begin() + info.origin + 19), "shared-prefix-2");
    EXPECT_EQ(page.Validate(), "");
  }
}

TEST(IndexPageApplyTest, NonLeafCompactRecordsAreNodePointers) {
  TestPage page(4096, true, /*level=*/1);
  InsertInfo info;
  TM_ASSERT_OK(page.Insert(R(1), &info));
  EXPECT_EQ(page.frame()[info.origin - 3] & 7, kRecStatusNodePtr);
  TestPage leaf(4096, true);
  TM_ASSERT_OK(leaf.Insert(R(1), &info));
  EXPECT_EQ(leaf.frame()[info.origin - 3] & 7, 0);
}

TEST(IndexPageApplyTest, InstantRecordOnLeafKeepsItsStatus) {
  TestPage page(4096, true);
  const std::vector<uint8_t> literal = {9, 0, 0, 0, 1, 'x'};  // 1 header byte, 5 data bytes
  TM_ASSERT_OK(ApplyInsertDynamic(page.frame(), false, 0, 0, 1 << 3 | kRecStatusInstant | 1,
                                  0, 0, literal));
  const size_t rec = page.Next(page.infimum());
  EXPECT_EQ(page.frame()[rec - 3] & 7, kRecStatusInstant);
  EXPECT_EQ(page.frame()[rec - 5], 0x10);  // min-rec flag, n_owned 0
}


// ---- corrupt input: refused, the page unchanged ----

// A page of 12 records (2 slots split into 3) in the given format.
TestPage Filled(bool comp, size_t size = 4096) {
  TestPage page(size, comp);
  for (uint32_t k = 1; k <= 12; ++k) EXPECT_TRUE(page.Insert(R(k * 10)).ok());
  return page;
}

// Runs `apply` on `page` and expects DataLoss with `message` and no byte changed.
template <typename F>
void ExpectRefused(TestPage& page, F apply, const std::string& message) {
  const std::vector<uint8_t> before = page.bytes();
  const absl::Status s = apply(page.frame());
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_EQ(std::string(s.message()), message);
  EXPECT_TRUE(page.bytes() == before) << "the page was modified";
}

const std::vector<uint8_t> kLiteral = {14, 4, 0, 0, 0, 99, 'x', 'x', 'x', 'x', 'x',
                                       'x', 'x', 'x', 'x', 'x'};  // REDUNDANT key 99
constexpr uint32_t kEncHdr = 1 << 3 | 1 << 2;                    // 2 fields, short

absl::Status InsertRed(MutableByteSpan f, uint32_t prev, bool reuse = false) {
  return ApplyInsertRedundant(f, reuse, prev, kEncHdr, 0, 0, kLiteral);
}

TEST(IndexPageCorruptTest, NotAnIndexPage) {
  TestPage page = Filled(false);
  WriteBe16(page.frame(), kFilPageType, kPageTypeUndoLog);
  ExpectRefused(page, [](auto f) { return InsertRed(f, 0); },
                "FIL_PAGE_TYPE 2 is not an index page");
  ExpectRefused(page, [](auto f) { return ApplyDeleteRedundant(f, 0); },
                "FIL_PAGE_TYPE 2 is not an index page");
}

TEST(IndexPageCorruptTest, CompactFlagOnRedundantInsert) {
  TestPage page = Filled(true);
  ExpectRefused(page, [](auto f) { return InsertRed(f, 0); },
                "PAGE_N_HEAP 0x800e invalid for a ROW_FORMAT=REDUNDANT page with 4 slots");
  ExpectRefused(page, [](auto f) { return ApplyDeleteRedundant(f, 0); },
                "ROW_FORMAT=COMPACT page");
}

TEST(IndexPageCorruptTest, HeapSmallerThanDirectory) {
  TestPage page = Filled(false);
  SetPageField(page.frame(), kPageNDirSlots, 20);
  ExpectRefused(page, [](auto f) { return InsertRed(f, 0); },
                "PAGE_N_HEAP 0xe invalid for a ROW_FORMAT=REDUNDANT page with 20 slots");
}

TEST(IndexPageCorruptTest, SupremumWithSuccessor) {
  TestPage page = Filled(true);
  WriteBe16(page.frame(), kPageNewSupremum - 2, 5);
  ExpectRefused(page, [](auto f) { return ApplyDeleteDynamic(f, 0, 1, 14); },
                "the supremum has a successor");
}

TEST(IndexPageCorruptTest, HeapTopAboveDirectory) {
  TestPage page = Filled(false);
  SetPageField(page.frame(), kPageHeapTop, 4090);
  ExpectRefused(page, [](auto f) { return InsertRed(f, 0); },
                "PAGE_HEAP_TOP 0xffa outside [0x7d, 0xff0]");
}

TEST(IndexPageCorruptTest, PredecessorOutsideTheHeap) {
  TestPage page = Filled(false);
  const uint32_t beyond = page.field(kPageHeapTop) + 10 - kPageOldInfimum;
  ExpectRefused(page, [&](auto f) { return InsertRed(f, beyond); },
                absl::StrFormat("predecessor 0x%x outside the heap", beyond + kPageOldInfimum));
  TestPage comp = Filled(true);
  ExpectRefused(comp, [](auto f) { return ApplyDeleteDynamic(f, 4000, 1, 14); },
                "predecessor 0x1003 outside the page");
}

TEST(IndexPageCorruptTest, OwnerOwnsTooMany) {
  TestPage page = Filled(false);
  SetRecNOwned(page.frame(), page.supremum(), 9, false);
  ExpectRefused(page, [&](auto f) { return InsertRed(f, page.Records().back() - 101); },
                "owner record 0x74 owns 9 records");
}

TEST(IndexPageCorruptTest, NoOwnerOnTheList) {
  TestPage page = Filled(true);
  for (size_t r : page.Records()) SetRecNOwned(page.frame(), r, 0, true);
  SetRecNOwned(page.frame(), page.supremum(), 0, true);
  ExpectRefused(page, [](auto f) { return ApplyDeleteDynamic(f, 0, 1, 14); },
                "record 0x70 has next field 0x0");  // the supremum's
}

TEST(IndexPageCorruptTest, OwnerWithoutSlot) {
  TestPage page = Filled(false);
  const size_t owner = ReadBe16(page.frame(), DirSlot(4096, 1));
  WriteBe16(page.frame(), DirSlot(4096, 1), static_cast<uint16_t>(owner - 1));
  ExpectRefused(page, [](auto f) { return InsertRed(f, 0); },
                absl::StrFormat("no directory slot points to owner record 0x%x", owner));
}

TEST(IndexPageCorruptTest, LiteralBytesDoNotMatchTheHeader) {
  TestPage page = Filled(false);
  std::vector<uint8_t> short_literal(kLiteral.begin(), kLiteral.end() - 1);
  ExpectRefused(page, [&](auto f) {
    return ApplyInsertRedundant(f, false, 0, kEncHdr, 0, 0, short_literal);
  }, "record needs 16 literal bytes, got 15");
}

TEST(IndexPageCorruptTest, ReuseWithoutFreeRecord) {
  TestPage page = Filled(false);
  ExpectRefused(page, [](auto f) { return InsertRed(f, 0, true); },
                "PAGE_FREE 0x0 outside the heap");
  TestPage comp = Filled(true);
  ExpectRefused(comp, [](auto f) {
    const std::vector<uint8_t> lit = {1, 0, 0, 0, 5, 'y'};
    return ApplyInsertDynamic(f, true, 0, 0, 1 << 3, 0, 0, lit);
  }, "PAGE_FREE 0x0 outside the heap");
}

TEST(IndexPageCorruptTest, ReusedRecordTooSmall) {
  TestPage page = Filled(false);
  TM_ASSERT_OK(page.Delete(50));
  std::vector<uint8_t> big(kLiteral);
  big[0] = 40;
  big.resize(42, 'z');
  ExpectRefused(page, [&](auto f) {
    return ApplyInsertRedundant(f, true, 0, kEncHdr, 0, 0, big);
  }, "record of 48 bytes does not fit the free record of 22");
}

TEST(IndexPageCorruptTest, DeleteOnEmptyPage) {
  TestPage page(4096, true);
  WriteBe32(page.frame(), kFilPageOffset, testing::kTestPageNo);
  ExpectRefused(page, [](auto f) { return ApplyDeleteDynamic(f, 0, 1, 14); },
                "PAGE_N_RECS is 0");
}

TEST(IndexPageCorruptTest, DeletingTheSupremum) {
  TestPage page = Filled(false);
  const uint32_t last = static_cast<uint32_t>(page.Records().back() - kPageOldInfimum);
  ExpectRefused(page, [&](auto f) { return ApplyDeleteRedundant(f, last); },
                "deleted record 0x74 outside the page");
}

TEST(IndexPageCorruptTest, DeletedRecordLargerThanThePage) {
  TestPage page = Filled(true);
  ExpectRefused(page, [](auto f) { return ApplyDeleteDynamic(f, 0, 1, 5000); },
                "deleted record 0x7e (6+5000 bytes) outside the page");
}

TEST(IndexPageCorruptTest, FailedSlotSplitRestoresThePage) {
  TestPage page = Filled(true);  // slots: infimum, 4 records, supremum owning 9 - 4 + ...
  while (RecNOwned(page.frame(), page.supremum(), true) < 8) {
    TM_ASSERT_OK(page.Insert(R(1000 + page.field(kPageNRecs))));
  }
  const size_t prev_slot = DirSlot(4096, page.field(kPageNDirSlots) - 2);
  WriteBe16(page.frame(), prev_slot, 0xFF0);  // the split walk starts above the heap
  ExpectRefused(page, [&](auto f) {
    const std::vector<uint8_t> lit = {1, 0, 0, 0x7F, 0xFF, 'y'};
    return ApplyInsertDynamic(f, false, static_cast<uint32_t>(page.Records().back() - 99), 0,
                              1 << 3, 0, 0, lit);
  }, absl::StrFormat("splitting directory slot at 0x%x: record list leaves the heap",
                     DirSlot(4096, page.field(kPageNDirSlots) - 1)));
}

}  // namespace
}  // namespace tidemark::innodb
