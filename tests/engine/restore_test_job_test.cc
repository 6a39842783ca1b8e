// Unit tests of restore-test's orchestration on an in-memory file system with a fake server:
// what is refused before a server starts (no backup, an incremental, garbled metadata), that
// a prepared backup is restored into the scratch directory with the backup's settings handed
// to the server, that the scratch directory goes away afterwards (and stays with --keep), and
// that a server that cannot start is an error with its code. The real thing runs in
// tests/integration/restore_test_test.cc.
#include "engine/restore_test_job.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/encoded_backup.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/scripted_sql_session.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;
using testing::ScriptedSqlSession;

// What the fake server saw and was asked to do.
struct FakeServerLog {
  ScratchServerOptions options;
  bool stopped = false;
  bool detached = false;
};

class FakeServer final : public RunningServer {
 public:
  FakeServer(FakeServerLog& log, std::unique_ptr<ScriptedSqlSession> session)
      : log_(log), session_(std::move(session)) {}
  absl::StatusOr<std::unique_ptr<SqlSession>> Connect() override {
    if (session_ == nullptr) return absl::UnavailableError("no more sessions");
    return std::unique_ptr<SqlSession>(std::move(session_));
  }
  absl::Status Stop() override {
    log_.stopped = true;
    return absl::OkStatus();
  }
  void Detach() override { log_.detached = true; }
  bool Running() override { return !log_.stopped; }
  pid_t pid() const override { return 4242; }
  std::string ErrorLogTail(size_t) const override { return "log tail"; }

 private:
  FakeServerLog& log_;
  std::unique_ptr<ScriptedSqlSession> session_;
};

// A session that lists one table, OK with 5 rows.
std::unique_ptr<ScriptedSqlSession> OneGoodTable() {
  auto s = std::make_unique<ScriptedSqlSession>();
  s->ExpectMatch("SELECT table_schema.*").Returns({"table_schema", "table_name"}, {{"db", "t"}});
  s->Expect("CHECK TABLE `db`.`t`")
      .Returns({"Table", "Op", "Msg_type", "Msg_text"}, {{"db.t", "check", "status", "OK"}});
  s->Expect("SELECT COUNT(*) FROM `db`.`t`").ReturnsValue("COUNT(*)", "5");
  return s;
}

class RestoreTestJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TM_ASSERT_OK(io::CreateDirs(fs_, "/scratch"));
    TM_ASSERT_OK(io::CreateDirs(fs_, "/backup/db"));
  }
  void WriteBackup(BackupType type) {
    XtrabackupCheckpoints cp{.backup_type = type};
    TM_ASSERT_OK(io::WriteStringToFile(fs_, "/backup/xtrabackup_checkpoints",
                                       FormatXtrabackupCheckpoints(cp)));
    TM_ASSERT_OK(io::WriteStringToFile(
        fs_, "/backup/backup-my.cnf",
        "[mysqld]\ninnodb_page_size=4096\ninnodb_data_file_path=ibdata1:12M:autoextend\n"
        "innodb_undo_tablespaces=2\ninnodb_data_home_dir=/elsewhere\n"));
    TM_ASSERT_OK(io::WriteStringToFile(fs_, "/backup/ibdata1", std::string(4096, 'i')));
    TM_ASSERT_OK(io::WriteStringToFile(fs_, "/backup/db/t.ibd", std::string(4096, 't')));
  }
  RestoreTestEnv Env(std::unique_ptr<ScriptedSqlSession> session = nullptr,
                     absl::Status start = absl::OkStatus()) {
    pending_ = std::move(session);
    RestoreTestEnv env{.fs = fs_};
    env.start_server = [this, start](const ScratchServerOptions& o)
        -> absl::StatusOr<std::unique_ptr<RunningServer>> {
      log_.options = o;
      auto listed = fs_.ListDir(io::JoinPath(o.datadir, "db"));
      datadir_files_ = listed.ok() ? listed->size() : 0;
      if (listed.ok() && !listed->empty()) datadir_first_ = listed->front().name;
      if (!start.ok()) return start;
      return std::make_unique<FakeServer>(log_, std::move(pending_));
    };
    return env;
  }
  size_t ScratchEntries() { return fs_.ListDir("/scratch").value().size(); }

  testing::MemFileSystem fs_;
  FakeServerLog log_;
  std::unique_ptr<ScriptedSqlSession> pending_;
  size_t datadir_files_ = 0;
  std::string datadir_first_;  // the first name in the datadir's db/ when the server started
  RestoreTestOptions options_{.backup_dir = "/backup", .scratch_parent = "/scratch"};
};

TEST_F(RestoreTestJobTest, MissingBackupIsNotFound) {
  RestoreTestEnv env = Env();
  options_.backup_dir = "/nope";
  EXPECT_TRUE(absl::IsNotFound(RunRestoreTest(options_, env).status()));
  EXPECT_EQ(ScratchEntries(), 0u);
}

TEST_F(RestoreTestJobTest, DirectoryWithoutCheckpointsIsNotABackup) {
  RestoreTestEnv env = Env();
  auto r = RunRestoreTest(options_, env);
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("'/backup' is not a backup"));
  EXPECT_EQ(ScratchEntries(), 0u);
}

