// The backup's SQL side against real throwaway MariaDB 10.11 servers (TestServer): the
// Connector/C session (results, NULLs, session settings, error mapping, a KILLed connection),
// ReadServerInfo against the server's real datadir and page size, the privilege check for
// root and for restricted users with and without BINLOG MONITOR, CurrentLsn, the binlog
// position, and a full BACKUP STAGE cycle in which commits of other sessions block.
#include "engine/server_info.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"
#include "engine/mysql_sql_session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using engine::BackupStage;
using engine::ConnectionOptions;
using engine::SqlSession;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;


constexpr char kBackupPassword[] = "bk-Secret-4711";

ConnectionOptions Options(const TestServer& server, std::string user = "root",
                          std::optional<std::string> password = std::nullopt) {
  ConnectionOptions o;
  o.socket = server.socket();
  o.user = std::move(user);
  o.password = std::move(password);
  o.connect_timeout = std::chrono::seconds(10);
  return o;
}

// One server with the binary log (TestServer's default) shared by the tests of the suite.
class ServerInfoIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!RequireMariaDb()) return;
    absl::StatusOr<std::unique_ptr<TestServer>> s = TestServer::Start();
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << "no MariaDB server (see RequireMariaDb)";
  }
  std::unique_ptr<SqlSession> Connect(std::string user = "root",
                                      std::optional<std::string> password = std::nullopt) {
    absl::StatusOr<std::unique_ptr<SqlSession>> s =
        engine::ConnectMysql(Options(*server_, std::move(user), std::move(password)));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Creates `user` with kBackupPassword and the given global privileges.
  void CreateUser(const std::string& user, const std::string& privileges) {
    ASSERT_TRUE(server_
                    ->Query(absl::StrFormat("CREATE USER '%s'@'localhost' IDENTIFIED BY '%s'", user,
                                            kBackupPassword))
                    .ok());
    ASSERT_TRUE(
        server_->Query(absl::StrFormat("GRANT %s ON *.* TO '%s'@'localhost'", privileges, user))
            .ok());
  }

  static TestServer* server_;
};
TestServer* ServerInfoIntegrationTest::server_ = nullptr;

// ---------------------------------------------------------------------- the session

TEST_F(ServerInfoIntegrationTest, QueryReturnsColumnsRowsAndNulls) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(engine::SqlResult r, s->Query("SELECT 1 AS a, NULL AS b, '' AS c"));
  EXPECT_EQ(r.columns, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r.rows, (std::vector<engine::SqlRow>{{"1", std::nullopt, ""}}));
  TM_ASSERT_OK_AND_ASSIGN(engine::SqlResult empty, s->Query("SELECT 1 FROM DUAL WHERE 0"));
  EXPECT_EQ(empty.columns.size(), 1u);
  EXPECT_TRUE(empty.rows.empty());
  TM_ASSERT_OK_AND_ASSIGN(engine::SqlResult none, s->Query("DO 1"));
  EXPECT_TRUE(none.columns.empty());
  EXPECT_TRUE(s->Execute("SELECT 2").ok());  // result discarded, connection stays in sync
  EXPECT_EQ(s->QueryValue("SELECT 3").value_or("?"), "3");
  EXPECT_THAT(s->ServerVersion(), HasSubstr("MariaDB"));
}

TEST_F(ServerInfoIntegrationTest, SessionSettingsAreApplied) {
  engine::SessionOptions lock;
  lock.lock_wait_timeout = engine::kBackupLockWaitTimeout;
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlSession> s,
                          engine::ConnectMysql(Options(*server_), lock));
  TM_ASSERT_OK_AND_ASSIGN(engine::SqlRow row,
                          s->QueryRow("SELECT @@SESSION.lock_wait_timeout, @@SESSION.wait_timeout, "
                                      "@@SESSION.max_statement_time"));
  EXPECT_EQ(row, (engine::SqlRow{"31536000", "2147483", "0.000000"}));
  std::unique_ptr<SqlSession> plain = Connect();
  ASSERT_NE(plain, nullptr);
  EXPECT_NE(plain->QueryValue("SELECT @@SESSION.lock_wait_timeout").value_or("?"), "31536000");
}

