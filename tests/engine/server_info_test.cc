// Tests of the backup's SQL conversation over the scripted session: reading server settings
// and plugins, the version table, the privilege check on SHOW GRANTS output, BACKUP STAGE,
// the LSN from SHOW ENGINE INNODB STATUS, the binlog position and the info-file lines, and
// each failure mode with its exact code and message.
#include "engine/server_info.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/support/scripted_sql_session.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::ScriptedSqlSession;

constexpr char kVariablesRegex[] = "SHOW GLOBAL VARIABLES WHERE Variable_name IN \\(.*\\)";
constexpr char kPluginsRegex[] = "SELECT plugin_name, plugin_library, plugin_type FROM .*";

// SHOW GLOBAL VARIABLES of a 10.11 server as the Debian package reports them.
std::map<std::string, std::string> Variables() {
  return {{"version", "10.11.19-MariaDB-0+deb12u1-log"},
          {"version_comment", "Debian 12"},
          {"datadir", "/var/lib/mysql/"},
          {"innodb_data_home_dir", ""},
          {"innodb_data_file_path", "ibdata1:12M:autoextend"},
          {"innodb_log_group_home_dir", "./"},
          {"innodb_log_file_size", "100663296"},
          {"innodb_page_size", "16384"},
          {"innodb_undo_directory", "./"},
          {"innodb_undo_tablespaces", "3"},
          {"innodb_checksum_algorithm", "full_crc32"},
          {"innodb_compression_level", "6"},
          {"innodb_buffer_pool_filename", "ib_buffer_pool"},
          {"innodb_encrypt_tables", "OFF"},
          {"innodb_encrypt_log", "OFF"},
          {"aria_log_dir_path", "/var/lib/mysql/"},
          {"log_bin", "ON"},
          {"log_bin_basename", "/var/lib/mysql/binlog"},
          {"log_bin_index", "/var/lib/mysql/binlog.index"},
          {"gtid_binlog_pos", "0-1-7"},
          {"gtid_current_pos", "0-1-7"},
          {"server_id", "1"},
          {"wsrep_on", "OFF"},
          {"plugin_dir", "/usr/lib/mysql/plugin/"}};
}

std::vector<SqlRow> Rows(const std::map<std::string, std::string>& vars) {
  std::vector<SqlRow> rows;
  for (const auto& [name, value] : vars) rows.push_back({name, value});
  return rows;
}

void ExpectVariables(ScriptedSqlSession& s, const std::map<std::string, std::string>& vars) {
  s.ExpectMatch(kVariablesRegex).Returns({"Variable_name", "Value"}, Rows(vars));
}

// The statements of ReadServerInfo on a server without encryption plugins.
void ExpectServerInfo(ScriptedSqlSession& s, const std::map<std::string, std::string>& vars) {
  ExpectVariables(s, vars);
  s.ExpectMatch(kPluginsRegex).Returns({"plugin_name", "plugin_library", "plugin_type"}, {});
}

ServerInfo InfoWithBinlog(bool log_bin) {
  ServerInfo info;
  info.log_bin = log_bin;
  return info;
}

// ------------------------------------------------------------------------------ version

TEST(ParseServerVersionTest, MariaDb) {
  absl::StatusOr<ParsedServerVersion> v = ParseServerVersion("10.11.19-MariaDB-0+deb12u1-log", "");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->flavor, "MariaDB");
  EXPECT_EQ(v->major, 10);
  EXPECT_EQ(v->minor, 11);
  EXPECT_EQ(v->patch, 19);
  EXPECT_EQ(v->text, "10.11.19-MariaDB-0+deb12u1-log");
}

TEST(ParseServerVersionTest, MySqlAndCommentFlavor) {
  EXPECT_EQ(ParseServerVersion("8.0.36", "MySQL Community Server - GPL")->flavor, "MySQL");
  EXPECT_EQ(ParseServerVersion("10.11.6", "mariadb.org binary distribution: MariaDB")->flavor,
            "MariaDB");
}