TEST_F(RestoreTestJobTest, GarbledCheckpointsIsBadInputNotCorruption) {
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/backup/xtrabackup_checkpoints", "garbage\n"));
  RestoreTestEnv env = Env();
  EXPECT_TRUE(absl::IsFailedPrecondition(RunRestoreTest(options_, env).status()));
}

TEST_F(RestoreTestJobTest, IncrementalIsRefused) {
  WriteBackup(BackupType::kIncremental);
  RestoreTestEnv env = Env();
  auto r = RunRestoreTest(options_, env);
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("is an incremental backup"));
  EXPECT_EQ(ScratchEntries(), 0u);
}

TEST_F(RestoreTestJobTest, PreparedBackupIsRestoredCheckedAndCleanedUp) {
  WriteBackup(BackupType::kLogApplied);
  RestoreTestEnv env = Env(OneGoodTable());
  TM_ASSERT_OK_AND_ASSIGN(RestoreTestResult r, RunRestoreTest(options_, env));
  EXPECT_TRUE(r.report.ok());
  EXPECT_EQ(r.report.total_rows(), 5u);
  EXPECT_FALSE(r.prepared);
  EXPECT_TRUE(log_.stopped);
  EXPECT_EQ(datadir_files_, 1u);  // db/t.ibd was in the datadir when the server started
  EXPECT_EQ(log_.options.cnf.innodb_page_size, 4096u);
  EXPECT_EQ(log_.options.datadir, r.scratch_dir + "/data");
  EXPECT_EQ(log_.options.socket, r.scratch_dir + "/mariadbd.sock");
  // innodb_data_home_dir of backup-my.cnf is not followed out of the scratch directory.
  EXPECT_TRUE(fs_.Stat(r.scratch_dir).status().code() == absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::IsNotFound(fs_.Stat("/elsewhere").status()));
  EXPECT_EQ(ScratchEntries(), 0u);
  EXPECT_TRUE(fs_.Stat("/backup/db/t.ibd").ok());
}

TEST_F(RestoreTestJobTest, EncryptedBackupIsRestoredWithTheKey) {
  WriteBackup(BackupType::kLogApplied);
  io::CryptKey key;
  key.bytes.fill(1);
  for (const char* f : {"db/t.ibd", "backup-my.cnf"}) {
    TM_ASSERT_OK(::tidemark::testing::EncodeFile(fs_, "/backup", f, ".zst.tmenc", &key));
  }
  {
    RestoreTestEnv env = Env();
    auto r = RunRestoreTest(options_, env);
    EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr("is encrypted: no key given"));
    EXPECT_EQ(ScratchEntries(), 0u);
  }
  options_.key = &key;
  RestoreTestEnv env = Env(OneGoodTable());
  TM_ASSERT_OK_AND_ASSIGN(RestoreTestResult r, RunRestoreTest(options_, env));
  EXPECT_TRUE(r.report.ok());
  EXPECT_EQ(datadir_files_, 1u);
  EXPECT_EQ(datadir_first_, "t.ibd") << "decoded, under its plain name";
  EXPECT_EQ(log_.options.cnf.innodb_page_size, 4096u);  // from the encrypted backup-my.cnf
  EXPECT_TRUE(fs_.Stat("/backup/db/t.ibd.zst.tmenc").ok());
}

TEST_F(RestoreTestJobTest, KeepLeavesServerAndScratch) {
  WriteBackup(BackupType::kLogApplied);
  options_.keep = true;
  RestoreTestEnv env = Env(OneGoodTable());
  TM_ASSERT_OK_AND_ASSIGN(RestoreTestResult r, RunRestoreTest(options_, env));
  EXPECT_TRUE(r.kept);
  EXPECT_TRUE(log_.detached);
  EXPECT_FALSE(log_.stopped);
  EXPECT_TRUE(log_.options.detach);
  EXPECT_EQ(r.pid, 4242);
  EXPECT_TRUE(fs_.Stat(r.scratch_dir + "/data/db/t.ibd").ok());
}

TEST_F(RestoreTestJobTest, ServerRefusingTheDataIsDataLossAndCleansUp) {
  WriteBackup(BackupType::kLogApplied);
  RestoreTestEnv env = Env(nullptr, absl::DataLossError("mariadbd exited while starting"));
  auto r = RunRestoreTest(options_, env);
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("restore-test of '/backup'"));
  EXPECT_EQ(ScratchEntries(), 0u);
}

TEST_F(RestoreTestJobTest, MissingServerIsUnavailable) {
  WriteBackup(BackupType::kLogApplied);
  RestoreTestEnv env = Env(nullptr, absl::UnavailableError("mariadbd not found"));
  EXPECT_TRUE(absl::IsUnavailable(RunRestoreTest(options_, env).status()));
}

TEST_F(RestoreTestJobTest, CopyDirectoryCopiesTheTree) {
  WriteBackup(BackupType::kFullBackuped);
  TM_ASSERT_OK(CopyDirectory(fs_, "/backup", "/copy"));
  TM_ASSERT_OK_AND_ASSIGN(std::string t, io::ReadFileToString(fs_, "/copy/db/t.ibd"));
  EXPECT_EQ(t, std::string(4096, 't'));
  TM_ASSERT_OK(RemoveTree(fs_, "/copy"));
  EXPECT_TRUE(absl::IsNotFound(fs_.Stat("/copy").status()));
}

}  // namespace
}  // namespace tidemark::engine
