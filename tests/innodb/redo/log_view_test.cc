// Tests of the two-span log view: positions, sub-views across the split, CRC and copies,
// and the mapping of an LSN range onto a circular file image.
#include "innodb/redo/log_view.h"

#include <numeric>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/base/crc32c.h"
#include "innodb/redo/log_file.h"

namespace tidemark::innodb {
namespace {

std::vector<uint8_t> Iota(size_t n, uint8_t first) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

TEST(RedoLogViewTest, IndexesAcrossBothSpans) {
  const std::vector<uint8_t> a = Iota(3, 10), b = Iota(4, 20);
  const LogView v(Lsn(100), a, b);
  EXPECT_EQ(v.size(), 7u);
  EXPECT_EQ(v.end_lsn(), Lsn(107));
  EXPECT_TRUE(v.is_split());
  EXPECT_EQ(v[0], 10);
  EXPECT_EQ(v[2], 12);
  EXPECT_EQ(v[3], 20);
  EXPECT_EQ(v[6], 23);
}

TEST(RedoLogViewTest, SubViewsKeepLsnsAndSplit) {
  const std::vector<uint8_t> a = Iota(3, 10), b = Iota(4, 20);
  const LogView v(Lsn(100), a, b);
  const LogView across = v.Sub(2, 3);
  EXPECT_EQ(across.start_lsn(), Lsn(102));
  EXPECT_TRUE(across.is_split());
  EXPECT_EQ(across[0], 12);
  EXPECT_EQ(across[2], 21);
  const LogView tail = v.Sub(4);
  EXPECT_EQ(tail.start_lsn(), Lsn(104));
  EXPECT_FALSE(tail.is_split());
  EXPECT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0], 21);
  EXPECT_TRUE(v.Sub(7).empty());
  EXPECT_FALSE(v.Sub(0, 3).is_split());
}

TEST(RedoLogViewTest, CopyCrcAndContiguous) {
  const std::vector<uint8_t> a = Iota(5, 1), b = Iota(6, 50);
  const LogView v(Lsn(1), a, b);
  std::vector<uint8_t> joined = a;
  joined.insert(joined.end(), b.begin(), b.end());
  EXPECT_EQ(v.Crc32cExtend(0), Crc32c(joined));
  std::vector<uint8_t> scratch;
  const ByteSpan c = v.Contiguous(scratch);
  EXPECT_EQ(std::vector<uint8_t>(c.begin(), c.end()), joined);
  const LogView whole(Lsn(1), a);
  EXPECT_EQ(whole.Contiguous(scratch).data(), a.data());  // no copy when not split
  EXPECT_EQ(LogView(Lsn(1), {}, b).Contiguous(scratch).data(), b.data());
}

TEST(RedoLogViewTest, OfFileSplitsAtTheEndOfTheFile) {
  const LogGeometry g = *LogGeometry::Create(Lsn(20000), kLogStartOffset + 100);
  std::vector<uint8_t> file(kLogStartOffset + 100, 0);
  for (size_t i = 0; i < 100; ++i) file[kLogStartOffset + i] = static_cast<uint8_t>(i);
  const LogView v = LogView::OfFile(file, g, Lsn(20090), Lsn(20120));  // offsets 90..99, 0..19
  EXPECT_EQ(v.first().size(), 10u);
  EXPECT_EQ(v.second().size(), 20u);
  EXPECT_EQ(v[0], 90);
  EXPECT_EQ(v[10], 0);
  const LogView circle = LogView::OfFile(file, g, Lsn(20250), Lsn(20350));  // a full pass
  EXPECT_EQ(circle.size(), 100u);
  EXPECT_EQ(circle[0], 50);
  EXPECT_EQ(circle[99], 49);
  EXPECT_FALSE(LogView::OfFile(file, g, Lsn(20000), Lsn(20100)).is_split());
}

}  // namespace
}  // namespace tidemark::innodb
