// The redo library against logs written by MariaDB 10.11.19 and mariadb-backup 10.11.19
// (fixtures/redo/README.md): a 4 MiB server log that wrapped, cut to the region from a
// recorded LSN to past its end, and the ib_logfile0 of a backup taken from that server.
// Every mtr must frame and checksum, DDL must show up as FILE_* records, the end must be
// the LSN the server reported, and our backup head and linear copy must be byte-identical
// to mariadb-backup's.
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/mtr.h"
#include "innodb/redo/record.h"
#include "tests/support/test_paths.h"

namespace tidemark::innodb {
namespace {

// Values printed by fixtures/redo/make_fixtures.sh when the fixtures were made.
constexpr uint64_t kFileSize = 4194304;
constexpr Lsn kRegionStart(4086426);  // "Log sequence number" read before the DDL
constexpr Lsn kWrapLsn(4194304);      // first LSN of pass 1
constexpr Lsn kLogEnd(4226743);       // error log: "Shutdown completed; log sequence number"
constexpr LogCheckpoint kFinalCheckpoint{Lsn(4226727), Lsn(4226727)};
constexpr LogCheckpoint kBackupStart{Lsn(4223628), Lsn(4223628)};  // C0, E0
constexpr Lsn kBackupLastLsn(4226602);  // xtrabackup_checkpoints last_lsn

std::vector<uint8_t> Fixture(const std::string& name) {
  std::ifstream in(testing::SourceDir() + "/fixtures/redo/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The server's ib_logfile0 with everything outside the fixtures' cuts zeroed.
std::vector<uint8_t> ServerImage(const LogGeometry& g) {
  std::vector<uint8_t> file(kFileSize, 0);
  const std::vector<uint8_t> head = Fixture("wrapped_4m.head");
  const std::vector<uint8_t> region = Fixture("wrapped_4m.region");
  std::copy(head.begin(), head.end(), file.begin());
  const size_t at = g.Offset(kRegionStart);
  const size_t first = kFileSize - at;
  std::copy_n(region.begin(), first, file.begin() + at);
  std::copy(region.begin() + first, region.end(), file.begin() + kLogStartOffset);
  return file;
}

struct ServerLog {
  LogFileHead head;
  LogGeometry geometry;
  std::vector<uint8_t> file;
  MtrFraming framing() const { return {geometry, LogEncryption::kNone}; }
  LogView From(Lsn lsn) const {
    return LogView::OfFile(file, geometry, lsn, Lsn(lsn.value() + geometry.capacity()));
  }
};

ServerLog LoadServerLog() {
  LogFileHead head = *ParseLogFileHead(Fixture("wrapped_4m.head"));
  LogGeometry g = *LogGeometry::Create(head.header.first_lsn, kFileSize);
  return ServerLog{head, g, ServerImage(g)};
}

TEST(RedoRealLogTest, ServerHeaderAndCheckpoint) {
  absl::StatusOr<LogFileHead> head = ParseLogFileHead(Fixture("wrapped_4m.head"));
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->header.format, kLogFormat10_8);
  EXPECT_EQ(head->header.first_lsn, Lsn(12288));
  EXPECT_EQ(head->header.creator, "MariaDB 10.11.19");
  EXPECT_EQ(head->header.encryption(), LogEncryption::kNone);
  EXPECT_EQ(head->checkpoint, kFinalCheckpoint);
  EXPECT_EQ(head->checkpoint_offset, kLogCheckpoint2);
}

TEST(RedoRealLogTest, EveryMtrParsesAcrossTheWrapToTheServersEndLsn) {
  const ServerLog log = LoadServerLog();
  MtrReader reader(log.From(kRegionStart), log.framing());
  size_t mtrs = 0, split = 0;
  MtrResult r;
  for (r = reader.Read(); r.ok(); r = reader.Read()) {
    ++mtrs;
    split += r.mtr.bytes.is_split();
    const Lsn marker_lsn(r.mtr.start_lsn().value() + r.mtr.end_marker_pos());
    EXPECT_EQ(r.mtr.bytes[r.mtr.end_marker_pos()], marker_lsn < kWrapLsn ? 1 : 0)
        << r.mtr.start_lsn().value();
  }
  EXPECT_EQ(r.verdict, MtrVerdict::kEndMarker) << r.detail;
  EXPECT_EQ(r.lsn, kLogEnd);
  EXPECT_EQ(mtrs, 1243u);
  EXPECT_EQ(split, 1u);  // the mtr at 4194177 runs over the end of the file
}

TEST(RedoRealLogTest, LogEndsWithTheCheckpointMtr) {
  const ServerLog log = LoadServerLog();
  std::vector<uint8_t> scratch;
  const MtrResult r = ReadMtr(log.From(log.head.checkpoint.end_lsn), log.framing(), scratch);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.mtr.end_lsn(), kLogEnd);
  RecordReader records(r.mtr.records().Contiguous(scratch), LogEncryption::kNone);
  RedoRecord rec;
  ASSERT_TRUE(records.Next(rec));
  EXPECT_EQ(rec.file_type(), FileRecordType::kCheckpoint);
  EXPECT_EQ(rec.checkpoint_lsn, kFinalCheckpoint.checkpoint_lsn);
  EXPECT_FALSE(records.Next(rec));
}

using FileOp = std::tuple<uint8_t, uint32_t, std::string, std::string>;

struct Ddl {
  std::vector<FileOp> ops;               // FILE_CREATE/DELETE/RENAME in log order
  std::vector<uint32_t> created_spaces;  // INIT_PAGE of page 0
};

Ddl CollectDdl(const ServerLog& log) {
  MtrReader reader(log.From(kRegionStart), log.framing());
  Ddl ddl;
  std::vector<uint8_t> scratch;
  for (MtrResult r = reader.Read(); r.ok(); r = reader.Read()) {
    RecordReader records(r.mtr.records().Contiguous(scratch), LogEncryption::kNone);
    for (RedoRecord rec; records.Next(rec);) {
      if (rec.IsFirstPageInit()) ddl.created_spaces.push_back(rec.page.space.value());
      if (rec.kind != RecordKind::kFile || rec.file_type() == FileRecordType::kModify ||
          rec.file_type() == FileRecordType::kCheckpoint)
        continue;
      ddl.ops.emplace_back(rec.type_byte & 0xF0, rec.page.space.value(), rec.name, rec.new_name);
    }
    EXPECT_TRUE(records.status().ok()) << records.status();
  }
  return ddl;
}

TEST(RedoRealLogTest, FileRecordsNameTheDdl) {
  const Ddl ddl = CollectDdl(LoadServerLog());
  const std::vector<FileOp> expected = {
      {0x80, 8, "./rt/t_new.ibd", ""},
      {0xA0, 8, "./rt/t_new.ibd", "./rt/t_renamed.ibd"},
      {0xA0, 6, "./rt/t_trunc.ibd", "./rt/#sql-ib19.ibd"},  // TRUNCATE: rename, create, drop
      {0x80, 9, "./rt/t_trunc.ibd", ""},
      {0x90, 6, "./rt/#sql-ib19.ibd", ""},
      {0x90, 7, "./rt/t_drop.ibd", ""},
      {0x80, 10, "./rt/t_tmp.ibd", ""},
      {0x90, 10, "./rt/t_tmp.ibd", ""}};
  EXPECT_EQ(ddl.ops, expected);
  EXPECT_EQ(ddl.created_spaces, (std::vector<uint32_t>{8, 9, 10}));
}

TEST(RedoRealLogTest, OneFlippedByteStopsTheLogAtThatMtr) {
  ServerLog log = LoadServerLog();
  const Lsn create_mtr(4218335);  // FILE_CREATE ./rt/t_trunc.ibd + INIT_PAGE 9:0
  log.file[log.geometry.Offset(Lsn(create_mtr.value() + 8))] ^= 0x20;
  MtrReader reader(log.From(kRegionStart), log.framing());
  MtrResult r;
  for (r = reader.Read(); r.ok(); r = reader.Read()) {
  }
  EXPECT_EQ(r.verdict, MtrVerdict::kBadChecksum);
  EXPECT_EQ(r.lsn, create_mtr);
}

TEST(RedoRealLogTest, BackupHeadIsByteIdenticalToMariadbBackup) {
  const std::vector<uint8_t> backup = Fixture("backup_ib_logfile0");
  const LogHeader server = *ParseLogHeader(Fixture("wrapped_4m.head"));
  const std::vector<uint8_t> ours = BuildBackupLogHead(server, kBackupStart, "10.11.19");
  ASSERT_GE(backup.size(), kLogStartOffset);
  EXPECT_EQ(ours, std::vector<uint8_t>(backup.begin(), backup.begin() + kLogStartOffset));
  absl::StatusOr<LogFileHead> head = ParseLogFileHead(backup);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->header.creator, "Backup 10.11.19");
  EXPECT_TRUE(head->header.written_by_backup());
  EXPECT_EQ(head->checkpoint, kBackupStart);
  EXPECT_EQ(head->checkpoint_offset, kLogCheckpoint1);
}

TEST(RedoRealLogTest, LinearCopyOfTheServerLogIsMariadbBackupsDataArea) {
  const ServerLog log = LoadServerLog();
  const std::vector<uint8_t> backup = Fixture("backup_ib_logfile0");
  ASSERT_EQ(backup.size(), BackupLogFileSize(kBackupStart.checkpoint_lsn, kBackupLastLsn));
  MtrReader reader(
      LogView::OfFile(log.file, log.geometry, kBackupStart.checkpoint_lsn, kBackupLastLsn),
      log.framing());
  std::vector<uint8_t> copy;
  size_t mtrs = 0;
  for (MtrResult r = reader.Read(); r.ok(); r = reader.Read(), ++mtrs) {
    EXPECT_EQ(r.mtr.bytes[r.mtr.end_marker_pos()], 0);  // pass 1 on the server
    AppendMtrToBackupLog(r.mtr, copy);
  }
  EXPECT_EQ(reader.lsn(), kBackupLastLsn);
  EXPECT_EQ(mtrs, 53u);
  EXPECT_EQ(copy, std::vector<uint8_t>(backup.begin() + kLogStartOffset, backup.end()));
}

TEST(RedoRealLogTest, BackupLogReadsBackToItsLastLsn) {
  const std::vector<uint8_t> backup = Fixture("backup_ib_logfile0");
  const LogFileHead head = *ParseLogFileHead(backup);
  const LogGeometry g = *BackupLogGeometry(head.header.first_lsn, backup.size());
  const ByteSpan data = ByteSpan(backup).subspan(kLogStartOffset);
  // As recovery sees it: after last_lsn the ring continues at offset 12288 again.
  MtrReader reader(LogView(head.checkpoint.checkpoint_lsn, data, data), MtrFraming{g});
  MtrResult r;
  for (r = reader.Read(); r.ok(); r = reader.Read()) {
  }
  EXPECT_EQ(r.lsn, kBackupLastLsn);
  EXPECT_EQ(r.verdict, MtrVerdict::kBadSequenceBit) << r.detail;
}

TEST(RedoRealLogTest, XtrabackupCheckpointsAgree) {
  const std::vector<uint8_t> text = Fixture("backup_xtrabackup_checkpoints");
  EXPECT_EQ(std::string(text.begin(), text.end()),
            "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 4223644\nlast_lsn = 4226602\n"
            "recover_binlog_info = 0\n");
}

// ---- An innodb_encrypt_log=ON server (FORMAT_ENC_11): the first 32 KiB of its log.
constexpr Lsn kEncFirstLsn(44794);

TEST(RedoRealLogTest, Enc11HeaderKeepsTheEncryptionInfo) {
  absl::StatusOr<LogFileHead> head = ParseLogFileHead(Fixture("enc11_4m.start"));
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->header.format, kLogFormatEnc11);
  EXPECT_EQ(head->header.encryption(), LogEncryption::kEnc11);
  EXPECT_EQ(head->header.first_lsn, kEncFirstLsn);
  EXPECT_EQ(ReadBe32(head->header.crypt, 0), 1u);  // key id
  EXPECT_EQ(ReadBe32(head->header.crypt, 4), 1u);  // key version
  EXPECT_EQ(head->checkpoint, (LogCheckpoint{Lsn(131391), Lsn(131391)}));
  const std::vector<uint8_t> ours = BuildBackupLogHead(head->header, kBackupStart, "10.11.19");
  const LogHeader back = *ParseLogHeader(ours);
  EXPECT_EQ(back.format, kLogFormatEnc11);
  EXPECT_EQ(back.crypt, head->header.crypt);
}