TEST(ParseServerVersionTest, Garbage) {
  for (const char* bad : {"", "abc", "10", "10.11", "10.x.1"}) {
    absl::StatusOr<ParsedServerVersion> v = ParseServerVersion(bad, "");
    EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition) << bad;
    EXPECT_EQ(std::string(v.status().message()),
              absl::StrFormat("cannot parse server version '%s'", bad));
  }
}

TEST(CheckSupportedVersionTest, AcceptsOnlyMariaDb1011) {
  EXPECT_TRUE(CheckSupportedVersion(*ParseServerVersion("10.11.0-MariaDB", "")).ok());
  EXPECT_TRUE(CheckSupportedVersion(*ParseServerVersion("10.11.99-MariaDB-log", "")).ok());
  absl::Status s = CheckSupportedVersion(*ParseServerVersion("10.6.21-MariaDB", ""));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(s.message()),
            "unsupported server version '10.6.21-MariaDB' (MariaDB 10.6): tidemark supports "
            "MariaDB 10.11.x");
  s = CheckSupportedVersion(*ParseServerVersion("10.11.8", "MySQL Community Server"));
  EXPECT_EQ(
      std::string(s.message()),
      "unsupported server version '10.11.8' (MySQL 10.11): tidemark supports MariaDB 10.11.x");
}

TEST(CheckSupportedVersionTest, TableDrivesTheCheck) {
  constexpr SupportedSeries kTable[] = {{"MariaDB", 10, 11}, {"MariaDB", 11, 4}};
  EXPECT_TRUE(CheckSupportedVersion(*ParseServerVersion("11.4.5-MariaDB", ""), kTable).ok());
  absl::Status s = CheckSupportedVersion(*ParseServerVersion("11.8.1-MariaDB", ""), kTable);
  EXPECT_EQ(std::string(s.message()),
            "unsupported server version '11.8.1-MariaDB' (MariaDB 11.8): tidemark supports "
            "MariaDB 10.11.x, MariaDB 11.4.x");
}

// ---------------------------------------------------------------------- ReadServerInfo

TEST(ReadServerInfoTest, ReadsEverySetting) {
  ScriptedSqlSession s;
  ExpectServerInfo(s, Variables());
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->version.text, "10.11.19-MariaDB-0+deb12u1-log");
  EXPECT_EQ(info->version_comment, "Debian 12");
  EXPECT_EQ(info->datadir, "/var/lib/mysql/");
  EXPECT_EQ(info->innodb_data_file_path, "ibdata1:12M:autoextend");
  EXPECT_EQ(info->innodb_log_file_size, 100663296u);
  EXPECT_EQ(info->innodb_page_size, 16384u);
  EXPECT_EQ(info->innodb_undo_tablespaces, 3u);
  EXPECT_EQ(info->innodb_checksum_algorithm, "full_crc32");
  EXPECT_EQ(info->innodb_compression_level, 6u);
  EXPECT_EQ(info->innodb_buffer_pool_filename, "ib_buffer_pool");
  EXPECT_TRUE(info->log_bin);
  EXPECT_EQ(info->log_bin_basename, "/var/lib/mysql/binlog");
  EXPECT_EQ(info->gtid_current_pos, "0-1-7");
  EXPECT_EQ(info->server_id, 1u);
  EXPECT_FALSE(info->wsrep_on);
  EXPECT_FALSE(info->innodb_encrypt_log);
  EXPECT_TRUE(info->plugins.empty());
}

TEST(ReadServerInfoTest, AsksForEveryVariableInOneStatement) {
  ScriptedSqlSession s;
  ExpectServerInfo(s, Variables());
  ASSERT_TRUE(ReadServerInfo(s).ok());
  const std::string first = s.statements().at(0);
  for (const auto& [name, value] : Variables()) {
    EXPECT_NE(first.find("'" + name + "'"), std::string::npos) << name;
  }
}

