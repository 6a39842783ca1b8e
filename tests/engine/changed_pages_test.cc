// Tests of ChangedPages and its page-number set: membership across the array -> bitmap
// switch, unions of every representation pair, ascending iteration, contiguous append, flags,
// and the memory a 1%-of-1-TB set takes.
#include "engine/changed_pages.h"

#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark::engine {
namespace {

std::vector<uint32_t> Sorted(std::set<uint32_t> s) { return {s.begin(), s.end()}; }

TEST(PageNumberSetTest, InsertsOnceAndIteratesAscending) {
  PageNumberSet s;
  EXPECT_TRUE(s.Insert(70000));
  EXPECT_TRUE(s.Insert(3));
  EXPECT_FALSE(s.Insert(3));
  EXPECT_TRUE(s.Insert(0xFFFFFFFF));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.ToVector(), (std::vector<uint32_t>{3, 70000, 0xFFFFFFFF}));
  EXPECT_TRUE(s.Contains(70000));
  EXPECT_FALSE(s.Contains(70001));
  EXPECT_FALSE(s.Contains(4));
}

TEST(PageNumberSetTest, ADenseChunkBecomesABitmapAndKeepsEveryPage) {
  PageNumberSet s;
  std::set<uint32_t> want;
  for (uint32_t p = 65536; p < 65536 + 3 * PageNumberSet::kArrayMax; p += 2) {
    s.Insert(p);
    want.insert(p);
  }
  ASSERT_EQ(s.chunks().size(), 1u);
  EXPECT_TRUE(s.chunks()[0].is_bitmap());
  EXPECT_EQ(s.size(), want.size());
  EXPECT_EQ(s.ToVector(), Sorted(want));
  EXPECT_FALSE(s.Insert(65536));
  EXPECT_FALSE(s.Contains(65537));
  EXPECT_LE(s.memory_bytes(), 8192u + 256u);
}

TEST(PageNumberSetTest, UnionOfEveryRepresentationPair) {
  std::mt19937 rng(7);
  for (const auto& [na, nb] :
       {std::pair{100, 200}, {3000, 3000}, {5000, 100}, {100, 6000}, {9000, 9000}}) {
    PageNumberSet a, b;
    std::set<uint32_t> want;
    for (int i = 0; i < na; ++i) {
      const uint32_t p = rng() % 65536;
      a.Insert(p);
      want.insert(p);
    }
    for (int i = 0; i < nb; ++i) {
      const uint32_t p = (rng() % 65536) + (i % 2 ? 65536u * 3 : 0u);
      b.Insert(p);
      want.insert(p);
    }
    a.UnionWith(b);
    EXPECT_EQ(a.ToVector(), Sorted(want)) << na << " " << nb;
    EXPECT_EQ(a.size(), want.size());
  }
}

TEST(PageNumberSetTest, OnePercentOfATerabyteStaysSmall) {
  // 1 TB of 16 KiB pages in 100 tablespaces of 10 GiB; 1% of the pages, scattered.
  std::mt19937 rng(1);
  std::vector<PageNumberSet> spaces(100);
  uint64_t pages = 0;
  for (PageNumberSet& s : spaces) {
    for (int i = 0; i < 6554; ++i) pages += s.Insert(rng() % 655360) ? 1 : 0;
  }
  const auto bytes = [&] {
    size_t n = 0;
    for (const PageNumberSet& s : spaces) n += s.memory_bytes();
    return n;
  };
  EXPECT_GT(pages, 640000u);
  EXPECT_LT(bytes(), size_t{5} << 19) << bytes();  // arrays grow by doubling
  for (PageNumberSet& s : spaces) s.ShrinkToFit();
  EXPECT_LT(bytes(), size_t{3} << 19) << bytes();  // about 2 bytes a page
}

TEST(ChangedPagesTest, PagesAndFlags) {
  ChangedPages c(Lsn(100), Lsn(200));
  c.AddPage(SpaceId(5), PageNo(3));
  c.AddPage(SpaceId(5), PageNo(3));
  c.AddPage(SpaceId(0), PageNo(7));
  c.AddFlags(SpaceId(9), kSpaceCreated);
  c.AddFlags(SpaceId(9), kSpaceRenamed);
  c.AddFlags(SpaceId(11), 0);  // no flag: nothing recorded
  EXPECT_EQ(c.page_count(), 2u);
  EXPECT_TRUE(c.Contains(SpaceId(5), PageNo(3)));
  EXPECT_FALSE(c.Contains(SpaceId(5), PageNo(4)));
  EXPECT_FALSE(c.IsWhole(SpaceId(5)));
  EXPECT_EQ(c.flags(SpaceId(9)), kSpaceCreated | kSpaceRenamed);
  EXPECT_TRUE(c.Covers(SpaceId(9), PageNo(12345)));
  EXPECT_TRUE(c.pages(SpaceId(9)).empty());
  EXPECT_EQ(c.spaces(), (std::vector<SpaceId>{SpaceId(0), SpaceId(5), SpaceId(9)}));
}

TEST(ChangedPagesTest, AppendJoinsConsecutiveRanges) {
  ChangedPages a(Lsn(100), Lsn(200)), b(Lsn(200), Lsn(350));
  a.AddPage(SpaceId(1), PageNo(1));
  b.AddPage(SpaceId(1), PageNo(2));
  b.AddFlags(SpaceId(2), kSpaceDeleted);
  ASSERT_TRUE(a.Append(b).ok());
  EXPECT_EQ(a.from_lsn(), Lsn(100));
  EXPECT_EQ(a.to_lsn(), Lsn(350));
  EXPECT_EQ(a.pages(SpaceId(1)).ToVector(), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(a.flags(SpaceId(2)), kSpaceDeleted);
}

TEST(ChangedPagesTest, AppendRefusesAHole) {
  ChangedPages a(Lsn(100), Lsn(200)), b(Lsn(210), Lsn(300));
  EXPECT_EQ(a.Append(b), absl::FailedPreconditionError(
                             "page sets are not contiguous: [100, 200) is followed by [210, 300)"));
}

TEST(ChangedPagesTest, UnionWidensTheRange) {
  ChangedPages a(Lsn(100), Lsn(200)), b(Lsn(50), Lsn(150));
  b.AddPage(SpaceId(3), PageNo(9));
  a.UnionWith(b);
  EXPECT_EQ(a.from_lsn(), Lsn(50));
  EXPECT_EQ(a.to_lsn(), Lsn(200));
  EXPECT_TRUE(a.Contains(SpaceId(3), PageNo(9)));
  EXPECT_EQ(a.page_count(), 1u);
}

}  // namespace
}  // namespace tidemark::engine
