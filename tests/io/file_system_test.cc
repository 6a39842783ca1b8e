// Tests of the FileSystem defaults (ReadBatch over ReadAt, the synchronous async reader) and of
// the whole-file helpers, on MemFileSystem.
#include "io/file_system.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsMutableBytes;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

TEST(FileSystemTest, DefaultReadBatchFillsEveryRequest) {
  MemFileSystem fs;
  std::string data = PatternBytes(1000);
  ASSERT_TRUE(WriteStringToFile(fs, "f", data).ok());
  auto file = *fs.OpenForRead("f");
  std::string a(100, '\0'), b(100, '\0');
  std::vector<ReadRequest> requests = {{10, AsMutableBytes(a)}, {950, AsMutableBytes(b)}};
  ASSERT_TRUE(file->ReadBatch(requests).ok());
  EXPECT_EQ(a, data.substr(10, 100));
  EXPECT_EQ(requests[1].bytes_read, 50u);
  EXPECT_EQ(b.substr(0, 50), data.substr(950));
}

TEST(FileSystemTest, DefaultReadBatchReturnsFirstErrorAndKeepsGoing) {
  MemFileSystem mem;
  ASSERT_TRUE(WriteStringToFile(mem, "f", PatternBytes(1000)).ok());
  FaultInjectionFileSystem fs(mem);
  auto file = *fs.OpenForRead("f");
  fs.FailNth(FsOp::kRead, 2, EIO);
  std::string a(10, '\0'), b(10, '\0'), c(10, '\0');
  std::vector<ReadRequest> requests = {
      {0, AsMutableBytes(a)}, {100, AsMutableBytes(b)}, {200, AsMutableBytes(c)}};
  absl::Status want = absl::DataLossError("read 'f' at 100: Input/output error");
  EXPECT_EQ(file->ReadBatch(requests), want);
  EXPECT_EQ(requests[1].status, want);
  EXPECT_TRUE(requests[2].status.ok());
  EXPECT_EQ(requests[2].bytes_read, 10u);
}

TEST(FileSystemTest, DefaultAsyncReaderIsSynchronous) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "f", "abc").ok());
  auto file = *fs.OpenForRead("f");
  auto reader = *file->NewAsyncReader(4);
  EXPECT_EQ(reader->backend(), "sync");
  EXPECT_EQ(reader->depth(), 4u);
}

TEST(FileSystemTest, CreateDirsMakesEveryMissingParent) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("a").ok());
  ASSERT_TRUE(CreateDirs(fs, "a/b//c/").ok());
  EXPECT_EQ(fs.Stat("a/b/c")->type, FileType::kDirectory);
  EXPECT_TRUE(CreateDirs(fs, "a/b/c").ok());  // already there
  ASSERT_TRUE(CreateDirs(fs, "/abs/x").ok());
  EXPECT_EQ(fs.Stat("/abs/x")->type, FileType::kDirectory);
}

TEST(FileSystemTest, CreateDirsOverAFileIsAlreadyExists) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "a", "x").ok());
  EXPECT_EQ(CreateDirs(fs, "a/b"),
            absl::AlreadyExistsError("mkdir 'a': exists and is not a directory"));
}

TEST(FileSystemTest, CreateDirsPassesOnOtherErrors) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  fs.FailPath(FsOp::kMkdir, "a/b", EACCES);
  EXPECT_EQ(CreateDirs(fs, "a/b/c"), absl::PermissionDeniedError("mkdir 'a/b': Permission denied"));
}

TEST(FileSystemTest, ReadFileToStringReadsFilesLargerThanOneStep) {
  MemFileSystem fs;
  std::string data = PatternBytes(200000);
  ASSERT_TRUE(WriteStringToFile(fs, "big", data).ok());
  EXPECT_EQ(*ReadFileToString(fs, "big"), data);
  ASSERT_TRUE(WriteStringToFile(fs, "empty", "").ok());
  EXPECT_EQ(*ReadFileToString(fs, "empty"), "");
  EXPECT_EQ(ReadFileToString(fs, "none").status(),
            absl::NotFoundError("open 'none': No such file or directory"));
}

TEST(FileSystemTest, WriteStringToFileReplacesContents) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "f", "long contents").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "f", "short").ok());
  EXPECT_EQ(*ReadFileToString(fs, "f"), "short");
}

}  // namespace
}  // namespace tidemark::io