TEST(ReadServerInfoTest, ResolvesRelativeDirectories) {
  std::map<std::string, std::string> vars = Variables();
  vars["innodb_undo_directory"] = "undo";
  vars["innodb_log_group_home_dir"] = "/srv/redo";
  ScriptedSqlSession s;
  ExpectServerInfo(s, vars);
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->ResolvedDataHomeDir(), "/var/lib/mysql/");
  EXPECT_EQ(info->ResolvedLogGroupHomeDir(), "/srv/redo/");
  EXPECT_EQ(info->ResolvedUndoDirectory(), "/var/lib/mysql/undo/");
}

TEST(ReadServerInfoTest, ReadsEncryptionPluginsAndProviders) {
  ScriptedSqlSession s;
  ExpectVariables(s, Variables());
  s.ExpectMatch(kPluginsRegex)
      .Returns({"plugin_name", "plugin_library", "plugin_type"},
               {{"file_key_management", "file_key_management.so", "ENCRYPTION"},
                {"provider_lz4", "provider_lz4.so", "DAEMON"}});
  s.Expect("SHOW GLOBAL VARIABLES LIKE 'file\\_key\\_management\\_%'")
      .Returns({"Variable_name", "Value"},
               {{"file_key_management_encryption_algorithm", "aes_cbc"},
                {"file_key_management_filekey", "secret"},
                {"file_key_management_filename", "/etc/mysql/keys.txt"}});
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->plugins.size(), 2u);
  EXPECT_EQ(info->plugins[0].name, "file_key_management");
  EXPECT_EQ(info->plugins[0].library, "file_key_management");
  EXPECT_TRUE(info->plugins[0].is_encryption);
  EXPECT_EQ(info->plugins[0].variables.size(), 3u);
  EXPECT_EQ(info->plugins[0].variables[2].second, "/etc/mysql/keys.txt");
  EXPECT_EQ(info->plugins[1].name, "provider_lz4");
  EXPECT_FALSE(info->plugins[1].is_encryption);
}

TEST(ReadServerInfoTest, ReadsEncryptionSettings) {
  std::map<std::string, std::string> vars = Variables();
  vars["innodb_encrypt_tables"] = "FORCE";
  vars["innodb_encrypt_log"] = "ON";
  ScriptedSqlSession s;
  ExpectServerInfo(s, vars);
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->innodb_encrypt_log);
  EXPECT_EQ(info->innodb_encrypt_tables, "FORCE");
}

TEST(ReadServerInfoTest, SecretVariables) {
  EXPECT_TRUE(IsSecretServerVariable("file_key_management_filekey"));
  EXPECT_TRUE(IsSecretServerVariable("hashicorp_key_management_token"));
  EXPECT_FALSE(IsSecretServerVariable("file_key_management_filename"));
  EXPECT_FALSE(IsSecretServerVariable("file_key_management_encryption_algorithm"));
}

TEST(ReadServerInfoTest, UnsupportedVersionIsFailedPrecondition) {
  std::map<std::string, std::string> vars = Variables();
  vars["version"] = "10.6.21-MariaDB-log";
  ScriptedSqlSession s;
  ExpectVariables(s, vars);
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(info.status().message()),
            "unsupported server version '10.6.21-MariaDB-log' (MariaDB 10.6): tidemark supports "
            "MariaDB 10.11.x");
}

TEST(ReadServerInfoTest, MySqlServerIsRejected) {
  std::map<std::string, std::string> vars = Variables();
  vars["version"] = "8.0.36";
  vars["version_comment"] = "MySQL Community Server - GPL";
  ScriptedSqlSession s("8.0.36");
  ExpectVariables(s, vars);
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(info.status().message()),
            "unsupported server version '8.0.36' (MySQL 8.0): tidemark supports MariaDB 10.11.x");
}

TEST(ReadServerInfoTest, VersionIsCheckedBeforeOtherVariables) {
  ScriptedSqlSession s("8.0.36");
  ExpectVariables(s, {{"version", "8.0.36"}, {"version_comment", "MySQL Community Server - GPL"}});
  EXPECT_EQ(ReadServerInfo(s).status(),
            absl::FailedPreconditionError("unsupported server version '8.0.36' (MySQL 8.0): "
                                          "tidemark supports MariaDB 10.11.x"));
}

