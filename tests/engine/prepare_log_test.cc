// Tests of reading a backup's redo log in chunks and of the log prepare writes. The
// prepared-log bytes are checked against a log written by mariadb-backup 10.11.19
// (INNODB_FORMATS.md §4.1: C = 798719, `fa00 0000 0000 0000 0c2f ff01 cca2 2872` at 12288).
#include "engine/prepare_log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_writer.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::MemFileSystem;
constexpr uint64_t kC = 30000;

TEST(PrepareLogTest, PreparedLogMatchesMariadbBackup) {
  const std::vector<uint8_t> log = BuildPreparedLog(Lsn(798719 + 16), "Backup 10.11.19");
  ASSERT_EQ(log.size(), 12304u);
  const std::vector<uint8_t> tail(log.begin() + 12288, log.end());
  EXPECT_EQ(tail, (std::vector<uint8_t>{0xfa, 0, 0, 0, 0, 0, 0, 0, 0x0c, 0x2f, 0xff, 0x01, 0xcc,
                                        0xa2, 0x28, 0x72}));
  TM_ASSERT_OK_AND_ASSIGN(innodb::LogFileHead head, innodb::ParseLogFileHead(log));
  EXPECT_EQ(head.header.creator, "Backup 10.11.19");
  EXPECT_EQ(head.header.first_lsn, Lsn(798719));
  EXPECT_EQ(head.checkpoint, (innodb::LogCheckpoint{Lsn(798719), Lsn(798719)}));
  EXPECT_EQ(head.checkpoint_offset, innodb::kLogCheckpoint1);
}

TEST(PrepareLogTest, CreatorComesFromTheBackupLogOrTheServerVersion) {
  innodb::LogHeader h;
  h.creator = "Backup 10.11.18";
  EXPECT_EQ(PreparedLogCreator(h, "10.11.19-MariaDB"), "Backup 10.11.18");
  h.creator = "MariaDB 10.11.19";
  EXPECT_EQ(PreparedLogCreator(h, "10.11.19-MariaDB-0+deb12u1-log"), "Backup 10.11.19");
  EXPECT_EQ(PreparedLogCreator(h, ""), "Backup 10.11");
}

// A backup log of `n` mtrs, each one WRITE of `size` bytes.
std::vector<uint8_t> Log(int n, size_t size) {
  std::vector<uint8_t> log = innodb::BuildBackupLogHead(innodb::LogHeader{}, {Lsn(kC), Lsn(kC)}, "10.11.19");
  for (int i = 0; i < n; ++i) {
    innodb::MtrBuilder b;
    b.Write({SpaceId(0), PageNo(3)}, 100, std::vector<uint8_t>(size, uint8_t(i)));
    const std::vector<uint8_t> m = innodb::EncodeMtr(b.records(), 1);
    log.insert(log.end(), m.begin(), m.end());
  }
  return log;
}

TEST(PrepareLogTest, ReadsEveryMtrAcrossSmallChunks) {
  MemFileSystem fs;
  const std::vector<uint8_t> log = Log(50, 3000);
  ASSERT_TRUE(io::WriteStringToFile(fs, "ib_logfile0", std::string(log.begin(), log.end())).ok());
  TM_ASSERT_OK_AND_ASSIGN(auto reader, BackupLogReader::Open(fs, ".", 4096));
  int n = 0;
  TM_ASSERT_OK_AND_ASSIGN(LogStop stop, reader->ForEachMtr(Lsn(kC), Lsn(~0ull), [&](const innodb::Mtr&) -> absl::StatusOr<bool> {
    ++n;
    return true;
  }));
  EXPECT_EQ(n, 50);
  EXPECT_TRUE(stop.end_of_file);
  EXPECT_EQ(stop.lsn, Lsn(kC + log.size() - 12288));
}

TEST(PrepareLogTest, StopsWhereTheCallerOrTheLimitSays) {
  MemFileSystem fs;
  const std::vector<uint8_t> log = Log(10, 10);
  ASSERT_TRUE(io::WriteStringToFile(fs, "ib_logfile0", std::string(log.begin(), log.end())).ok());
  TM_ASSERT_OK_AND_ASSIGN(auto reader, BackupLogReader::Open(fs, "."));
  int n = 0;
  TM_ASSERT_OK_AND_ASSIGN(LogStop stop, reader->ForEachMtr(Lsn(kC), Lsn(~0ull), [&](const innodb::Mtr&) -> absl::StatusOr<bool> {
    return ++n < 3;
  }));
  EXPECT_TRUE(stop.by_caller);
  TM_ASSERT_OK_AND_ASSIGN(LogStop rest, reader->ForEachMtr(stop.lsn, Lsn(~0ull), [&](const innodb::Mtr&) -> absl::StatusOr<bool> {
    ++n;
    return true;
  }));
  EXPECT_EQ(n, 10);
  TM_ASSERT_OK_AND_ASSIGN(LogStop limited, reader->ForEachMtr(Lsn(kC), stop.lsn, [&](const innodb::Mtr&) -> absl::StatusOr<bool> { return true; }));
  EXPECT_TRUE(limited.at_limit);
}

TEST(PrepareLogTest, ReportsWhyTheLogStops) {
  MemFileSystem fs;
  std::vector<uint8_t> log = Log(3, 10);
  log[log.size() - 2] ^= 0xFF;  // the last mtr's CRC
  ASSERT_TRUE(io::WriteStringToFile(fs, "ib_logfile0", std::string(log.begin(), log.end())).ok());
  TM_ASSERT_OK_AND_ASSIGN(auto reader, BackupLogReader::Open(fs, "."));
  TM_ASSERT_OK_AND_ASSIGN(LogStop stop, reader->ForEachMtr(Lsn(kC), Lsn(~0ull), [&](const innodb::Mtr&) -> absl::StatusOr<bool> { return true; }));
  EXPECT_FALSE(stop.end_of_file);
  EXPECT_EQ(stop.result.verdict, innodb::MtrVerdict::kBadChecksum);
  EXPECT_EQ(stop.Describe().substr(0, 13), "bad_checksum:");
}

TEST(PrepareLogTest, RefusesAnEncryptedLog) {
  MemFileSystem fs;
  innodb::LogHeader h;
  h.format = innodb::kLogFormatEnc11;
  h.crypt[3] = 1;  // key id 1
  std::vector<uint8_t> log = innodb::BuildBackupLogHead(h, {Lsn(kC), Lsn(kC)}, "10.11.19");
  log.resize(12304);
  ASSERT_TRUE(io::WriteStringToFile(fs, "ib_logfile0", std::string(log.begin(), log.end())).ok());
  absl::StatusOr<std::unique_ptr<BackupLogReader>> r = BackupLogReader::Open(fs, ".");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
}

}  // namespace
}  // namespace tidemark::engine
