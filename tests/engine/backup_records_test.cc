// Tests of what a finished backup records: xtrabackup_checkpoints, xtrabackup_info and the
// manifest of a full and of an incremental backup, as mariadb-backup writes them.
#include "engine/backup_records.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace tidemark::engine {
namespace {

BackupResult Result() {
  BackupResult r;
  r.backup_uuid = "0b5e7c44-1111-4222-8333-444455556666";
  r.start_lsn = Lsn(4000);
  r.to_lsn = Lsn(5000);
  r.last_lsn = Lsn(5100);
  r.lock_time = absl::Seconds(2);
  return r;
}

BackupResult IncrementalResult() {
  BackupResult r = Result();
  r.base = IncrementalBase{.lsn = Lsn(3000), .basedir = "/b/full", .backup_uuid = "base-uuid"};
  return r;
}

const std::vector<std::string> kArgs = {"backup", "--target-dir", "/b/inc", "--password=pw"};

BackupRecordContext Context() {
  return {.server_version = "10.11.19-MariaDB-log",
          .page_size = 16384,
          .start_time = absl::FromUnixSeconds(1800000000),
          .end_time = absl::FromUnixSeconds(1800000060),
          .command_line = kArgs,
          .parallel = 4};
}

TEST(BackupRecordsTest, FullCheckpoints) {
  EXPECT_EQ(FormatXtrabackupCheckpoints(CheckpointsRecord(Result())),
            "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 5000\nlast_lsn = 5100\n"
            "recover_binlog_info = 0\n");
}

TEST(BackupRecordsTest, IncrementalCheckpoints) {
  EXPECT_EQ(FormatXtrabackupCheckpoints(CheckpointsRecord(IncrementalResult())),
            "backup_type = incremental\nfrom_lsn = 3000\nto_lsn = 5000\nlast_lsn = 5100\n"
            "recover_binlog_info = 0\n");
}

TEST(BackupRecordsTest, IncrementalInfo) {
  const std::string text = FormatXtrabackupInfo(InfoRecord(IncrementalResult(), Context()));
  EXPECT_TRUE(absl::StrContains(text, "\ninnodb_from_lsn = 3000\ninnodb_to_lsn = 5000\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "\npartial = N\nincremental = Y\nformat = file\n")) << text;
  EXPECT_TRUE(absl::StartsWith(text, "uuid = 0b5e7c44-1111-4222-8333-444455556666\n")) << text;
  EXPECT_TRUE(
      absl::StrContains(text, "\ntool_command = backup --target-dir /b/inc --password=...\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "\nlock_time = 2\n")) << text;
}

TEST(BackupRecordsTest, FullInfo) {
  const XtrabackupInfo xi = InfoRecord(Result(), Context());
  EXPECT_FALSE(xi.incremental);
  EXPECT_EQ(xi.innodb_from_lsn, Lsn(0));
  EXPECT_EQ(xi.innodb_to_lsn, Lsn(5000));
  EXPECT_EQ(xi.server_version, "10.11.19-MariaDB-log");
}

TEST(BackupRecordsTest, IncrementalManifestNamesItsBase) {
  const Manifest m = ManifestRecord(IncrementalResult(), Context());
  EXPECT_EQ(m.kind, BackupKind::kIncremental);
  EXPECT_EQ(m.base_backup_uuid, "base-uuid");
  EXPECT_EQ(m.from_lsn, Lsn(3000));
  EXPECT_EQ(m.to_lsn, Lsn(5000));
  EXPECT_EQ(m.last_lsn, Lsn(5100));
  EXPECT_EQ(m.start_checkpoint_lsn, Lsn(4000));
  EXPECT_EQ(m.backup_uuid, "0b5e7c44-1111-4222-8333-444455556666");
  EXPECT_EQ(m.page_size, 16384u);
  EXPECT_EQ(m.options.parallel, 4u);
  EXPECT_TRUE(m.files.empty());
}

TEST(BackupRecordsTest, FullManifest) {
  const Manifest m = ManifestRecord(Result(), Context());
  EXPECT_EQ(m.kind, BackupKind::kFull);
  EXPECT_EQ(m.base_backup_uuid, "");
  EXPECT_EQ(m.from_lsn, Lsn(0));
  EXPECT_EQ(m.start_time, absl::FromUnixSeconds(1800000000));
  EXPECT_EQ(m.end_time, absl::FromUnixSeconds(1800000060));
}

}  // namespace
}  // namespace tidemark::engine