TEST_F(ServerInfoIntegrationTest, SqlErrorsKeepTheirCodes) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  absl::Status syntax = s->Execute("SELEC 1");
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(syntax.message()), StartsWith("'SELEC 1' failed: You have an error"));
  EXPECT_THAT(std::string(syntax.message()), HasSubstr("(error 1064)"));
  absl::Status unknown = s->Execute("SELECT @@no_such_variable");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(unknown.message()),
            "'SELECT @@no_such_variable' failed: Unknown system variable 'no_such_variable' "
            "(error 1193)");
  EXPECT_TRUE(s->Execute("DO 1").ok());  // still usable after a statement error
}

TEST_F(ServerInfoIntegrationTest, WrongPasswordIsPermissionDenied) {
  CreateUser("bk_pw", "RELOAD");
  absl::StatusOr<std::unique_ptr<SqlSession>> s =
      engine::ConnectMysql(Options(*server_, "bk_pw", "not-the-password"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(s.status().message()),
            absl::StrFormat("connect to mariadb socket '%s' as 'bk_pw': Access denied for user "
                            "'bk_pw'@'localhost' (using password: YES) (error 1045)",
                            server_->socket()));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("not-the-password")));
  EXPECT_NE(Connect("bk_pw", kBackupPassword), nullptr);
}

TEST_F(ServerInfoIntegrationTest, UserAndPasswordFromOptionFile) {
  CreateUser("bk_cnf", "RELOAD");
  const std::string cnf = server_->dir() + "/client.cnf";
  {
    std::ofstream out(cnf);
    out << "[client]\nuser=bk_cnf\n[tidemark]\npassword=" << kBackupPassword << "\n";
  }
  ConnectionOptions o = Options(*server_, /*user=*/"");
  o.defaults_file = cnf;
  // [client] is always read: the user comes from it, but the password is in [tidemark].
  EXPECT_EQ(engine::ConnectMysql(o).status().code(), absl::StatusCode::kPermissionDenied);
  o.defaults_group = "tidemark";
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlSession> s, engine::ConnectMysql(o));
  EXPECT_EQ(s->QueryValue("SELECT CURRENT_USER()").value_or("?"), "bk_cnf@localhost");
}

// Waits until connection `id` runs a statement starting with `prefix`.
bool WaitForStatement(TestServer& server, const std::string& id, const std::string& prefix) {
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> n = server.QueryValue(absl::StrFormat(
        "SELECT COUNT(*) FROM information_schema.processlist WHERE id = %s AND info LIKE '%s%%'",
        id, prefix));
    if (n.ok() && *n == "1") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(ServerInfoIntegrationTest, KilledConnectionIsUnavailable) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(std::string id, s->QueryValue("SELECT CONNECTION_ID()"));
  ASSERT_TRUE(server_->Query("KILL " + id).ok());
  absl::Status after = s->Execute("SHOW ENGINE INNODB STATUS");
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable) << after;
  EXPECT_THAT(std::string(after.message()),
              StartsWith("mariadb connection lost during 'SHOW ENGINE INNODB STATUS': "));
}

TEST_F(ServerInfoIntegrationTest, ConnectionKilledMidQueryIsUnavailable) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(std::string id, s->QueryValue("SELECT CONNECTION_ID()"));
  absl::Status during;
  std::thread worker([&] { during = s->Execute("SELECT SLEEP(60)"); });
  bool running = WaitForStatement(*server_, id, "SELECT SLEEP");
  EXPECT_TRUE(server_->Query("KILL " + id).ok());
  worker.join();
  ASSERT_TRUE(running);
  EXPECT_EQ(during.code(), absl::StatusCode::kUnavailable) << during;
  EXPECT_THAT(std::string(during.message()),
              StartsWith("mariadb connection lost during 'SELECT SLEEP(60)': "));
}

// ------------------------------------------------------------------ ReadServerInfo