bool EndsInIbd(ByteSpan b) { return b.size() >= 4 && std::string(b.end() - 4, b.end()) == ".ibd"; }

TEST(RedoRealLogTest, Enc11MtrsFrameWithTheirNonceUntilTheCut) {
  const std::vector<uint8_t> file = Fixture("enc11_4m.start");
  MtrReader reader(
      LogView(kEncFirstLsn, ByteSpan(file).subspan(kLogStartOffset)),
      MtrFraming{*LogGeometry::Create(kEncFirstLsn, kFileSize), LogEncryption::kEnc11});
  std::vector<uint8_t> file_types, scratch;
  size_t mtrs = 0;
  MtrResult r;
  for (r = reader.Read(); r.ok(); r = reader.Read(), ++mtrs) {
    EXPECT_EQ(r.mtr.nonce_size, 8u);
    RecordReader records(r.mtr.records().Contiguous(scratch), LogEncryption::kEnc11);
    for (RedoRecord rec; records.Next(rec);) {
      EXPECT_EQ(rec.cipher, RecordCipher::kBody);
      if (rec.kind != RecordKind::kFile) continue;
      file_types.push_back(rec.type_byte & 0xF0);
      EXPECT_FALSE(EndsInIbd(rec.payload));  // names are ciphertext
    }
  }
  EXPECT_EQ(r.verdict, MtrVerdict::kIncomplete) << r.detail;
  EXPECT_EQ(r.lsn, Lsn(65169));
  EXPECT_EQ(mtrs, 270u);
  // FILE_CHECKPOINT, then CREATE DATABASE/TABLE: FILE_MODIFY, FILE_CREATE, FILE_MODIFY x2.
  EXPECT_EQ(file_types, (std::vector<uint8_t>{0xF0, 0xB0, 0x80, 0xB0, 0xB0}));
}

}  // namespace
}  // namespace tidemark::innodb
