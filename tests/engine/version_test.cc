// Tests of the producer string.
#include "engine/version.h"

#include "gtest/gtest.h"

namespace tidemark::engine {
namespace {

TEST(VersionTest, ProducerNamesTool) { EXPECT_EQ(ProducerString().substr(0, 9), "tidemark "); }

}  // namespace
}  // namespace tidemark::engine
