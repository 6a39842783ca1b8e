#include "engine/data_file_path.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;

TEST(DataFilePathTest, Default) {
  auto files = ParseDataFilePath("ibdata1:12M:autoextend");
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].name, "ibdata1");
  EXPECT_EQ((*files)[0].size_bytes, 12u << 20);
  EXPECT_TRUE((*files)[0].autoextend);
  EXPECT_EQ((*files)[0].max_bytes, 0u);
}

TEST(DataFilePathTest, SeveralFilesCustomNamesUnitsAndMax) {
  auto files = ParseDataFilePath("sys_a:1G;/disk2/sys_b:512K;sys_c:100:autoextend:max:2G");
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].name, "sys_a");
  EXPECT_EQ((*files)[0].size_bytes, uint64_t{1} << 30);
  EXPECT_FALSE((*files)[0].autoextend);
  EXPECT_EQ((*files)[1].name, "/disk2/sys_b");
  EXPECT_EQ((*files)[1].size_bytes, 512u << 10);
  EXPECT_EQ((*files)[2].size_bytes, 100u << 20);  // a bare number is megabytes
  EXPECT_TRUE((*files)[2].autoextend);
  EXPECT_EQ((*files)[2].max_bytes, uint64_t{2} << 30);
}

TEST(DataFilePathTest, RawPartitions) {
  auto files = ParseDataFilePath("/dev/sdb1:10Gnewraw;/dev/sdc1:10Graw");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_TRUE((*files)[0].raw);
  EXPECT_TRUE((*files)[1].raw);
  EXPECT_EQ((*files)[1].size_bytes, uint64_t{10} << 30);
}

TEST(DataFilePathTest, Errors) {
  for (const char* bad : {"", "ibdata1", ":12M", "ibdata1:", "ibdata1:12Q", "ibdata1:M",
                          "ibdata1:12M:grow", "ibdata1:12M:autoextend:max:",
                          "a:12M:autoextend;b:12M", "ibdata1:12M:autoextendx"}) {
    auto files = ParseDataFilePath(bad);
    EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(files.status().message(), HasSubstr("innodb_data_file_path")) << bad;
  }
}

}  // namespace
}  // namespace tidemark::engine