TEST(ReadServerInfoTest, MissingVersion) {
  std::map<std::string, std::string> vars = Variables();
  vars.erase("version");
  ScriptedSqlSession s;
  ExpectVariables(s, vars);
  EXPECT_EQ(ReadServerInfo(s).status(),
            absl::FailedPreconditionError("server did not report 'version'"));
}

TEST(ReadServerInfoTest, MissingRequiredVariable) {
  std::map<std::string, std::string> vars = Variables();
  vars.erase("datadir");
  ScriptedSqlSession s;
  ExpectVariables(s, vars);
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(info.status().message()), "server did not report 'datadir'");
}

TEST(ReadServerInfoTest, NonNumericValue) {
  std::map<std::string, std::string> vars = Variables();
  vars["innodb_page_size"] = "16k";
  ScriptedSqlSession s;
  ExpectVariables(s, vars);
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(info.status().message()),
            "server variable innodb_page_size = '16k' is not a number");
}

TEST(ReadServerInfoTest, ServerGoneMidQuery) {
  ScriptedSqlSession s;
  s.ExpectMatch(kVariablesRegex).FailsWith(2013, "Lost connection to server during query");
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(info.status().message()),
            "mariadb connection lost during 'SHOW GLOBAL VARIABLES WHERE Variable_name IN "
            "('version', 'ver...': Lost connection to server during query (error 2013)");
}

TEST(ReadServerInfoTest, ServerGoneDuringPluginQuery) {
  ScriptedSqlSession s;
  ExpectVariables(s, Variables());
  s.ExpectMatch(kPluginsRegex).FailsWith(2006, "Server has gone away");
  absl::StatusOr<ServerInfo> info = ReadServerInfo(s);
  EXPECT_EQ(info.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(info.status().message()),
            "mariadb connection lost during 'SELECT plugin_name, plugin_library, plugin_type "
            "FROM informat...': Server has gone away (error 2006)");
}

// ------------------------------------------------------------------------- privileges

constexpr char kRootGrant[] = "GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION";
constexpr char kBkGrant[] =
    "GRANT RELOAD, PROCESS ON *.* TO `bk`@`localhost` IDENTIFIED BY PASSWORD "
    "'*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'";
constexpr char kPublicGrant[] =
    "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP ON `test`.* TO PUBLIC";

void ExpectGrants(ScriptedSqlSession& s, std::vector<std::string> lines) {
  std::vector<SqlRow> rows;
  for (std::string& l : lines) rows.push_back({std::move(l)});
  s.Expect("SHOW GRANTS").Returns({"Grants for bk@localhost"}, std::move(rows));
}

TEST(ParseGlobalPrivilegesTest, OnlyGlobalGrantsCount) {
  GlobalPrivileges p = ParseGlobalPrivileges(
      {"GRANT `r1` TO `bk`@`localhost`", "GRANT `x ON *.* TO y` TO `bk`@`localhost`", kBkGrant,
       "GRANT SELECT (`user`) ON `mysql`.`user` TO x",
       "GRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION", kPublicGrant,
       "GRANT BINLOG MONITOR ON *.* TO `r1`"});
  EXPECT_FALSE(p.all);
  EXPECT_EQ(p.names, (std::vector<std::string>{"BINLOG MONITOR", "PROCESS", "RELOAD"}));
  EXPECT_FALSE(p.Has("SELECT"));
  EXPECT_FALSE(p.Has("PROXY"));
}

TEST(ParseGlobalPrivilegesTest, AllPrivileges) {
  GlobalPrivileges p = ParseGlobalPrivileges({kRootGrant});
  EXPECT_TRUE(p.all);
  EXPECT_TRUE(p.Has("BINLOG MONITOR"));
  EXPECT_TRUE(p.Has("RELOAD"));
}

