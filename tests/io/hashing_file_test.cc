// Tests of the hashing stage: XXH3-128 vectors computed independently with `xxhsum -H2`
// (xxHash 0.8.1 CLI), streaming versus one-shot versus HashFile, the sequential-write
// contract, and errors passed on with the file named.
#include "io/hashing_file.h"

#include <cerrno>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;

// 3,000,001 bytes, byte i = (7i + 3) mod 256: longer than three 1 MiB chunks and odd-sized.
// Its digest: python3 -c '...' | xxhsum -H2.
std::string LongVector() {
  std::string out(3000001, '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>((i * 7 + 3) & 0xFF);
  return out;
}
constexpr char kLongVectorHash[] = "7077137ba79c57e880ab5b6b949147b8";

TEST(HashingFileTest, HashBytesMatchesXxhsum) {
  EXPECT_EQ(HashBytes(AsBytes("")), (ContentHash{0, "99aa06d3014798d86001c324468d497f"}));
  EXPECT_EQ(HashBytes(AsBytes("abc")), (ContentHash{3, "06b05ab6733a618578af5f94892f3950"}));
  EXPECT_EQ(HashBytes(AsBytes("The quick brown fox jumps over the lazy dog")).xxh3_128,
            "ddd650205ca3e7fa24a1cc2e3a8a7651");
  EXPECT_EQ(HashBytes(AsBytes(std::string(1000000, '\0'))).xxh3_128,
            "ef233fc372a159319d648391f361d99a");
  EXPECT_EQ(HashBytes(AsBytes(LongVector())).xxh3_128, kLongVectorHash);
}

TEST(HashingFileTest, MariabackupCheckpointsFileMatchesXxhsum) {
  // x1/xtrabackup_checkpoints of a mariadb-backup 10.11.19 run; `xxhsum -H2` of that file.
  std::string text =
      "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 44404\nlast_lsn = 48012\n"
      "recover_binlog_info = 0\n";
  EXPECT_EQ(HashBytes(AsBytes(text)), (ContentHash{97, "4faa959c5668db3065eb14c63ddc9c7b"}));
}

TEST(HashingFileTest, StreamingInOddPiecesMatchesOneShot) {
  std::string data = LongVector();
  Xxh3Hasher hasher;
  EXPECT_EQ(hasher.Result(), HashBytes(AsBytes("")));
  for (size_t at = 0, step = 1; at < data.size(); at += step, step = step * 3 + 1) {
    hasher.Update(AsBytes(std::string_view(data).substr(at, step)));
  }
  EXPECT_EQ(hasher.Result(), (ContentHash{data.size(), kLongVectorHash}));
}

TEST(HashingFileTest, WrapperForwardsAndHashesWhatItWrites) {
  MemFileSystem fs;
  HashingWritableFile file(*fs.OpenForWrite("f"));
  EXPECT_EQ(file.path(), "f");
  ASSERT_TRUE(file.Append(AsBytes("ab")).ok());
  ASSERT_TRUE(file.WriteAt(2, AsBytes("c")).ok());  // at the end: sequential
  ASSERT_TRUE(file.Append(AsBytes("")).ok());
  EXPECT_EQ(file.bytes_written(), 3u);
  ASSERT_TRUE(file.Close().ok());
  EXPECT_EQ(*file.Finish(), (ContentHash{3, "06b05ab6733a618578af5f94892f3950"}));
  EXPECT_EQ(*ReadFileToString(fs, "f"), "abc");
}

TEST(HashingFileTest, HashFileEqualsStreamingHash) {
  MemFileSystem fs;
  std::string data = LongVector();
  HashingWritableFile file(*fs.OpenForWrite("big"));
  for (size_t at = 0; at < data.size(); at += 65537) {
    ASSERT_TRUE(file.Append(AsBytes(std::string_view(data).substr(at, 65537))).ok());
  }
  ASSERT_TRUE(file.Close().ok());
  EXPECT_EQ(file.Finish()->xxh3_128, kLongVectorHash);
  EXPECT_EQ(*HashFile(fs, "big"), *file.Finish());
  EXPECT_EQ(*HashFile(fs, "big", {.chunk_size = 4096, .depth = 1}), *file.Finish());
}

TEST(HashingFileTest, HashFileOfEmptyFile) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "empty", "").ok());
  EXPECT_EQ(*HashFile(fs, "empty"), HashBytes(AsBytes("")));
}

