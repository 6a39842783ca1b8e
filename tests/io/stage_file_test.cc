// Tests of StageFile's rules with a trivial stage (upper-casing): sequential writes only, the
// first error sticks, Close finishes the stage then closes the file beneath (and reports the
// first error of the two), and after Close every call reaches the file beneath.
#include "io/stage_file.h"

#include <cctype>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::MemFileSystem;

class UpperStage final : public StageFile {
 public:
  explicit UpperStage(std::unique_ptr<WritableFile> inner)
      : StageFile(std::move(inner), "an upper-cased file is written") {}
  absl::Status fail_next = absl::OkStatus();

 private:
  absl::Status Consume(ByteSpan data) override {
    if (!fail_next.ok()) return fail_next;
    std::string up(data.begin(), data.end());
    for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return inner().Append(AsBytes(up));
  }
  absl::Status Finish() override { return inner().Append(AsBytes("!")); }
};

TEST(StageFileTest, SequentialWritesFinishAndClose) {
  MemFileSystem fs;
  UpperStage f(*fs.OpenForWrite("t"));
  TM_ASSERT_OK(f.Append(AsBytes("ab")));
  TM_ASSERT_OK(f.WriteAt(2, AsBytes("cd")));
  EXPECT_EQ(f.WriteAt(1, AsBytes("x")),
            absl::InvalidArgumentError(
                "write 't' at 1: an upper-cased file is written sequentially (next offset 4)"));
  EXPECT_EQ(f.Truncate(0), absl::InvalidArgumentError(
                               "truncate 't' to 0: an upper-cased file is written sequentially"));
  TM_ASSERT_OK(f.Close());
  EXPECT_EQ(*ReadFileToString(fs, "t"), "ABCD!");
}

TEST(StageFileTest, FirstErrorSticksAndCloseStillClosesTheFileBeneath) {
  MemFileSystem fs;
  UpperStage f(*fs.OpenForWrite("t"));
  TM_ASSERT_OK(f.Append(AsBytes("ab")));
  f.fail_next = absl::DataLossError("broken");
  EXPECT_EQ(f.Append(AsBytes("cd")), absl::DataLossError("broken"));
  f.fail_next = absl::OkStatus();
  EXPECT_EQ(f.Append(AsBytes("ef")), absl::DataLossError("broken"));
  EXPECT_EQ(f.Close(), absl::DataLossError("broken"));
  EXPECT_EQ(*ReadFileToString(fs, "t"), "AB");  // no Finish after an error
  // Closed: calls reach the closed file beneath, which refuses them.
  EXPECT_FALSE(f.Append(AsBytes("x")).ok());
}

TEST(StageFileTest, PushFileThroughAStageIntoASink) {
  MemFileSystem fs;
  const std::string data(3 << 20, 'a');  // more than one read
  TM_ASSERT_OK(WriteStringToFile(fs, "in", data));
  std::string got;
  UpperStage out(NewSinkWritableFile("sink", [&](ByteSpan b) {
    got.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  }));
  TM_ASSERT_OK(PushFile(**fs.OpenForRead("in"), out));
  EXPECT_EQ(got, std::string(3 << 20, 'A') + "!");
  // A sink's error comes back unchanged.
  auto failing = NewSinkWritableFile("sink", [](ByteSpan) { return absl::DataLossError("full"); });
  EXPECT_EQ(PushFile(**fs.OpenForRead("in"), *failing), absl::DataLossError("full"));
}

}  // namespace
}  // namespace tidemark::io