TEST(CheckBackupPrivilegesTest, RootHasEverything) {
  ScriptedSqlSession s;
  ExpectGrants(s, {kRootGrant, "GRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION"});
  PrivilegeNeeds needs{.kill_long_queries = true, .checkpoint_now = true};
  EXPECT_TRUE(CheckBackupPrivileges(s, InfoWithBinlog(true), needs).ok());
}

TEST(CheckBackupPrivilegesTest, ReloadAndProcessSufficeWithoutBinlog) {
  ScriptedSqlSession s;
  ExpectGrants(s, {kBkGrant, kPublicGrant});
  EXPECT_TRUE(CheckBackupPrivileges(s, InfoWithBinlog(false)).ok());
}

TEST(CheckBackupPrivilegesTest, BinlogNeedsBinlogMonitor) {
  ScriptedSqlSession s;
  ExpectGrants(s, {kBkGrant});
  absl::Status st = CheckBackupPrivileges(s, InfoWithBinlog(true));
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(st.message()),
            "missing privileges: BINLOG MONITOR (needed because log_bin is ON)");
  EXPECT_EQ(st.message().find("2B602296"), std::string::npos);  // no password hash
}

TEST(CheckBackupPrivilegesTest, SuperStandsInForBinlogMonitor) {
  ScriptedSqlSession s;
  ExpectGrants(s, {"GRANT RELOAD, PROCESS, SUPER ON *.* TO `bk`@`localhost`"});
  EXPECT_TRUE(CheckBackupPrivileges(s, InfoWithBinlog(true)).ok());
}

TEST(CheckBackupPrivilegesTest, ActiveRoleGrantsCount) {
  ScriptedSqlSession s;
  ExpectGrants(s,
               {"GRANT `r1` TO `bk`@`localhost`", kBkGrant, "GRANT BINLOG MONITOR ON *.* TO `r1`"});
  EXPECT_TRUE(CheckBackupPrivileges(s, InfoWithBinlog(true)).ok());
}

TEST(CheckBackupPrivilegesTest, ListsEverythingMissingInOrder) {
  ScriptedSqlSession s;
  ExpectGrants(s, {"GRANT USAGE ON *.* TO `bk`@`localhost`", kPublicGrant});
  PrivilegeNeeds needs{.kill_long_queries = true, .checkpoint_now = true};
  absl::Status st = CheckBackupPrivileges(s, InfoWithBinlog(true), needs);
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(st.message()),
            "missing privileges: RELOAD, PROCESS, BINLOG MONITOR (needed because log_bin is ON), "
            "CONNECTION ADMIN (needed to kill long queries), SUPER (needed for "
            "innodb_log_checkpoint_now)");
}

TEST(CheckBackupPrivilegesTest, ReloadMissing) {
  ScriptedSqlSession s;
  ExpectGrants(s, {"GRANT PROCESS, BINLOG MONITOR ON *.* TO `bk`@`localhost`"});
  absl::Status st = CheckBackupPrivileges(s, InfoWithBinlog(true));
  EXPECT_EQ(st, absl::PermissionDeniedError("missing privileges: RELOAD"));
}

TEST(CheckBackupPrivilegesTest, ShowGrantsFailure) {
  ScriptedSqlSession s;
  s.Expect("SHOW GRANTS").FailsWith(2013, "Lost connection to server during query");
  absl::Status st = CheckBackupPrivileges(s, InfoWithBinlog(false));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(st.message()),
            "mariadb connection lost during 'SHOW GRANTS': Lost connection to server during "
            "query (error 2013)");
}

// ---------------------------------------------------------------------- backup stages

TEST(BackupStageTest, IssuesEveryStageInOrder) {
  ScriptedSqlSession s;
  s.Expect("SET SESSION lock_wait_timeout=31536000");
  for (const char* stage : {"START", "FLUSH", "BLOCK_DDL", "BLOCK_COMMIT", "END"}) {
    s.Expect(absl::StrFormat("BACKUP STAGE %s", stage));
  }
  EXPECT_TRUE(SetBackupLockTimeout(s).ok());
  for (BackupStage stage : {BackupStage::kStart, BackupStage::kFlush, BackupStage::kBlockDdl,
                            BackupStage::kBlockCommit, BackupStage::kEnd}) {
    EXPECT_TRUE(EnterBackupStage(s, stage).ok()) << BackupStageName(stage);
  }
}

