// Tests of the bounded LSN histogram.
#include "innodb/inspect/lsn_histogram.h"

#include "gtest/gtest.h"

namespace tidemark::innodb {
namespace {

TEST(LsnHistogramTest, AgesRelativeToNewest) {
  LsnHistogram h;
  const uint64_t newest = 100ull << 20;
  h.Add(newest);
  h.Add(newest - 4096 * 10);            // <= 1 MiB old
  h.Add(newest - (8ull << 20));         // <= 16 MiB
  h.Add(newest - (1ull << 40));         // older than every bound
  auto ages = h.Ages(newest);
  ASSERT_EQ(ages.size(), LsnHistogram::AgeBounds().size() + 1);
  EXPECT_EQ(ages[0].pages, 1u);
  EXPECT_EQ(ages[1].pages, 1u);
  EXPECT_EQ(ages[2].pages, 1u);
  EXPECT_EQ(ages.back().pages, 1u);
  EXPECT_FALSE(ages.back().max_age.has_value());
}

TEST(LsnHistogramTest, StaysBoundedAndKeepsCounts) {
  LsnHistogram h;
  for (uint64_t i = 0; i < 100000; ++i) h.Add(i * 1000003);
  EXPECT_GT(h.bucket_width(), 4096u);
  uint64_t total = 0;
  for (const auto& b : h.Ages(99999ull * 1000003)) total += b.pages;
  EXPECT_EQ(total, 100000u);
}

}  // namespace
}  // namespace tidemark::innodb
