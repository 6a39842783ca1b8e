// Unit tests of the backup job's failure handling on scripted SQL sessions and an in-memory
// file system, including the refusal of an incremental's base before anything is written.
// The end-to-end behaviour against real servers is in tests/integration/backup_test.cc and
// tests/integration/incremental_backup_test.cc.
#include "engine/backup_job.h"

#include "absl/strings/str_format.h"
#include "engine/backup_metadata.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/scripted_sql_session.h"

namespace tidemark::engine {
namespace {

TEST(BackupJobTest, PhaseNames) {
  EXPECT_EQ(BackupPhaseName(BackupPhase::kCopyingInnodb), "copying innodb");
  EXPECT_EQ(BackupPhaseName(BackupPhase::kDone), "done");
}

TEST(BackupJobTest, ConnectionFailureWritesNothing) {
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  testing::ScriptedSqlSessionFactory sql;
  sql.AddConnectFailure(absl::UnavailableError("connect to mariadb socket '/x': refused"));
  BackupEnv env{.fs = fs, .clock = clock, .sql = sql};
  auto r = RunBackup({.target_dir = "/backup"}, env);
  EXPECT_EQ(r.status(), absl::UnavailableError("connect to mariadb socket '/x': refused"));
  EXPECT_TRUE(absl::IsNotFound(fs.Stat("/backup").status()));
}

TEST(BackupJobTest, UnsupportedServerIsRefusedBeforeTheTargetIsCreated) {
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  testing::ScriptedSqlSessionFactory sql;
  testing::ScriptedSqlSession& s = sql.AddSession();
  s.ExpectMatch("SHOW GLOBAL VARIABLES.*")
      .Returns({"Variable_name", "Value"}, {{"version", "8.0.36"}, {"version_comment", "MySQL"}});
  BackupEnv env{.fs = fs, .clock = clock, .sql = sql};
  auto r = RunBackup({.target_dir = "/backup"}, env);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsNotFound(fs.Stat("/backup").status())) << r.status();
}

// ------------------------------------------------------------------ incremental base

BackupJobOptions Incremental(IncrementalOptions inc) {
  return {.target_dir = "/backup", .incremental = std::move(inc)};
}

TEST(BackupJobTest, MissingBaseIsRefusedBeforeConnecting) {
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  testing::ScriptedSqlSessionFactory sql;  // no session: connecting would fail the test
  BackupEnv env{.fs = fs, .clock = clock, .sql = sql};
  auto r = RunBackup(Incremental({.basedir = "/backups/full"}), env);
  EXPECT_EQ(r.status(), absl::NotFoundError("incremental base '/backups/full' does not exist"));
  EXPECT_TRUE(absl::IsNotFound(fs.Stat("/backup").status()));
}

TEST(BackupJobTest, BothBaseFlagsAreRefusedBeforeConnecting) {
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  testing::ScriptedSqlSessionFactory sql;
  BackupEnv env{.fs = fs, .clock = clock, .sql = sql};
  auto r = RunBackup(Incremental({.basedir = "/backups/full", .lsn = Lsn(5)}), env);
  EXPECT_EQ(r.status(), absl::InvalidArgumentError(
                            "--incremental-basedir and --incremental-lsn are mutually exclusive"));
}

// The statements of connecting (settings, privileges, the lock connection's id) on a server
// whose current LSN is `lsn`, then SHOW ENGINE INNODB STATUS for the base check.
void ScriptConnectAndLsn(testing::ScriptedSqlSessionFactory& sql, uint64_t lsn) {
  testing::ScriptedSqlSession& main = sql.AddSession();
  std::vector<SqlRow> vars = {
      {"version", "10.11.19-MariaDB-log"}, {"version_comment", "test"},
      {"datadir", "/data/"}, {"innodb_data_home_dir", ""},
      {"innodb_data_file_path", "ibdata1:12M:autoextend"}, {"innodb_log_group_home_dir", "./"},
      {"innodb_log_file_size", "16777216"}, {"innodb_page_size", "16384"},
      {"innodb_undo_directory", "./"}, {"innodb_undo_tablespaces", "0"},
      {"innodb_checksum_algorithm", "full_crc32"}, {"innodb_compression_level", "6"},
      {"innodb_buffer_pool_filename", "ib_buffer_pool"}, {"innodb_encrypt_tables", "OFF"},
      {"innodb_encrypt_log", "OFF"}, {"aria_log_dir_path", "/data/"}, {"log_bin", "OFF"},
      {"log_bin_basename", ""}, {"log_bin_index", ""}, {"gtid_binlog_pos", ""},
      {"gtid_current_pos", ""}, {"server_id", "1"}, {"wsrep_on", "OFF"},
      {"plugin_dir", "/usr/lib/mysql/plugin/"}};
  main.ExpectMatch("SHOW GLOBAL VARIABLES WHERE Variable_name IN \\(.*\\)")
      .Returns({"Variable_name", "Value"}, vars);
  main.ExpectMatch("SELECT plugin_name, plugin_library, plugin_type FROM .*")
      .Returns({"plugin_name", "plugin_library", "plugin_type"}, {});
  main.Expect("SHOW GRANTS")
      .Returns({"Grants"}, {{"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`"}});
  sql.AddSession().Expect("SELECT CONNECTION_ID()").ReturnsValue("CONNECTION_ID()", "7");
  sql.AddSession();  // probe
  sql.AddSession();  // watch
  main.Expect("SHOW ENGINE INNODB STATUS")
      .Returns({"Type", "Name", "Status"},
               {{"InnoDB", "", absl::StrFormat("---\nLOG\n---\nLog sequence number %d\n", lsn)}});
}

TEST(BackupJobTest, BaseAheadOfTheServerIsRefusedBeforeTheTargetIsCreated) {
  testing::MemFileSystem fs;
  testing::FakeClock clock;
  testing::ScriptedSqlSessionFactory sql;
  ScriptConnectAndLsn(sql, 800);
  ASSERT_TRUE(io::CreateDirs(fs, "/backups/full").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, "/backups/full/xtrabackup_checkpoints",
                                    FormatXtrabackupCheckpoints({.to_lsn = Lsn(900)}))
                  .ok());
  BackupEnv env{.fs = fs, .clock = clock, .sql = sql};
  auto r = RunBackup(Incremental({.basedir = "/backups/full"}), env);
  EXPECT_EQ(r.status(), absl::FailedPreconditionError(
                            "incremental base '/backups/full': its to_lsn 900 is ahead of the "
                            "server's current LSN 800: the base is a backup of a different "
                            "server (or of this one before its data was replaced); take a full "
                            "backup"));
  EXPECT_TRUE(absl::IsNotFound(fs.Stat("/backup").status()));
}

}  // namespace
}  // namespace tidemark::engine
