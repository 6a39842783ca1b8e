// Unit tests of the backup job's failure handling on scripted SQL sessions and an in-memory
// file system. The end-to-end behaviour against real servers is in
// tests/integration/backup_test.cc.
#include "engine/backup_job.h"

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

}  // namespace
}  // namespace tidemark::engine