TEST_F(ServerInfoIntegrationTest, ReadServerInfoMatchesTheServer) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  EXPECT_EQ(info.version.flavor, "MariaDB");
  EXPECT_EQ(info.version.major, 10);
  EXPECT_EQ(info.version.minor, 11);
  EXPECT_TRUE(fs::equivalent(info.datadir, server_->datadir()));
  EXPECT_EQ(info.innodb_page_size, 16384u);
  EXPECT_EQ(info.innodb_log_file_size, 16u << 20);  // TestServerOptions::log_file_size
  EXPECT_EQ(info.innodb_checksum_algorithm, "full_crc32");
  EXPECT_TRUE(fs::exists(info.ResolvedDataHomeDir() + "ibdata1"));
  EXPECT_TRUE(fs::exists(info.ResolvedLogGroupHomeDir() + "ib_logfile0"));
  EXPECT_TRUE(fs::is_directory(info.ResolvedUndoDirectory()));
  EXPECT_TRUE(info.log_bin);
  EXPECT_EQ(info.log_bin_basename, server_->datadir() + "/binlog");
  EXPECT_EQ(info.server_id, 1u);
  EXPECT_EQ(info.innodb_data_file_path,
            server_->QueryValue("SELECT @@innodb_data_file_path").value_or("?"));
  EXPECT_TRUE(info.plugins.empty());
}

// ---------------------------------------------------------------------- privileges

TEST_F(ServerInfoIntegrationTest, RootHasEveryPrivilege) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  engine::PrivilegeNeeds all{.kill_long_queries = true, .checkpoint_now = true};
  EXPECT_TRUE(engine::CheckBackupPrivileges(*s, info, all).ok());
  EXPECT_TRUE(engine::SetCheckpointNow(*s).ok());
}