TEST(BackupStageTest, CustomLockTimeout) {
  ScriptedSqlSession s;
  s.Expect("SET SESSION lock_wait_timeout=60");
  EXPECT_TRUE(SetBackupLockTimeout(s, std::chrono::seconds(60)).ok());
}

TEST(BackupStageTest, WrongOrderIsFailedPrecondition) {
  ScriptedSqlSession s;
  s.Expect("BACKUP STAGE FLUSH")
      .FailsWith(4146, "You must start backup with \"BACKUP STAGE START\"");
  absl::Status st = EnterBackupStage(s, BackupStage::kFlush);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(st.message()),
            "'BACKUP STAGE FLUSH' failed: You must start backup with \"BACKUP STAGE START\" "
            "(error 4146)");
}

TEST(BackupStageTest, LockWaitTimeoutIsDeadlineExceeded) {
  ScriptedSqlSession s;
  s.Expect("BACKUP STAGE BLOCK_DDL")
      .FailsWith(1205, "Lock wait timeout exceeded; try restarting transaction");
  absl::Status st = EnterBackupStage(s, BackupStage::kBlockDdl);
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(std::string(st.message()),
            "'BACKUP STAGE BLOCK_DDL' failed: Lock wait timeout exceeded; try restarting "
            "transaction (error 1205)");
}

TEST(BackupStageTest, AccessDenied) {
  ScriptedSqlSession s;
  s.Expect("BACKUP STAGE START")
      .FailsWith(1227,
                 "Access denied; you need (at least one of) the RELOAD privilege(s) for this "
                 "operation");
  absl::Status st = EnterBackupStage(s, BackupStage::kStart);
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(st.message()),
            "'BACKUP STAGE START' failed: Access denied; you need (at least one of) the RELOAD "
            "privilege(s) for this operation (error 1227)");
}

// ----------------------------------------------------------------------------- the LSN

constexpr char kInnodbStatus[] =
    "\n=====================================\n2026-01-01 00:00:00 0x7f INNODB MONITOR OUTPUT\n"
    "---\nLOG\n---\nLog sequence number 44910\nLog flushed up to   44910\n"
    "Pages flushed up to 44910\nLast checkpoint at  44894\n----------------------\n";

TEST(CurrentLsnTest, ReadsLogSequenceNumber) {
  ScriptedSqlSession s;
  s.Expect("SHOW ENGINE INNODB STATUS")
      .Returns({"Type", "Name", "Status"}, {{"InnoDB", "", kInnodbStatus}});
  absl::StatusOr<Lsn> lsn = CurrentLsn(s);
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(lsn->value(), 44910u);
}

