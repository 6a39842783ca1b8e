// Tests of FaultInjectionFileSystem (tests/support): each fault, with the exact status a test
// of a caller will see.
#include "tests/support/fault_injection_file_system.h"

#include <cerrno>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/posix_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"

namespace tidemark::testing {
namespace {

using io::ReadFileToString;
using io::WriteStringToFile;

class FaultInjectionFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(mem_.CreateDir("db").ok());
    data_ = PatternBytes(4 * 16384);
    ASSERT_TRUE(WriteStringToFile(mem_, "db/t.ibd", data_).ok());
  }
  // Reads `n` bytes at `offset` of db/t.ibd through the fault injector.
  absl::StatusOr<std::string> Read(uint64_t offset, size_t n) {
    absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> file = fs_.OpenForRead("db/t.ibd");
    if (!file.ok()) return file.status();
    std::string buf(n, '\0');
    absl::StatusOr<size_t> got = (*file)->ReadAt(offset, AsMutableBytes(buf));
    if (!got.ok()) return got.status();
    buf.resize(*got);
    return buf;
  }

  MemFileSystem mem_;
  FaultInjectionFileSystem fs_{mem_};
  std::string data_;
};

TEST_F(FaultInjectionFileSystemTest, FailsTheNthOperationOnce) {
  fs_.FailNth(FsOp::kRead, 2, EIO);
  EXPECT_TRUE(Read(0, 10).ok());
  EXPECT_EQ(Read(16384, 10).status(),
            absl::DataLossError("read 'db/t.ibd' at 16384: Input/output error"));
  EXPECT_TRUE(Read(16384, 10).ok());
  EXPECT_EQ(fs_.count(FsOp::kRead), 3);
  EXPECT_EQ(fs_.count(FsOp::kOpenRead), 3);
}

TEST_F(FaultInjectionFileSystemTest, TransientErrorThenSuccess) {
  fs_.FailNth(FsOp::kRead, 1, EAGAIN);
  fs_.FailNth(FsOp::kRead, 2, EINTR);
  EXPECT_EQ(Read(0, 10).status(),
            absl::UnavailableError("read 'db/t.ibd' at 0: Resource temporarily unavailable"));
  EXPECT_EQ(Read(0, 10).status(),
            absl::UnavailableError("read 'db/t.ibd' at 0: Interrupted system call"));
  EXPECT_EQ(*Read(0, 10), data_.substr(0, 10));
}

TEST_F(FaultInjectionFileSystemTest, FailsMatchingPathsUntilReset) {
  ASSERT_TRUE(WriteStringToFile(mem_, "db/t.frm", "x").ok());
  fs_.FailPath(FsOp::kOpenRead, "*.ibd", EACCES);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(fs_.OpenForRead("db/t.ibd").status(),
              absl::PermissionDeniedError("open 'db/t.ibd': Permission denied"));
  }
  EXPECT_TRUE(fs_.OpenForRead("db/t.frm").ok());
  fs_.Reset();
  EXPECT_TRUE(fs_.OpenForRead("db/t.ibd").ok());
  EXPECT_EQ(fs_.count(FsOp::kOpenRead), 1);
}

TEST_F(FaultInjectionFileSystemTest, NamespaceOperationsFailWithTheirNames) {
  fs_.FailPath(FsOp::kStat, "*", ENOENT);
  fs_.FailPath(FsOp::kList, "*", EIO);
  fs_.FailPath(FsOp::kMkdir, "*", ENOSPC);
  fs_.FailPath(FsOp::kRemove, "*", EBUSY);
  fs_.FailPath(FsOp::kRename, "*", EXDEV);
  fs_.FailPath(FsOp::kSyncDir, "*", EIO);
  EXPECT_EQ(fs_.Stat("db").status(), absl::NotFoundError("stat 'db': No such file or directory"));
  EXPECT_EQ(fs_.ListDir("db").status(), absl::DataLossError("list 'db': Input/output error"));
  EXPECT_EQ(fs_.CreateDir("x"), absl::ResourceExhaustedError("mkdir 'x': No space left on device"));
  EXPECT_EQ(fs_.RemoveFile("db/t.ibd"),
            absl::UnavailableError("remove 'db/t.ibd': Device or resource busy"));
  EXPECT_EQ(fs_.Rename("db/t.ibd", "t.ibd"),
            absl::InternalError("rename 'db/t.ibd' to 't.ibd': Invalid cross-device link"));
  EXPECT_EQ(fs_.SyncDir("db"), absl::DataLossError("sync 'db': Input/output error"));
  EXPECT_TRUE(mem_.Stat("db/t.ibd").ok());  // nothing reached the base
}