TEST_F(ServerInfoIntegrationTest, ReloadAndProcessLackBinlogMonitorOnLogBinServer) {
  CreateUser("bk_nomon", "RELOAD, PROCESS");
  std::unique_ptr<SqlSession> s = Connect("bk_nomon", kBackupPassword);
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  EXPECT_EQ(engine::CheckBackupPrivileges(*s, info),
            absl::PermissionDeniedError(
                "missing privileges: BINLOG MONITOR (needed because log_bin is ON)"));
  // The check predicts what the server then says.
  EXPECT_EQ(engine::ReadBinlogPosition(*s).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(engine::SetCheckpointNow(*s).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(engine::CurrentLsn(*s).ok());
  EXPECT_TRUE(engine::FlushEngineLogs(*s).ok());
}

TEST_F(ServerInfoIntegrationTest, WithBinlogMonitorTheCheckPasses) {
  CreateUser("bk_mon", "RELOAD, PROCESS, BINLOG MONITOR");
  std::unique_ptr<SqlSession> s = Connect("bk_mon", kBackupPassword);
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  EXPECT_TRUE(engine::CheckBackupPrivileges(*s, info).ok());
  EXPECT_TRUE(engine::ReadBinlogPosition(*s).ok());
  EXPECT_TRUE(engine::EnterBackupStage(*s, BackupStage::kStart).ok());
  EXPECT_TRUE(engine::EnterBackupStage(*s, BackupStage::kEnd).ok());
}

TEST_F(ServerInfoIntegrationTest, UsageOnlyUserMissesEverything) {
  CreateUser("bk_usage", "USAGE");
  std::unique_ptr<SqlSession> s = Connect("bk_usage", kBackupPassword);
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  EXPECT_EQ(engine::CheckBackupPrivileges(*s, info),
            absl::PermissionDeniedError("missing privileges: RELOAD, PROCESS, BINLOG MONITOR "
                                        "(needed because log_bin is ON)"));
  EXPECT_EQ(engine::EnterBackupStage(*s, BackupStage::kStart).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(engine::CurrentLsn(*s).status().code(), absl::StatusCode::kPermissionDenied);
}

// ----------------------------------------------------------------- LSN and binlog

TEST_F(ServerInfoIntegrationTest, CurrentLsnIncreasesAfterWrites) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(Lsn before, engine::CurrentLsn(*s));
  absl::Status write = server_->Query(
      "CREATE TABLE IF NOT EXISTS test.lsn_t (id INT PRIMARY KEY, v TEXT) ENGINE=InnoDB; "
      "INSERT INTO test.lsn_t SELECT seq, REPEAT('x', 200) FROM test.seq_1_to_2000 "
      "ON DUPLICATE KEY UPDATE v = REPEAT('y', 200)");
  ASSERT_TRUE(write.ok()) << write;
  TM_ASSERT_OK_AND_ASSIGN(Lsn after, engine::CurrentLsn(*s));
  EXPECT_GT(after.value(), before.value() + 2000 * 200);
  EXPECT_TRUE(engine::FlushEngineLogs(*s).ok());
}

TEST_F(ServerInfoIntegrationTest, BinlogPositionMatchesShowMasterStatus) {
  ASSERT_TRUE(server_
                  ->Query("CREATE TABLE IF NOT EXISTS test.binlog_t (id INT) ENGINE=InnoDB; "
                          "INSERT INTO test.binlog_t VALUES (1)")
                  .ok());
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  TM_ASSERT_OK_AND_ASSIGN(std::optional<engine::BinlogPosition> pos,
                          engine::ReadBinlogPosition(*s));
  ASSERT_TRUE(pos.has_value());
  TM_ASSERT_OK_AND_ASSIGN(std::vector<Row> status, server_->QueryRows("SHOW MASTER STATUS"));
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(pos->file, status[0][0]);
  EXPECT_EQ(absl::StrFormat("%d", pos->position), status[0][1]);
  EXPECT_EQ(pos->gtid_current_pos, server_->QueryValue("SELECT @@gtid_current_pos").value_or("?"));
  EXPECT_EQ(pos->gtid_binlog_pos, server_->QueryValue("SELECT @@gtid_binlog_pos").value_or("?"));
  EXPECT_THAT(pos->gtid_current_pos, ::testing::MatchesRegex("0-1-[0-9]+"));
  EXPECT_EQ(engine::FormatXtrabackupBinlogInfo(*pos),
            absl::StrFormat("%s\t%s\t%s\n", status[0][0], status[0][1], pos->gtid_current_pos));
}

// ---------------------------------------------------------------------- BACKUP STAGE

// Runs one autocommit INSERT on a session whose lock_wait_timeout is 1 second.
absl::Status InsertWithShortLockWait(const TestServer& server) {
  engine::SessionOptions quick;
  quick.lock_wait_timeout = std::chrono::seconds(1);
  absl::StatusOr<std::unique_ptr<SqlSession>> s = engine::ConnectMysql(Options(server), quick);
  if (!s.ok()) return s.status();
  return (*s)->Execute("INSERT INTO test.stage_t VALUES (1)");
}

TEST_F(ServerInfoIntegrationTest, FullBackupStageCycleBlocksCommitsOnlyUnderBlockCommit) {
  ASSERT_TRUE(
      server_->Query("CREATE TABLE IF NOT EXISTS test.stage_t (id INT) ENGINE=InnoDB").ok());
  std::unique_ptr<SqlSession> lock = Connect();
  ASSERT_NE(lock, nullptr);
  ASSERT_TRUE(engine::SetBackupLockTimeout(*lock).ok());
  for (BackupStage stage : {BackupStage::kStart, BackupStage::kFlush, BackupStage::kBlockDdl}) {
    ASSERT_TRUE(engine::EnterBackupStage(*lock, stage).ok()) << engine::BackupStageName(stage);
  }
  EXPECT_TRUE(InsertWithShortLockWait(*server_).ok());  // DML still runs under BLOCK_DDL
  ASSERT_TRUE(engine::EnterBackupStage(*lock, BackupStage::kBlockCommit).ok());
  absl::Status blocked = InsertWithShortLockWait(*server_);
  EXPECT_EQ(blocked.code(), absl::StatusCode::kDeadlineExceeded) << blocked;
  EXPECT_THAT(std::string(blocked.message()),
              StartsWith("'INSERT INTO test.stage_t VALUES (1)' failed: Lock wait timeout "
                         "exceeded"));
  TM_ASSERT_OK_AND_ASSIGN(Lsn lsn, engine::CurrentLsn(*lock));
  EXPECT_GT(lsn.value(), 0u);
  EXPECT_TRUE(engine::ReadBinlogPosition(*lock).ok());
  ASSERT_TRUE(engine::EnterBackupStage(*lock, BackupStage::kEnd).ok());
  EXPECT_TRUE(InsertWithShortLockWait(*server_).ok());
}

TEST_F(ServerInfoIntegrationTest, StagesOutOfOrderAreFailedPrecondition) {
  std::unique_ptr<SqlSession> s = Connect();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(engine::EnterBackupStage(*s, BackupStage::kFlush),
            absl::FailedPreconditionError("'BACKUP STAGE FLUSH' failed: You must start backup "
                                          "with \"BACKUP STAGE START\" (error 4146)"));
  ASSERT_TRUE(engine::EnterBackupStage(*s, BackupStage::kStart).ok());
  absl::Status again = engine::EnterBackupStage(*s, BackupStage::kStart);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("(error 4147)"));
  EXPECT_TRUE(engine::EnterBackupStage(*s, BackupStage::kEnd).ok());
}

// ------------------------------------------------------- a server without the binlog

TEST(ServerInfoNoBinlogTest, ReloadAndProcessSufficeAndPageSizeIsRead) {
  TM_REQUIRE_MARIADB();
  TestServerOptions options;
  options.bootstrap_args = {"--innodb-page-size=8k"};
  options.server_args = {"--skip-log-bin"};
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start(options));
  ASSERT_TRUE(server
                  ->Query(absl::StrFormat("CREATE USER 'bk'@'localhost' IDENTIFIED BY '%s'; "
                                          "GRANT RELOAD, PROCESS ON *.* TO 'bk'@'localhost'",
                                          kBackupPassword))
                  .ok());
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlSession> s,
                          engine::ConnectMysql(Options(*server, "bk", kBackupPassword)));
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  EXPECT_FALSE(info.log_bin);
  EXPECT_EQ(info.innodb_page_size, 8192u);
  EXPECT_TRUE(engine::CheckBackupPrivileges(*s, info).ok());
  // SHOW MASTER STATUS checks BINLOG MONITOR even with the binlog off: the backup must not
  // call ReadBinlogPosition when info.log_bin is false.
  EXPECT_EQ(engine::ReadBinlogPosition(*s).status().code(), absl::StatusCode::kPermissionDenied);
  std::unique_ptr<SqlSession> root = nullptr;
  TM_ASSERT_OK_AND_ASSIGN(root, engine::ConnectMysql(Options(*server)));
  TM_ASSERT_OK_AND_ASSIGN(std::optional<engine::BinlogPosition> pos,
                          engine::ReadBinlogPosition(*root));
  EXPECT_FALSE(pos.has_value());
}