TEST(ConnectionTest, ConnectionId) {
  ScriptedSqlSession s;
  s.Expect("SELECT CONNECTION_ID()").ReturnsValue("CONNECTION_ID()", "42");
  s.Expect("SELECT CONNECTION_ID()").ReturnsValue("CONNECTION_ID()", std::nullopt);
  absl::StatusOr<uint64_t> id = ConnectionId(s);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 42u);
  EXPECT_EQ(ConnectionId(s).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ConnectionTest, AliveUnlessMissingOrKilled) {
  ScriptedSqlSession s;
  const std::string q = "SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = 7";
  s.Expect(q).Returns({"COMMAND"}, {{"Query"}});
  s.Expect(q).Returns({"COMMAND"}, {});
  s.Expect(q).Returns({"COMMAND"}, {{"Killed"}});
  s.Expect(q).FailsWith(2013, "Lost connection to server during query");
  EXPECT_TRUE(*ConnectionAlive(s, 7));
  EXPECT_FALSE(*ConnectionAlive(s, 7));
  EXPECT_FALSE(*ConnectionAlive(s, 7));
  EXPECT_EQ(ConnectionAlive(s, 7).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ParseLogSequenceNumberTest, Robustness) {
  EXPECT_EQ(ParseLogSequenceNumber("Log sequence number 18446744073709551615")->value(),
            18446744073709551615u);
  EXPECT_EQ(ParseLogSequenceNumber("x\r\nLog sequence number\t123\r\nmore")->value(), 123u);
  // Only a line starting with the label counts.
  EXPECT_EQ(ParseLogSequenceNumber("old Log sequence number 5\nLog sequence number 6")->value(),
            6u);
}

TEST(ParseLogSequenceNumberTest, MissingLine) {
  absl::StatusOr<Lsn> lsn = ParseLogSequenceNumber("---\nLOG\n---\nLast checkpoint at 5\n");
  EXPECT_EQ(lsn.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(lsn.status().message()),
            "SHOW ENGINE INNODB STATUS has no 'Log sequence number' line");
}

TEST(ParseLogSequenceNumberTest, UnparsableNumber) {
  const std::pair<const char*, const char*> cases[] = {
      {"Log sequence number abc", "Log sequence number abc"},
      {"Log sequence number \n", "Log sequence number"},
      {"Log sequence number 12x", "Log sequence number 12x"},
      {"Log sequence number 99999999999999999999", "Log sequence number 99999999999999999999"}};
  for (const auto& [text, line] : cases) {
    absl::StatusOr<Lsn> lsn = ParseLogSequenceNumber(text);
    EXPECT_EQ(lsn.status(), absl::FailedPreconditionError(
                                absl::StrFormat("cannot parse the InnoDB status line '%s'", line)))
        << text;
  }
}

TEST(CurrentLsnTest, NoPrivilege) {
  ScriptedSqlSession s;
  s.Expect("SHOW ENGINE INNODB STATUS")
      .FailsWith(1227,
                 "Access denied; you need (at least one of) the PROCESS privilege(s) for this "
                 "operation");
  absl::StatusOr<Lsn> lsn = CurrentLsn(s);
  EXPECT_EQ(lsn.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(lsn.status().message()),
            "'SHOW ENGINE INNODB STATUS' failed: Access denied; you need (at least one of) the "
            "PROCESS privilege(s) for this operation (error 1227)");
}

TEST(CurrentLsnTest, ServerGone) {
  ScriptedSqlSession s;
  s.Expect("SHOW ENGINE INNODB STATUS").FailsWith(2013, "Lost connection to server during query");
  EXPECT_EQ(CurrentLsn(s).status(),
            absl::UnavailableError("mariadb connection lost during 'SHOW ENGINE INNODB STATUS': "
                                   "Lost connection to server during query (error 2013)"));
}

TEST(CurrentLsnTest, NoStatusText) {
  ScriptedSqlSession s;
  s.Expect("SHOW ENGINE INNODB STATUS").Returns({"Type", "Name", "Status"}, {});
  EXPECT_EQ(CurrentLsn(s).status(),
            absl::FailedPreconditionError("SHOW ENGINE INNODB STATUS returned no status text"));
}

TEST(FlushEngineLogsTest, Statement) {
  ScriptedSqlSession s;
  s.Expect("FLUSH NO_WRITE_TO_BINLOG ENGINE LOGS");
  EXPECT_TRUE(FlushEngineLogs(s).ok());
}

TEST(SetCheckpointNowTest, Statement) {
  ScriptedSqlSession s;
  s.Expect("SET GLOBAL innodb_log_checkpoint_now=ON");
  EXPECT_TRUE(SetCheckpointNow(s).ok());
}

TEST(SetCheckpointNowTest, NeedsSuper) {
  ScriptedSqlSession s;
  s.Expect("SET GLOBAL innodb_log_checkpoint_now=ON")
      .FailsWith(1227,
                 "Access denied; you need (at least one of) the SUPER privilege(s) for this "
                 "operation");
  EXPECT_EQ(SetCheckpointNow(s).code(), absl::StatusCode::kPermissionDenied);
}

// --------------------------------------------------------------------------- the binlog

constexpr char kGtidQuery[] = "SELECT @@GLOBAL.gtid_current_pos, @@GLOBAL.gtid_binlog_pos";

TEST(ReadBinlogPositionTest, ReadsFilePositionAndGtid) {
  ScriptedSqlSession s;
  s.Expect("SHOW MASTER STATUS")
      .Returns({"File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"},
               {{"binlog.000001", "497", "", ""}});
  s.Expect(kGtidQuery).Returns({"a", "b"}, {{"0-1-1", "0-1-1"}});
  absl::StatusOr<std::optional<BinlogPosition>> pos = ReadBinlogPosition(s);
  ASSERT_TRUE(pos.ok()) << pos.status();
  ASSERT_TRUE(pos->has_value());
  EXPECT_EQ((*pos)->file, "binlog.000001");
  EXPECT_EQ((*pos)->position, 497u);
  EXPECT_EQ((*pos)->gtid_current_pos, "0-1-1");
  EXPECT_EQ(FormatXtrabackupBinlogInfo(**pos), "binlog.000001\t497\t0-1-1\n");
  EXPECT_EQ(FormatBinlogPosForXtrabackupInfo(**pos),
            "filename 'binlog.000001', position '497', GTID of the last change '0-1-1'");
}

TEST(ReadBinlogPositionTest, EmptyGtidKeepsTheThirdField) {
  ScriptedSqlSession s;
  s.Expect("SHOW MASTER STATUS").Returns({"File", "Position"}, {{"binlog.000001", "328"}});
  s.Expect(kGtidQuery).Returns({"a", "b"}, {{"", ""}});
  absl::StatusOr<std::optional<BinlogPosition>> pos = ReadBinlogPosition(s);
  ASSERT_TRUE(pos.ok() && pos->has_value()) << pos.status();
  EXPECT_EQ(FormatXtrabackupBinlogInfo(**pos), "binlog.000001\t328\t\n");
}

TEST(ReadBinlogPositionTest, BinlogOffIsNullopt) {
  ScriptedSqlSession s;
  s.Expect("SHOW MASTER STATUS").Returns({"File", "Position"}, {});
  absl::StatusOr<std::optional<BinlogPosition>> pos = ReadBinlogPosition(s);
  ASSERT_TRUE(pos.ok()) << pos.status();
  EXPECT_FALSE(pos->has_value());
}

TEST(ReadBinlogPositionTest, MissingBinlogMonitor) {
  ScriptedSqlSession s;
  s.Expect("SHOW MASTER STATUS")
      .FailsWith(1227,
                 "Access denied; you need (at least one of) the SUPER, BINLOG MONITOR "
                 "privilege(s) for this operation");
  absl::StatusOr<std::optional<BinlogPosition>> pos = ReadBinlogPosition(s);
  EXPECT_EQ(pos.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(pos.status().message()),
            "'SHOW MASTER STATUS' failed: Access denied; you need (at least one of) the SUPER, "
            "BINLOG MONITOR privilege(s) for this operation (error 1227)");
}

TEST(ReadBinlogPositionTest, BadPosition) {
  ScriptedSqlSession s;
  s.Expect("SHOW MASTER STATUS").Returns({"File", "Position"}, {{"binlog.000001", "-1"}});
  EXPECT_EQ(ReadBinlogPosition(s).status(),
            absl::FailedPreconditionError(
                "SHOW MASTER STATUS returned file 'binlog.000001', position '-1'"));
}

TEST(ReadBinlogPositionTest, ServerGoneOnGtidQuery) {
  ScriptedSqlSession s;
  s.Expect("SHOW MASTER STATUS").Returns({"File", "Position"}, {{"binlog.000002", "4"}});
  s.Expect(kGtidQuery).FailsWith(2006, "Server has gone away");
  EXPECT_EQ(ReadBinlogPosition(s).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tidemark::engine
