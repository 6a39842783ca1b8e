// Tests of UNDO_INIT and UNDO_APPEND on 4 KiB frames: the exact bytes UNDO_INIT writes and
// keeps (INNODB_FORMATS.md §3.7, verified against a real server there), appends that chain
// through PAGE_FREE, and the two range checks of log_phys_t::undo_append.
#include "innodb/apply/undo_page_apply.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/page/fil_page.h"
#include "tests/support/status_macros.h"

namespace tidemark::innodb {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Patterned(size_t size) {
  Bytes page(size);
  for (size_t i = 0; i < size; ++i) page[i] = uint8_t(i * 13 + 1);
  return page;
}

TEST(UndoPageApplyTest, InitWritesTheHeaderKeepsTheSegmentHeaderAndClearsTheRest) {
  Bytes page = Patterned(4096);
  const Bytes before = page;
  ApplyUndoInit(page);
  Bytes want = before;
  WriteBe16(want, kFilPageType, kPageTypeUndoLog);
  const Bytes header = {0,    0, 0, 56,   0,    56,   0xFF, 0xFF, 0xFF,
                        0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0,    0};  // bytes 38..55
  std::copy(header.begin(), header.end(), want.begin() + 38);
  std::fill(want.begin() + 86, want.end() - 8, uint8_t{0});
  EXPECT_EQ(page, want);
}

TEST(UndoPageApplyTest, AppendsChainThroughPageFree) {
  Bytes page = Patterned(4096);
  ApplyUndoInit(page);
  TM_ASSERT_OK(ApplyUndoAppend(page, Bytes{1, 2, 3}));
  TM_ASSERT_OK(ApplyUndoAppend(page, Bytes{4, 5, 6, 7}));
  EXPECT_EQ(ReadBe16(page, 42), 56 + 7 + 8);
  const Bytes want = {0, 63, 1, 2, 3, 0, 56, 0, 71, 4, 5, 6, 7, 0, 63};
  EXPECT_EQ(Bytes(page.begin() + 56, page.begin() + 71), want);
}

TEST(UndoPageApplyTest, AppendBelowTheFirstFreeOffsetIsCorrupt) {
  Bytes page = Patterned(4096);
  ApplyUndoInit(page);
  WriteBe16(page, 42, 55);
  const Bytes before = page;
  const absl::Status s = ApplyUndoAppend(page, Bytes{1, 2, 3});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "undo page free offset 55 out of range for a record of 3 bytes");
  EXPECT_EQ(page, before);
}

TEST(UndoPageApplyTest, AppendReachingTheTrailerIsCorrupt) {
  Bytes page = Patterned(4096);
  ApplyUndoInit(page);
  // free + len + 6 must stay below size - 8: 4000 + 81 + 6 = 4087 is the last fit.
  WriteBe16(page, 42, 4000);
  TM_ASSERT_OK(ApplyUndoAppend(page, Bytes(81, 9)));
  WriteBe16(page, 42, 4000);
  const absl::Status s = ApplyUndoAppend(page, Bytes(82, 9));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "undo page free offset 4000 out of range for a record of 82 bytes");
}

}  // namespace
}  // namespace tidemark::innodb
