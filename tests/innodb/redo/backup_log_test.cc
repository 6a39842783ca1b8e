// Tests of the backup's linear log copy: the creator string, the 12288-byte head laid out
// as log_hdr_init lays it out, forced end markers, and a synthetic wrapped server log
// copied into a backup log that reads back to its last LSN. The byte-for-byte comparison
// with mariadb-backup's own output is in real_log_test.cc.
#include "innodb/redo/backup_log.h"

#include <vector>

#include "gtest/gtest.h"
#include "innodb/base/crc32c.h"
#include "innodb/redo/log_writer.h"

namespace tidemark::innodb {
namespace {

bool AllZero(const std::vector<uint8_t>& v, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (v[i] != 0) return false;
  }
  return true;
}

TEST(RedoBackupLogTest, CreatorIsCutTo15Characters) {
  EXPECT_EQ(BackupLogCreator("10.11.19"), "Backup 10.11.19");
  EXPECT_EQ(BackupLogCreator("10.11.100"), "Backup 10.11.10");
}

TEST(RedoBackupLogTest, HeadLayoutIsLogHdrInit) {
  LogHeader server;
  server.first_lsn = Lsn(44404);
  server.creator = "MariaDB 10.11.19";
  const std::vector<uint8_t> head =
      BuildBackupLogHead(server, {Lsn(798631), Lsn(798700)}, "10.11.19");
  ASSERT_EQ(head.size(), 12288u);
  EXPECT_EQ(ReadBe32(head, 0), kLogFormat10_8);
  EXPECT_EQ(ReadBe64(head, 8), 798631u);
  EXPECT_EQ(std::string(head.begin() + 16, head.begin() + 32),
            std::string("Backup 10.11.19\0", 16));
  EXPECT_TRUE(AllZero(head, 32, 508));
  EXPECT_TRUE(AllZero(head, 512, 4096));
  EXPECT_EQ(ReadBe64(head, 4096), 798631u);
  EXPECT_EQ(ReadBe64(head, 4104), 798700u);
  EXPECT_EQ(ReadBe32(head, 4156), Crc32c(ByteSpan(head).subspan(4096, 60)));
  EXPECT_TRUE(AllZero(head, 4160, 12288));  // checkpoint 2 invalid
  absl::StatusOr<LogFileHead> parsed = ParseLogFileHead(head);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->header.written_by_backup());
  EXPECT_EQ(parsed->checkpoint_offset, kLogCheckpoint1);
}

TEST(RedoBackupLogTest, EncryptedSourceKeepsFormatAndCryptBytes) {
  LogHeader server;
  for (size_t i = 0; i < server.crypt.size(); ++i) server.crypt[i] = static_cast<uint8_t>(i + 1);
  WriteBe32(server.crypt, 0, kLogEncryptionKeyId);
  const LogCheckpoint start{Lsn(20000), Lsn(20000)};
  LogHeader back = *ParseLogHeader(BuildBackupLogHead(server, start, "10.11.19"));
  EXPECT_EQ(back.format, kLogFormat10_8);  // 10.8-style encryption stays FORMAT_10_8
  EXPECT_EQ(back.encryption(), LogEncryption::kEnc10_8);
  EXPECT_EQ(back.crypt, server.crypt);
  server.format = kLogFormatEnc11;
  back = *ParseLogHeader(BuildBackupLogHead(server, start, "10.11.19"));
  EXPECT_EQ(back.format, kLogFormatEnc11);
  EXPECT_EQ(back.crypt, server.crypt);
}

TEST(RedoBackupLogTest, FileSizeArithmetic) {
  EXPECT_EQ(BackupLogFileSize(Lsn(798631), Lsn(798735)), 12392u);  // §5.2, verified
  EXPECT_EQ(BackupLogFileSize(Lsn(4223628), Lsn(4226602)), 15262u);
}

// Reads a backup log back from C0; every mtr up to `last` must parse.
size_t CountMtrs(const std::vector<uint8_t>& backup, Lsn c0, Lsn last) {
  const LogGeometry g = *BackupLogGeometry(c0, backup.size());
  MtrReader reader(LogView::OfFile(backup, g, c0, last), MtrFraming{g});
  size_t n = 0;
  for (MtrResult r = reader.Read(); r.ok(); r = reader.Read()) ++n;
  EXPECT_EQ(reader.lsn(), last);
  return n;
}

// A 4 KiB-capacity server log copied from C0 on pass 1 across the wrap into pass 2: the
// copy has every marker at 0x01 whatever the server wrote.
TEST(RedoBackupLogTest, LinearCopyOfAWrappedLogReadsBack) {
  LogImage server = *LogImage::Create(LogHeader{}, kLogStartOffset + 4096);
  server.Seek(Lsn(12288 + 4096 + 3900));  // pass 1: markers are 0x00
  const Lsn c0 = server.lsn();
  for (uint32_t i = 0; i < 20; ++i) {
    server.Append(
        MtrBuilder().Write({SpaceId(5), PageNo(i)}, 100, std::vector<uint8_t>(20, i)).records());
  }
  const Lsn last = server.lsn();
  std::vector<uint8_t> backup = BuildBackupLogHead(LogHeader{}, {c0, c0}, "10.11.19");
  MtrReader copier(server.View(c0, last), MtrFraming{server.geometry()});
  size_t zero_markers = 0;
  for (MtrResult r = copier.Read(); r.ok(); r = copier.Read()) {
    zero_markers += r.mtr.bytes[r.mtr.end_marker_pos()] == 0;
    AppendMtrToBackupLog(r.mtr, backup);
  }
  ASSERT_EQ(copier.lsn(), last);
  EXPECT_GT(zero_markers, 0u);
  EXPECT_LT(zero_markers, 20u);
  ASSERT_EQ(backup.size(), BackupLogFileSize(c0, last));
  EXPECT_EQ(CountMtrs(backup, c0, last), 20u);
}

TEST(RedoBackupLogTest, CopyForcesOnlyTheEndMarker) {
  LogImage server = *LogImage::Create(LogHeader{}, kLogStartOffset + 4096);
  server.Seek(Lsn(12288 + 4096));
  const Lsn start = server.Append(MtrBuilder().InitPage({SpaceId(1), PageNo(7)}).records());
  std::vector<uint8_t> scratch;
  const MtrResult r =
      ReadMtr(server.View(start, server.lsn()), MtrFraming{server.geometry()}, scratch);
  ASSERT_TRUE(r.ok()) << r.detail;
  std::vector<uint8_t> out(r.mtr.size(), 0xEE);
  CopyMtrToBackupLog(r.mtr, out);
  std::vector<uint8_t> original(r.mtr.size());
  r.mtr.bytes.CopyTo(original);
  EXPECT_EQ(original[3], 0x00);
  original[3] = 0x01;
  EXPECT_EQ(out, original);
}

}  // namespace
}  // namespace tidemark::innodb
