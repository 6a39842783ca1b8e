#include "engine/text_format.h"

#include "gtest/gtest.h"

namespace tidemark::engine {
namespace {

TEST(TextFormatTest, HumanBytes) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(uint64_t{3} << 30), "3.0 GiB");
  EXPECT_EQ(HumanBytes(uint64_t{5} << 40), "5.0 TiB");
  EXPECT_EQ(HumanBytes(uint64_t{2048} << 40), "2048.0 TiB");
}

}  // namespace
}  // namespace tidemark::engine