// --------------------------------------------- encryption plugin and undo tablespaces

TEST(ServerInfoEncryptionTest, ReadsKeyManagementPluginAndUndoSettings) {
  TM_REQUIRE_MARIADB();
  TestServerOptions options;
  options.bootstrap_args = {"--innodb-undo-tablespaces=2"};
  options.server_args = {"--plugin-load-add=file_key_management",
                         "--file-key-management-filename={dir}/keys.txt",
                         "--innodb-encrypt-tables=ON", "--innodb-encrypt-log=ON"};
  options.files = {
      {"keys.txt", "1;4a8e3b0f6c1d2e9a7b5c3d1e0f2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6\n"}};
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server, TestServer::Start(options));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqlSession> s, engine::ConnectMysql(Options(*server)));
  TM_ASSERT_OK_AND_ASSIGN(engine::ServerInfo info, engine::ReadServerInfo(*s));
  EXPECT_EQ(info.innodb_undo_tablespaces, 2u);
  EXPECT_TRUE(fs::exists(info.ResolvedUndoDirectory() + "undo001"));
  EXPECT_EQ(info.innodb_encrypt_tables, "ON");
  EXPECT_TRUE(info.innodb_encrypt_log);
  ASSERT_EQ(info.plugins.size(), 1u);
  const engine::ServerPlugin& plugin = info.plugins[0];
  EXPECT_EQ(plugin.name, "file_key_management");
  EXPECT_EQ(plugin.library, "file_key_management");
  EXPECT_TRUE(plugin.is_encryption);
  std::map<std::string, std::string> vars(plugin.variables.begin(), plugin.variables.end());
  EXPECT_EQ(vars["file_key_management_filename"], server->dir() + "/keys.txt");
  EXPECT_TRUE(vars.contains("file_key_management_encryption_algorithm"));
  EXPECT_TRUE(vars.contains("file_key_management_filekey"));
}

}  // namespace
}  // namespace tidemark::testing
