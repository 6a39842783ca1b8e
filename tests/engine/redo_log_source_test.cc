// Tests of RedoLogSource, the copier's view of the server's live ib_logfile0: the head at
// open and its errors (old format, no checkpoint, short file), reads across the wrap, the
// newest checkpoint, and a file replaced under the path or rewritten in place.
#include "engine/redo_log_source.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"
#include "io/posix_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/temp_dir.h"

namespace tidemark::engine {
namespace {

using innodb::LogImage;
using testing::MemFileSystem;

constexpr char kLog[] = "/ib_logfile0";
constexpr uint64_t kSize = innodb::kLogStartOffset + 8192;
constexpr size_t kMaxRead = 1 << 20;  // more than the capacity: reads stop at 8192

absl::Status Put(MemFileSystem& fs, const std::vector<uint8_t>& bytes, const char* path = kLog) {
  return io::WriteStringToFile(fs, path, std::string(bytes.begin(), bytes.end()));
}

LogImage Image(Lsn first = Lsn(12288)) {
  innodb::LogHeader h;
  h.first_lsn = first;
  h.creator = "MariaDB 10.11.19";
  LogImage image = *LogImage::Create(h, kSize);
  image.SetCheckpoint(innodb::kLogCheckpoint2, {first, first});
  return image;
}

TEST(RedoLogSourceTest, OpenReadsTheHeadAndGeometry) {
  MemFileSystem fs;
  LogImage image = Image(Lsn(20000));
  image.SetCheckpoint(innodb::kLogCheckpoint1, {Lsn(20100), Lsn(20150)});
  ASSERT_TRUE(Put(fs, image.file()).ok());
  auto source = RedoLogSource::Open(fs, kLog, kMaxRead);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->head().checkpoint, (innodb::LogCheckpoint{Lsn(20100), Lsn(20150)}));
  EXPECT_EQ((*source)->geometry().first_lsn(), Lsn(20000));
  EXPECT_EQ((*source)->capacity(), 8192u);
  EXPECT_EQ((*source)->encryption(), innodb::LogEncryption::kNone);
  EXPECT_EQ((*source)->path(), kLog);
}

TEST(RedoLogSourceTest, OldFormatIsFailedPreconditionNamingTheFile) {
  MemFileSystem fs;
  std::vector<uint8_t> file(kSize);
  innodb::LogHeader h;
  h.format = innodb::kLogFormat10_5;
  h.creator = "MariaDB 10.5.23";
  innodb::WriteLogHeader(h, file);
  ASSERT_TRUE(Put(fs, file).ok());
  EXPECT_EQ(RedoLogSource::Open(fs, kLog, kMaxRead).status(),
            absl::FailedPreconditionError(
                "redo log '/ib_logfile0': log header: unsupported redo log format 0x50485953 "
                "(created by 'MariaDB 10.5.23'); only the 10.8 format (0x50687973, 0xf09f979d) "
                "can be read"));
}

TEST(RedoLogSourceTest, NoValidCheckpointIsDataLoss) {
  MemFileSystem fs;
  std::vector<uint8_t> file(kSize);
  innodb::WriteLogHeader(innodb::LogHeader{}, file);
  ASSERT_TRUE(Put(fs, file).ok());
  const absl::Status s = RedoLogSource::Open(fs, kLog, kMaxRead).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message().substr(0, 59),
            "redo log '/ib_logfile0': log file head: no valid checkpoint");
}