TEST_F(FaultInjectionFileSystemTest, WriteSyncAndCloseFaults) {
  auto file = *fs_.OpenForWrite("out");
  fs_.FailNth(FsOp::kWrite, 2, EIO);
  fs_.FailNth(FsOp::kSync, 1, EIO);
  fs_.FailNth(FsOp::kClose, 1, EIO);
  ASSERT_TRUE(file->Append(AsBytes("abc")).ok());
  EXPECT_EQ(file->Append(AsBytes("def")),
            absl::DataLossError("write 'out' at 3: Input/output error"));
  EXPECT_EQ(file->Sync(), absl::DataLossError("sync 'out': Input/output error"));
  EXPECT_EQ(file->Close(), absl::DataLossError("close 'out': Input/output error"));
  EXPECT_EQ(*ReadFileToString(mem_, "out"), "abc");
}

TEST_F(FaultInjectionFileSystemTest, ShortReadsEndEarly) {
  fs_.ShortReads("db/*", 100);
  EXPECT_EQ(*Read(16384, 1000), data_.substr(16384, 100));
}

TEST_F(FaultInjectionFileSystemTest, DiskFullAfterBudgetIsResourceExhausted) {
  fs_.FailWritesAfter(1000);
  auto file = *fs_.OpenForWrite("db/copy.ibd");
  std::string chunk = PatternBytes(600);
  ASSERT_TRUE(file->Append(AsBytes(chunk)).ok());
  EXPECT_EQ(file->Append(AsBytes(chunk)),
            absl::ResourceExhaustedError("write 'db/copy.ibd' at 1000: No space left on device"));
  EXPECT_EQ(*ReadFileToString(mem_, "db/copy.ibd"), (chunk + chunk).substr(0, 1000));
  EXPECT_EQ(file->Append(AsBytes("x")),
            absl::ResourceExhaustedError("write 'db/copy.ibd' at 1000: No space left on device"));
}

TEST_F(FaultInjectionFileSystemTest, TornPageOnce) {
  std::vector<uint8_t> old_page(16384, 0xAB);
  fs_.TearPageOnce("db/t.ibd", 16384, old_page);
  EXPECT_EQ(*Read(0, 16384), data_.substr(0, 16384));  // another page: untouched
  std::string torn = *Read(16384, 16384);
  EXPECT_EQ(torn.substr(0, 8192), data_.substr(16384, 8192));  // new half
  EXPECT_EQ(torn.substr(8192), std::string(8192, '\xAB'));     // old half
  EXPECT_EQ(*Read(16384, 16384), data_.substr(16384, 16384));  // once
}

TEST_F(FaultInjectionFileSystemTest, TornPageSeenByAPartialRead) {
  fs_.TearPageOnce("db/t.ibd", 16384, std::vector<uint8_t>(16384, 0xAB));
  std::string tail = *Read(16384 + 12288, 8192);  // last quarter of the page and beyond
  EXPECT_EQ(tail.substr(0, 4096), std::string(4096, '\xAB'));
  EXPECT_EQ(tail.substr(4096), data_.substr(32768, 4096));
}

TEST_F(FaultInjectionFileSystemTest, RegionChangesBetweenTwoReads) {
  std::string update = PatternBytes(16384, 7);
  fs_.ChangeAfterRead("db/t.ibd", 32768, std::vector<uint8_t>(update.begin(), update.end()));
  EXPECT_EQ(*Read(32768, 16384), data_.substr(32768, 16384));
  EXPECT_EQ(*Read(32768, 16384), update);
  EXPECT_EQ(*Read(0, 16384), data_.substr(0, 16384));
}

TEST_F(FaultInjectionFileSystemTest, FileRemovedBetweenListingAndOpening) {
  fs_.RemoveBeforeOpen("*.ibd");
  ASSERT_EQ(fs_.ListDir("db")->size(), 1u);
  EXPECT_EQ(fs_.OpenForRead("db/t.ibd").status(),
            absl::NotFoundError("open 'db/t.ibd': No such file or directory"));
  EXPECT_TRUE(fs_.ListDir("db")->empty());
}

TEST_F(FaultInjectionFileSystemTest, FileTruncatedBetweenListingAndOpening) {
  fs_.TruncateBeforeOpen("db/t.ibd", 4096);
  EXPECT_EQ(fs_.ListDir("db")->front().size, 4 * 16384u);
  auto file = *fs_.OpenForRead("db/t.ibd");
  EXPECT_EQ(*file->Size(), 4096u);
  EXPECT_EQ(*Read(0, 8192), data_.substr(0, 4096));  // once: no further truncation
}

TEST(FaultInjectionOverPosixTest, RegionChangeReachesTheDisk) {
  TempDir dir;
  auto posix = io::NewPosixFileSystem();
  std::string path = dir.Join("t.ibd");
  ASSERT_TRUE(WriteStringToFile(*posix, path, PatternBytes(8192)).ok());
  FaultInjectionFileSystem fs(*posix);
  fs.ChangeAfterRead("*/t.ibd", 100, std::vector<uint8_t>(4, 'z'));
  auto file = *fs.OpenForRead(path);
  std::string buf(8, '\0');
  ASSERT_TRUE(file->ReadAt(100, AsMutableBytes(buf)).ok());
  ASSERT_TRUE(file->ReadAt(100, AsMutableBytes(buf)).ok());
  EXPECT_EQ(buf.substr(0, 4), "zzzz");
}

}  // namespace
}  // namespace tidemark::testing