TEST(HashingFileTest, OutOfOrderWriteAtIsRefusedBeforeTheFile) {
  MemFileSystem fs;
  HashingWritableFile file(*fs.OpenForWrite("f"));
  ASSERT_TRUE(file.Append(AsBytes("abcd")).ok());
  EXPECT_EQ(file.WriteAt(0, AsBytes("x")),
            absl::InvalidArgumentError(
                "write 'f' at 0: a hashing file is written sequentially (next offset 4)"));
  ASSERT_TRUE(file.Close().ok());
  EXPECT_EQ(*ReadFileToString(fs, "f"), "abcd");
  EXPECT_EQ(file.Finish()->size, 4u);
}

TEST(HashingFileTest, FinishBeforeCloseIsFailedPrecondition) {
  MemFileSystem fs;
  HashingWritableFile file(*fs.OpenForWrite("f"));
  EXPECT_EQ(file.Finish().status(),
            absl::FailedPreconditionError(
                "hash of 'f' is not known: the file was not closed successfully"));
}

TEST(HashingFileTest, FullDiskIsReportedByAppendCloseAndCallback) {
  MemFileSystem mem;
  ASSERT_TRUE(mem.CreateDir("db").ok());
  FaultInjectionFileSystem fs(mem);
  std::optional<absl::StatusOr<ContentHash>> done;
  HashingWritableFile file(*fs.OpenForWrite("db/f"), [&](const auto& r) { done = r; });
  fs.FailWritesAfter(10);
  absl::Status full = absl::ResourceExhaustedError("write 'db/f' at 10: No space left on device");
  EXPECT_EQ(file.Append(AsBytes(std::string(20, 'x'))), full);
  EXPECT_EQ(file.Close(), full);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status(), full);
  EXPECT_FALSE(file.Finish().ok());
}

TEST(HashingFileTest, SyncOnCloseReportsSyncError) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  HashingWritableFile file(*fs.OpenForWrite("f"), {}, /*sync_on_close=*/true);
  ASSERT_TRUE(file.Append(AsBytes("abc")).ok());
  fs.FailNth(FsOp::kSync, 1, EIO);
  EXPECT_EQ(file.Close(), absl::DataLossError("sync 'f': Input/output error"));
  EXPECT_EQ(fs.count(FsOp::kSync), 1);
  EXPECT_EQ(fs.count(FsOp::kClose), 1);  // closed all the same
}

TEST(HashingFileTest, CallbackRunsOnceOnCloseWithTheHash) {
  MemFileSystem fs;
  int calls = 0;
  std::optional<absl::StatusOr<ContentHash>> done;
  {
    HashingWritableFile file(*fs.OpenForWrite("f"), [&](const auto& r) {
      ++calls;
      done = r;
    });
    ASSERT_TRUE(file.Append(AsBytes("abc")).ok());
    ASSERT_TRUE(file.Close().ok());
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(**done, HashBytes(AsBytes("abc")));
}

TEST(HashingFileTest, DestroyedWithoutCloseReportsNotClosed) {
  MemFileSystem fs;
  std::optional<absl::StatusOr<ContentHash>> done;
  {
    HashingWritableFile file(*fs.OpenForWrite("f"), [&](const auto& r) { done = r; });
  }
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status(), absl::FailedPreconditionError("'f' was not closed"));
}

TEST(HashingFileTest, HashFileOfMissingFileIsNotFound) {
  MemFileSystem fs;
  EXPECT_EQ(HashFile(fs, "b/nope").status(),
            absl::NotFoundError("open 'b/nope': No such file or directory"));
}

TEST(HashingFileTest, HashFileReadErrorNamesFileAndOffset) {
  MemFileSystem mem;
  ASSERT_TRUE(CreateDirs(mem, "b").ok());
  ASSERT_TRUE(WriteStringToFile(mem, "b/t.ibd", LongVector()).ok());
  FaultInjectionFileSystem fs(mem);
  fs.FailNth(FsOp::kRead, 2, EIO);
  EXPECT_EQ(HashFile(fs, "b/t.ibd", {.depth = 1}).status(),
            absl::DataLossError("read 'b/t.ibd' at 1048576: Input/output error"));
}

TEST(HashingFileTest, IsXxh3HexAcceptsOnlyCanonicalForm) {
  EXPECT_TRUE(IsXxh3Hex("99aa06d3014798d86001c324468d497f"));
  EXPECT_FALSE(IsXxh3Hex("99AA06D3014798D86001C324468D497F"));
  EXPECT_FALSE(IsXxh3Hex("99aa06d3014798d86001c324468d497"));
  EXPECT_FALSE(IsXxh3Hex("99aa06d3014798d86001c324468d497g"));
}

}  // namespace
}  // namespace tidemark::io