TEST(RedoLogSourceTest, FileShorterThanItsHeadIsDataLoss) {
  MemFileSystem fs;
  ASSERT_TRUE(Put(fs, std::vector<uint8_t>(5000)).ok());
  EXPECT_EQ(RedoLogSource::Open(fs, kLog, kMaxRead).status(),
            absl::DataLossError(
                "redo log '/ib_logfile0': the file has 5000 bytes, less than its 12288-byte head"));
  EXPECT_EQ(RedoLogSource::Open(fs, "/nope", kMaxRead).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(RedoLogSourceTest, ReadWrapsFromTheEndOfTheFileToItsStart) {
  MemFileSystem fs;
  LogImage image = Image();
  std::vector<uint8_t> bytes(3000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 13 + 1);
  const Lsn at(12288 + 8192 * 3 - 1000);  // 1000 bytes before the end on the fourth lap
  image.WriteAt(at, bytes);
  ASSERT_TRUE(Put(fs, image.file()).ok());
  auto source = *RedoLogSource::Open(fs, kLog, kMaxRead);
  EXPECT_EQ(source->max_read(), 8192u);
  EXPECT_FALSE(source->is_direct());  // MemFileSystem has no direct I/O
  absl::StatusOr<MutableByteSpan> out = source->Read(at, 3000);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(std::vector<uint8_t>(out->begin(), out->end()), bytes);
}

// On a real file system the log is read with O_DIRECT: whole aligned 4 KiB units around
// the bytes asked for, on both sides of the wrap.
TEST(RedoLogSourceTest, DirectReadsWidenToAlignedUnitsAcrossTheWrap) {
  testing::TempDir dir;
  std::unique_ptr<io::FileSystem> fs = io::NewPosixFileSystem();
  LogImage image = Image();
  std::vector<uint8_t> bytes(6000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 3);
  const Lsn at(12288 + 8192 * 5 - 2500);  // odd offsets, 2500 bytes before the end
  image.WriteAt(at, bytes);
  const std::string path = dir.Join("ib_logfile0");
  ASSERT_TRUE(
      io::WriteStringToFile(*fs, path, std::string(image.file().begin(), image.file().end())).ok());
  auto source = *RedoLogSource::Open(*fs, path, kMaxRead);
  absl::StatusOr<MutableByteSpan> out = source->Read(at, bytes.size());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(std::vector<uint8_t>(out->begin(), out->end()), bytes);
  EXPECT_EQ(source->ReadCheckpoint().value(), (innodb::LogCheckpoint{Lsn(12288), Lsn(12288)}));
}

TEST(RedoLogSourceTest, ShrunkFileIsDataLoss) {
  MemFileSystem fs;
  LogImage image = Image();
  ASSERT_TRUE(Put(fs, image.file()).ok());
  auto source = *RedoLogSource::Open(fs, kLog, kMaxRead);
  std::vector<uint8_t> head(image.file().begin(), image.file().begin() + 15000);
  ASSERT_TRUE(Put(fs, head).ok());  // truncated in place
  EXPECT_EQ(source->Read(Lsn(12288), 4000).status(),
            absl::DataLossError("redo log '/ib_logfile0': the file ends at 15000, expected 20480 "
                                "bytes"));
}

TEST(RedoLogSourceTest, ReadCheckpointSeesTheNewestBlock) {
  MemFileSystem fs;
  LogImage image = Image();
  ASSERT_TRUE(Put(fs, image.file()).ok());
  auto source = *RedoLogSource::Open(fs, kLog, kMaxRead);
  image.SetCheckpoint(innodb::kLogCheckpoint1, {Lsn(15000), Lsn(15100)});
  ASSERT_TRUE(Put(fs, image.file()).ok());
  EXPECT_EQ(source->ReadCheckpoint().value(), (innodb::LogCheckpoint{Lsn(15000), Lsn(15100)}));
  EXPECT_TRUE(source->CheckUnchanged(fs).ok());
}

TEST(RedoLogSourceTest, RenamedOverFileIsReported) {
  MemFileSystem fs;
  ASSERT_TRUE(Put(fs, Image().file()).ok());
  auto source = *RedoLogSource::Open(fs, kLog, kMaxRead);
  ASSERT_TRUE(Put(fs, Image(Lsn(30000)).file(), "/ib_logfile101").ok());
  ASSERT_TRUE(fs.Rename("/ib_logfile101", kLog).ok());
  EXPECT_EQ(source->CheckUnchanged(fs),
            absl::FailedPreconditionError(
                "redo log '/ib_logfile0' was replaced while it was being copied (first_lsn 12288, "
                "20480 bytes at open; now first_lsn 30000, 20480 bytes): the log was resized (SET "
                "GLOBAL innodb_log_file_size) or recreated; start the backup again"));
  EXPECT_TRUE(source->ReadCheckpoint().ok());  // the open file is the old one
}

TEST(RedoLogSourceTest, HeaderRewrittenInPlaceIsReported) {
  MemFileSystem fs;
  ASSERT_TRUE(Put(fs, Image().file()).ok());
  auto source = *RedoLogSource::Open(fs, kLog, kMaxRead);
  std::vector<uint8_t> garbage(kSize, 0xAB);
  ASSERT_TRUE(Put(fs, garbage).ok());
  const std::string want =
      "redo log '/ib_logfile0' was replaced while it was being copied (first_lsn 12288, 20480 "
      "bytes at open; now an unreadable header, 20480 bytes): the log was resized (SET GLOBAL "
      "innodb_log_file_size) or recreated; start the backup again";
  EXPECT_EQ(source->ReadCheckpoint().status(), absl::FailedPreconditionError(want));
  EXPECT_EQ(source->CheckUnchanged(fs), absl::FailedPreconditionError(want));
}

}  // namespace
}  // namespace tidemark::engine
