// `tidemark backup` end to end against real MariaDB 10.11 servers, judged by what a restore
// says (../shared/docs/TESTING.md): a hot backup under sysbench and SQL write load, prepared
// by mariadb-backup, restored, checked with CHECK TABLE EXTENDED, a money invariant and the
// binlog replay from xtrabackup_binlog_info; the redo race (exit 5, no manifest); DDL while
// tablespaces are copied (.del/.ren/.new resolved by prepare); and the backup lock
// connection killed mid-copy.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "nlohmann/json.hpp"
#include "tests/support/restore_check.h"
#include "tests/support/sql_loop.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

#define TM_REQUIRE_BACKUP_TOOLS()                                                    \
  TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup", \
                      "mariadb-binlog")

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ------------------------------------------------------------------ loads

absl::StatusOr<uint64_t> ServerLsn(TestServer& server) {
  TM_ASSIGN_OR_RETURN(std::vector<Row> rows,
                      server.QueryRows("SHOW GLOBAL STATUS LIKE 'Innodb_lsn_current'"));
  if (rows.size() != 1) return absl::InternalError("no Innodb_lsn_current");
  return std::stoull(rows[0][1]);
}

// ------------------------------------------------------------------ running the backup

std::vector<std::string> BackupArgv(const TestServer& server, const std::string& target,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {TidemarkBinary(), "backup",        "--target-dir", target,
                                   "--socket",       server.socket(), "--user",       "root"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

absl::StatusOr<std::unique_ptr<BackgroundCommand>> StartBackup(
    const TestServer& server, const std::string& target, const std::vector<std::string>& extra,
    const std::string& scratch) {
  return BackgroundCommand::Start(BackupArgv(server, target, extra), scratch + "/tidemark");
}

// "name size, ..." of the files under `dir`, for the test log.
std::string DescribeFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    files.push_back(absl::StrFormat("%s %.1fM", fs::relative(e.path(), dir).string(),
                                    e.file_size() / 1048576.0));
  }
  std::sort(files.begin(), files.end());
  return absl::StrJoin(files, ", ");
}

// ibdata1 grows by 64 MB at a time by default: 8 MB steps keep the throttled copies short.
constexpr const char* kSmallSystemTablespaceSteps = "--innodb-autoextend-increment=8";

bool HasManifest(const std::string& backup_dir) {
  return fs::exists(backup_dir + "/tidemark_manifest.json");
}

// `tidemark inspect --json` over the raw backup: every tablespace read, none corrupt.
void ExpectInspectClean(const std::string& backup_dir) {
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r,
                          RunCommand({TidemarkBinary(), "inspect", "--json", backup_dir}));
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  std::istringstream lines(r.out);
  int spaces = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const json space = json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(space.is_discarded()) << line.substr(0, 300);
    ++spaces;
    SCOPED_TRACE(space.value("path", ""));
    EXPECT_FALSE(space.contains("error")) << space.value("error", "");
    EXPECT_EQ(space.value("corrupt_pages", json::array()).size(), 0u);
  }
  EXPECT_GT(spaces, 3);
}

// mariadb-backup --prepare on a copy of the backup, then a server started on it.
absl::StatusOr<std::unique_ptr<TestServer>> Restore(const std::string& backup_dir,
                                                    const std::string& copy_dir) {
  TM_RETURN_IF_ERROR(PrepareCopy(backup_dir, copy_dir));
  TestServerOptions o;
  o.existing_datadir = copy_dir;
  o.buffer_pool_size = "256M";
  return TestServer::Start(std::move(o));
}

// ------------------------------------------------------------------ backup under load

constexpr int kAccounts = 1000;
constexpr int kBalance = 1000;  // each account's opening balance: the sum never changes

absl::Status CreateBank(TestServer& server) {
  return server.Query(absl::StrFormat(
      "CREATE DATABASE bank;"
      "CREATE TABLE bank.accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;"
      "INSERT INTO bank.accounts SELECT seq, %d FROM bank.seq_1_to_%d;"
      // Bodies of 10-60 KB go off-page (BLOB pages); note stays in the record.
      "CREATE TABLE bank.docs (id INT AUTO_INCREMENT PRIMARY KEY, tag INT NOT NULL, body "
      "MEDIUMBLOB, note MEDIUMTEXT, KEY (tag)) ENGINE=InnoDB;"
      "INSERT INTO bank.docs (tag, body, note) SELECT seq, REPEAT(MD5(seq), 320 + seq * 37 %% "
      "1600), REPEAT('n', seq %% 200) FROM bank.seq_1_to_200",
      kBalance, kAccounts));
}

// One transfer between two accounts, and one insert, delete or update of a large document.
absl::Status BankStep(SqlConnection& c, int64_t i) {
  const int from = 1 + static_cast<int>(i * 7919 % kAccounts);
  const int to = 1 + static_cast<int>((i * 104729 + 13) % kAccounts);
  TM_RETURN_IF_ERROR(c.Query(absl::StrFormat(
      "START TRANSACTION; UPDATE bank.accounts SET balance = balance - %1$d WHERE id = %2$d;"
      "UPDATE bank.accounts SET balance = balance + %1$d WHERE id = %3$d; COMMIT",
      1 + i % 97, from, to)));
  const int64_t size = 320 + i * 53 % 1600;  // x 32 bytes: 10-60 KB
  switch (i % 3) {
    case 0:
      return c.Query(absl::StrFormat(
          "INSERT INTO bank.docs (tag, body, note) VALUES (%1$d, REPEAT(MD5(%1$d), %2$d), "
          "REPEAT(CHAR(65 + %1$d %% 26), %1$d %% 300))",
          i, size));
    case 1:
      return c.Query(absl::StrFormat(
          "DELETE FROM bank.docs WHERE tag %% 61 = %d ORDER BY id LIMIT 1", i % 61));
    default:
      return c.Query(absl::StrFormat(
          "UPDATE bank.docs SET body = REPEAT(SHA1(%1$d), %2$d), note = CONCAT(note, 'u') "
          "WHERE tag %% 89 = %3$d ORDER BY id LIMIT 2",
          i, size * 32 / 40, i % 89));
  }
}

std::vector<std::string> SysbenchArgs(const TestServer& server, const std::string& command,
                                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"sysbench",          "oltp_write_only",
                                   "--db-driver=mysql", "--mysql-socket=" + server.socket(),
                                   "--mysql-user=root", "--mysql-db=sbtest",
                                   "--tables=4",        "--table-size=20000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(command);
  return argv;
}

void ExpectBankInvariant(TestServer& server) {
  TM_ASSERT_OK_AND_ASSIGN(std::vector<Row> rows,
                          server.QueryRows("SELECT COUNT(*), SUM(balance) FROM bank.accounts"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(kAccounts));
  EXPECT_EQ(rows[0][1], std::to_string(kAccounts * kBalance)) << "money appeared or vanished";
}

TEST(BackupTest, HotBackupUnderWriteLoadRestoresAndReplaysToTheSourceState) {
  TM_REQUIRE_BACKUP_TOOLS();
  TM_REQUIRE_PROGRAMS("sysbench");
  const auto t0 = Clock::now();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source,
                          TestServer::Start({.server_args = {kSmallSystemTablespaceSteps},
                                             .buffer_pool_size = "256M",
                                             .log_file_size = "64M"}));
  TM_ASSERT_OK(source->Query("CREATE DATABASE sbtest"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult prepared, RunCommand(SysbenchArgs(*source, "prepare")));
  ASSERT_EQ(prepared.exit_code, 0) << prepared.Describe();
  TM_ASSERT_OK(CreateBank(*source));
  const double setup_s = SecondsSince(t0);

  TM_ASSERT_OK_AND_ASSIGN(
      auto sysbench,
      BackgroundCommand::Start(
          SysbenchArgs(*source, "run", {"--threads=2", "--time=600", "--report-interval=0"}),
          tmp.Join("sysbench")));
  TM_ASSERT_OK_AND_ASSIGN(auto bank, StartLoop(*source, BankStep));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::string target = tmp.Join("backup");
  const auto b0 = Clock::now();
  // Bounded: a redo copy that stalls would otherwise hold BLOCK_DDL for its 30-minute wait.
  TM_ASSERT_OK_AND_ASSIGN(CommandResult backup,
                          RunCommand(BackupArgv(*source, target, {"--throttle", "10"}),
                                     {.timeout = std::chrono::seconds(120)}));
  const double backup_s = SecondsSince(b0);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // writes after the consistent point
  ASSERT_TRUE(sysbench->running()) << "sysbench ended early: " << sysbench->ErrSoFar();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult sb, sysbench->Stop());
  TM_ASSERT_OK(bank->Stop());
  std::printf("[tidemark] %s\n[tidemark] load: %lld bank iterations; setup %.1f s, backup %.1f s\n",
              LineStartingWith(backup.err, "tidemark: backup complete").c_str(),
              static_cast<long long>(bank->iterations()), setup_s, backup_s);
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();
  EXPECT_TRUE(HasManifest(target));
  EXPECT_GT(bank->iterations(), 10);
  ExpectInspectClean(target);

  const auto r0 = Clock::now();
  TM_ASSERT_OK_AND_ASSIGN(auto restored, Restore(target, tmp.Join("restored")));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> tables, UserTables(*restored));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> source_tables, UserTables(*source));
  EXPECT_THAT(tables, ElementsAreArray(source_tables));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> complaints,
                          CheckTablesExtended(*restored, tables));
  EXPECT_THAT(complaints, IsEmpty());
  ExpectBankInvariant(*restored);
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> diffs,
                          ReplayAndCompare(*source, target, *restored));
  EXPECT_THAT(diffs, IsEmpty());
  ExpectBankInvariant(*restored);
  std::printf("[tidemark] restore check (prepare, CHECK EXTENDED, replay) %.1f s; total %.1f s\n",
              SecondsSince(r0), SecondsSince(t0));
}

// ------------------------------------------------------------------ the redo race

// Large inserts and deletes on race.t<n>: several MB of redo per second, but little undo, so
// the system tablespace (and with it the throttled copy) stays small.
SqlLoop::Step HeavyStep(int n) {
  return [n](SqlConnection& c, int64_t i) {
    return c.Query(absl::StrFormat(
        "INSERT INTO race.t%1$d (k, v) SELECT seq, REPEAT(CHAR(65 + %2$d), 900) FROM "
        "race.seq_1_to_500;"
        "DELETE FROM race.t%1$d WHERE id %% 29 = %3$d LIMIT 300",
        n, i % 26, i % 29));
  };
}

// The redo copier is not throttled (only data-file reads are) and outruns a server whose 4 MB
// log forces it to checkpoint: under load alone the copy's lag peaked at 90% without an overrun
// in a 143 s backup. So the test makes the stall happen: tidemark is paused (SIGSTOP) during
// the copy until the server has written three log capacities, which proves that log it had
// not copied was overwritten, then resumed. The data files take ~12 s at 1 MB/s, so a backup
// that notices the overrun only once they are copied is told apart from one that stops.
TEST(BackupTest, RedoOverrunEndsWithExitCode5AndNoManifest) {
  TM_REQUIRE_BACKUP_TOOLS();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start({.log_file_size = "4M"}));
  TM_ASSERT_OK(source->Query(
      "CREATE DATABASE race;"
      "CREATE TABLE race.t1 (id INT AUTO_INCREMENT PRIMARY KEY, k INT, v VARCHAR(1000));"
      "CREATE TABLE race.t2 LIKE race.t1; CREATE TABLE race.t3 LIKE race.t1;"
      "CREATE TABLE race.t4 LIKE race.t1;"
      "FLUSH TABLES race.t1, race.t2, race.t3, race.t4 FOR EXPORT; UNLOCK TABLES"));
  TM_ASSERT_OK_AND_ASSIGN(std::string log_size,
                          source->QueryValue("SELECT @@innodb_log_file_size"));
  const uint64_t capacity = std::stoull(log_size) - 12288;
  const std::string target = tmp.Join("backup");
  TM_ASSERT_OK_AND_ASSIGN(auto backup,
                          StartBackup(*source, target, {"--throttle", "1"}, tmp.path()));
  ASSERT_TRUE(backup->WaitForErr("phase: copying innodb", std::chrono::seconds(60)))
      << backup->ErrSoFar();
  backup->Signal(SIGSTOP);
  TM_ASSERT_OK_AND_ASSIGN(const uint64_t lsn0, ServerLsn(*source));
  std::vector<std::unique_ptr<SqlLoop>> loads;
  for (int n = 1; n <= 4; ++n) {
    TM_ASSERT_OK_AND_ASSIGN(auto loop, StartLoop(*source, HeavyStep(n)));
    loads.push_back(std::move(loop));
  }
  const auto p0 = Clock::now();
  uint64_t lsn = lsn0;
  while (lsn < lsn0 + 3 * capacity && SecondsSince(p0) < 90) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    TM_ASSERT_OK_AND_ASSIGN(lsn, ServerLsn(*source));
  }
  const double paused_s = SecondsSince(p0);
  backup->Signal(SIGCONT);
  const auto c0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (auto& load : loads) EXPECT_TRUE(load->Stop().ok());
  // The tables grew by ~80 MB: dropped, so a backup that goes on copying only has the rest of
  // ibdata1 left (~10 s at 1 MB/s) instead of minutes.
  TM_ASSERT_OK(source->Query("DROP TABLE race.t1, race.t2, race.t3, race.t4"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, backup->Wait(std::chrono::seconds(120)));
  const double exit_after_s = SecondsSince(c0);
  ASSERT_GE(lsn, lsn0 + 3 * capacity) << "the load did not write 3 log capacities in 90 s";

  std::printf(
      "[tidemark] paused %.1f s while the server wrote %.1f MiB of redo (capacity %.1f "
      "MiB); exit %d %.1f s after resuming\n[tidemark] %s\n[tidemark] target: %s\n",
      paused_s, (lsn - lsn0) / 1048576.0, capacity / 1048576.0, r.exit_code, exit_after_s,
      LineStartingWith(r.err, "tidemark: backup failed").c_str(), DescribeFiles(target).c_str());
  EXPECT_EQ(r.exit_code, 5) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("redo log overrun"));
  EXPECT_THAT(r.err, HasSubstr("innodb_log_file_size"));  // what to change
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_FALSE(HasManifest(target));
  EXPECT_LT(exit_after_s, 5.0) << "tidemark went on copying data files after the overrun";
}

// ------------------------------------------------------------------ DDL during the copy

// `--progress=json` output: every line that starts with '{' is one JSON event; progress
// events come during the copy with bytes_done never going back, notes carry the phases, and
// a final "done" event sums up.
void ExpectJsonProgress(const std::string& err) {
  int progress = 0, notes = 0, done = 0;
  uint64_t last_done = 0, total = 0;
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    const std::string event = j.value("event", "");
    if (event == "progress") {
      ++progress;
      const uint64_t bytes = j.at("bytes_done").get<uint64_t>();
      EXPECT_GE(bytes, last_done) << line;
      last_done = bytes;
      total = j.at("bytes_total").get<uint64_t>();
    } else if (event == "note") {
      ++notes;
    } else if (event == "done") {
      ++done;
      EXPECT_GT(j.at("tablespaces").get<uint64_t>(), 0u) << line;
      // to_lsn is the server's checkpoint under BLOCK_COMMIT, as mariadb-backup records it:
      // the start checkpoint again when the server took none during the backup.
      EXPECT_GE(j.at("to_lsn").get<uint64_t>(), j.at("start_lsn").get<uint64_t>()) << line;
      EXPECT_GT(j.at("last_lsn").get<uint64_t>(), j.at("start_lsn").get<uint64_t>()) << line;
    } else {
      ADD_FAILURE() << "unexpected event: " << line;
    }
  }
  std::printf("[tidemark] --progress=json: %d progress events (last %llu of %llu bytes), %d "
              "notes, %d done\n",
              progress, static_cast<unsigned long long>(last_done),
              static_cast<unsigned long long>(total), notes, done);
  EXPECT_GE(progress, 2);  // the copy takes several seconds at --throttle 8
  EXPECT_GT(last_done, 0u);
  EXPECT_GE(notes, 5);  // the phases
  EXPECT_EQ(done, 1);
}

constexpr const char* kDdlCases[] = {"alter", "addcol", "drop", "rename", "trunc"};

absl::Status CreateDdlTables(TestServer& server) {
  std::string sql = "CREATE DATABASE ddl;";
  std::vector<std::string> names;
  auto table = [&](const std::string& name, int rows) {
    names.push_back("ddl." + name);
    sql += absl::StrFormat(
        "CREATE TABLE ddl.%1$s (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(255), KEY (k)) "
        "ENGINE=InnoDB;"
        "INSERT INTO ddl.%1$s SELECT seq, seq * 7 %% 1000, RPAD(MD5(seq), 200, '.') FROM "
        "ddl.seq_1_to_%2$d;",
        name, rows);
  };
  // File order is the copy order with --parallel 1: a_* are copied before the filler, the
  // DDL runs while the filler is copied, z_* are copied after it.
  for (const char* c : kDdlCases) table(absl::StrFormat("a_%s", c), 2000);
  table("k_keep", 2000);
  table("m_filler", 40000);
  for (const char* c : kDdlCases) table(absl::StrFormat("z_%s", c), 2000);
  // Page 0 of a new .ibd reaches the disk only when its page is flushed; the backup would wait
  // for it and then treat the table as created during the backup (.new), not as copied.
  return server.Query(absl::StrFormat("%s FLUSH TABLES %s FOR EXPORT; UNLOCK TABLES", sql,
                                      absl::StrJoin(names, ", ")));
}

// The same five DDL statements on a table already copied (a_*) and one not yet copied (z_*),
// each followed by a write to its result; and a new table with rows.
absl::Status RunDdlWave(TestServer& server) {
  for (const char* p : {"a", "z"}) {
    for (const std::string& sql :
         {absl::StrFormat("DROP TABLE ddl.%s_drop", p),
          absl::StrFormat("RENAME TABLE ddl.%1$s_rename TO ddl.%1$s_renamed", p),
          absl::StrFormat("INSERT INTO ddl.%s_renamed VALUES (100001, 1, 'renamed')", p),
          absl::StrFormat("TRUNCATE TABLE ddl.%s_trunc", p),
          absl::StrFormat("INSERT INTO ddl.%s_trunc SELECT seq, seq, 't' FROM ddl.seq_1_to_50", p),
          absl::StrFormat("ALTER TABLE ddl.%s_alter FORCE", p),
          absl::StrFormat("UPDATE ddl.%s_alter SET k = k + 1 WHERE id <= 100", p),
          absl::StrFormat("ALTER TABLE ddl.%s_addcol ADD COLUMN extra INT NOT NULL DEFAULT 7, "
                          "ALGORITHM=COPY",
                          p),
          absl::StrFormat("UPDATE ddl.%s_addcol SET extra = id WHERE id <= 100", p)}) {
      TM_RETURN_IF_ERROR(server.Query(sql));
    }
  }
  return server.Query(
      "CREATE TABLE ddl.n_created (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB;"
      "INSERT INTO ddl.n_created SELECT seq, MD5(seq) FROM ddl.seq_1_to_3000");
}

// Files under `dir` whose names start with `prefix`, e.g. the z_* copies already written.
std::vector<std::string> FilesStartingWith(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// What the DDL left on the source must be what the restored server has, before any replay.
void ExpectDdlResolved(TestServer& restored, const std::vector<std::string>& source_tables,
                       const std::string& datadir) {
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> tables, UserTables(restored));
  EXPECT_THAT(tables, ElementsAreArray(source_tables)) << "tables after prepare";
  for (const char* p : {"a", "z"}) {
    for (const std::string& gone :
         {absl::StrFormat("%s_drop", p), absl::StrFormat("%s_rename", p)}) {
      EXPECT_FALSE(fs::exists(absl::StrFormat("%s/ddl/%s.ibd", datadir, gone)))
          << gone << ".ibd left in the restored datadir";
    }
  }
  std::printf("[tidemark] restored ddl/: %s\n",
              absl::StrJoin(FilesStartingWith(datadir + "/ddl", ""), " ").c_str());
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> complaints,
                          CheckTablesExtended(restored, tables));
  EXPECT_THAT(complaints, IsEmpty());
}

TEST(BackupTest, DdlDuringTheCopyIsResolvedByPrepare) {
  TM_REQUIRE_BACKUP_TOOLS();
  const auto t0 = Clock::now();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(
      auto source,
      TestServer::Start({.server_args = {kSmallSystemTablespaceSteps}, .log_file_size = "64M"}));
  TM_ASSERT_OK(CreateDdlTables(*source));
  // Light writes all along (by primary key, paced): pages change while they are copied.
  TM_ASSERT_OK_AND_ASSIGN(
      auto dml, StartLoop(*source, [](SqlConnection& c, int64_t i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return c.Query(
            absl::StrFormat("UPDATE ddl.m_filler SET k = k + 1 WHERE id BETWEEN %1$d AND %1$d + 20;"
                            "INSERT INTO ddl.k_keep VALUES (10000 + %2$d, %2$d, 'live');"
                            "DELETE FROM ddl.k_keep WHERE id = %3$d",
                            1 + i * 37 % 40000, i, 1 + i % 2000));
      }));
  const std::string target = tmp.Join("backup");
  TM_ASSERT_OK_AND_ASSIGN(
      auto backup,
      StartBackup(*source, target, {"--throttle", "8", "--parallel", "1", "--progress=json"},
                  tmp.path()));
  // The filler's copy has begun once its output exists: every a_* table is copied.
  const auto w0 = Clock::now();
  while (!fs::exists(target + "/ddl/m_filler.ibd") && backup->running() && SecondsSince(w0) < 90) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(target + "/ddl/m_filler.ibd")) << backup->ErrSoFar();
  const auto d0 = Clock::now();
  TM_ASSERT_OK(RunDdlWave(*source));
  const double ddl_s = SecondsSince(d0);
  EXPECT_THAT(FilesStartingWith(target + "/ddl", "z_"), IsEmpty())
      << "the DDL took " << ddl_s << " s, longer than the filler's copy: raise its size";
  // How long DDL stays blocked on the server while the backup resolves what ran.
  EXPECT_TRUE(backup->WaitForErr("phase: block ddl", std::chrono::seconds(120)));
  const auto bd0 = Clock::now();
  EXPECT_TRUE(backup->WaitForErr("phase: block commit", std::chrono::seconds(120)));
  const double block_ddl_s = SecondsSince(bd0);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, backup->Wait(std::chrono::seconds(120)));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> at_backup, UserTables(*source));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  TM_ASSERT_OK(dml->Stop());
  std::printf(
      "[tidemark] DDL wave %.1f s during the copy; BLOCK_DDL held %.1f s\n[tidemark] %s\n"
      "[tidemark] backup ddl/: %s\n",
      ddl_s, block_ddl_s, LineStartingWith(r.err, "tidemark: backup").c_str(),
      DescribeFiles(target + "/ddl").c_str());
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  ASSERT_TRUE(HasManifest(target));
  ExpectJsonProgress(r.err);
  // tidemark's own prepare resolves the same .del/.ren/.new markers to the same bytes.
  const std::string by_peer = tmp.Join("prepared_by_mariadb_backup");
  const std::string by_us = tmp.Join("prepared_by_tidemark");
  TM_ASSERT_OK(PrepareCopy(target, by_peer));
  TM_ASSERT_OK(CopyTree(target, by_us));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult prepared, Tidemark({"prepare", "--target-dir", by_us}));
  ASSERT_EQ(prepared.exit_code, 0) << prepared.Describe();
  ExpectSamePages(by_peer, by_us, "DDL backup, mariadb-backup vs tidemark prepare");
  for (const char* marker : {"a_drop.del", "a_rename.ren", "n_created.new"}) {
    EXPECT_FALSE(fs::exists(by_us + "/ddl/" + marker)) << marker;
  }

  TM_ASSERT_OK_AND_ASSIGN(auto restored, Restore(target, tmp.Join("restored")));
  ExpectDdlResolved(*restored, at_backup, tmp.Join("restored"));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> diffs,
                          ReplayAndCompare(*source, target, *restored));
  EXPECT_THAT(diffs, IsEmpty());
  std::printf("[tidemark] DDL test total %.1f s\n", SecondsSince(t0));
}

// ------------------------------------------------------------- custom system tablespace

// A system tablespace of two files with names other than ibdataN, and undo tablespaces: the
// backup copies the files innodb_data_file_path names, the peer's prepare accepts it, and the
// restored server has the source's rows.
TEST(BackupTest, CustomSystemTablespaceFileNamesAndUndoTablespaces) {
  TM_REQUIRE_BACKUP_TOOLS();
  TempDir tmp;
  const std::vector<std::string> layout = {
      "--innodb-data-file-path=sys_first:12M;sys_second:12M:autoextend",
      "--innodb-undo-tablespaces=2"};
  TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start({.bootstrap_args = layout}));
  TM_ASSERT_OK(source->Query(
      "CREATE DATABASE lay; CREATE TABLE lay.t (id INT PRIMARY KEY, v VARCHAR(200)) "
      "ENGINE=InnoDB; INSERT INTO lay.t SELECT seq, MD5(seq) FROM lay.seq_1_to_5000;"
      "FLUSH TABLES lay.t FOR EXPORT; UNLOCK TABLES"));
  const std::string target = tmp.Join("backup");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, RunCommand(BackupArgv(*source, target, {})));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const char* f : {"sys_first", "sys_second", "undo001", "undo002", "lay/t.ibd"}) {
    EXPECT_TRUE(fs::exists(target + "/" + f)) << f;
  }
  EXPECT_FALSE(fs::exists(target + "/ibdata1"));
  EXPECT_EQ(fs::file_size(target + "/sys_first"), fs::file_size(source->datadir() + "/sys_first"));
  TM_ASSERT_OK(PrepareCopy(target, tmp.Join("restored")));
  TestServerOptions o{.bootstrap_args = layout, .existing_datadir = tmp.Join("restored")};
  TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start(std::move(o)));
  TM_ASSERT_OK_AND_ASSIGN(std::string rows, restored->QueryValue("SELECT COUNT(*) FROM lay.t"));
  EXPECT_EQ(rows, "5000");
  TM_ASSERT_OK_AND_ASSIGN(auto want, TableChecksums(*source, {"lay.t"}));
  TM_ASSERT_OK_AND_ASSIGN(auto got, TableChecksums(*restored, {"lay.t"}));
  EXPECT_EQ(want, got);
}

// ------------------------------------------------------------------ full target disk

// A tmpfs of `megabytes` mounted at `dir` for the test's lifetime (needs root and mount
// rights; an unprivileged container has neither).
class SmallFileSystem {
 public:
  static absl::StatusOr<std::unique_ptr<SmallFileSystem>> Mount(const std::string& dir,
                                                                int megabytes) {
    fs::create_directories(dir);
    TM_ASSIGN_OR_RETURN(CommandResult r,
                        RunCommand({"mount", "-t", "tmpfs", "-o",
                                    absl::StrFormat("size=%dm,mode=0700", megabytes), "tmpfs",
                                    dir}));
    if (r.exit_code != 0) return absl::PermissionDeniedError("mount: " + r.err);
    return std::unique_ptr<SmallFileSystem>(new SmallFileSystem(dir));
  }
  ~SmallFileSystem() { auto ignored = RunCommand({"umount", "-l", dir_}); }

 private:
  explicit SmallFileSystem(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

TEST(BackupTest, FullTargetDiskIsAClearErrorWithoutManifest) {
  TM_REQUIRE_BACKUP_TOOLS();
  TempDir tmp;
  absl::StatusOr<std::unique_ptr<SmallFileSystem>> disk =
      SmallFileSystem::Mount(tmp.Join("small"), 6);
  if (!disk.ok()) GTEST_SKIP() << "cannot mount a small tmpfs here: " << disk.status();
  TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start({}));
  // ~20 MB of data: more than the 6 MB file system holds.
  TM_ASSERT_OK(source->Query(
      "CREATE DATABASE full_disk; CREATE TABLE full_disk.t (id INT PRIMARY KEY, v "
      "VARCHAR(1000)) ENGINE=InnoDB;"
      "INSERT INTO full_disk.t SELECT seq, REPEAT(MD5(seq), 20) FROM full_disk.seq_1_to_20000;"
      "FLUSH TABLES full_disk.t FOR EXPORT; UNLOCK TABLES"));
  const std::string target = tmp.Join("small/backup");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, RunCommand(BackupArgv(*source, target, {})));
  std::printf("[tidemark] exit %d: %s\n", r.exit_code,
              LineStartingWith(r.err, "tidemark: backup failed").c_str());
  EXPECT_EQ(r.exit_code, 7) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_THAT(r.err, HasSubstr(target));  // names the file that could not be written
  EXPECT_THAT(r.err, HasSubstr("no tidemark_manifest.json"));
  EXPECT_FALSE(HasManifest(target));
  // The server was released: DDL runs.
  EXPECT_TRUE(source->Query("SET SESSION lock_wait_timeout = 5; CREATE TABLE full_disk.after "
                            "(a INT)").ok());
}

// ------------------------------------------------------------------ lost lock connection

// Connections holding a backup lock (metadata_lock_info: MDL_BACKUP_START while a backup
// copies), as "thread_id lock_mode".
absl::StatusOr<std::vector<std::string>> BackupLockHolders(TestServer& server) {
  TM_ASSIGN_OR_RETURN(std::vector<Row> rows,
                      server.QueryRows("SELECT thread_id, lock_mode FROM "
                                       "information_schema.metadata_lock_info WHERE lock_mode "
                                       "LIKE 'MDL_BACKUP_START%'"));
  std::vector<std::string> holders;
  for (const Row& r : rows) holders.push_back(r.at(0) + " " + r.at(1));
  return holders;
}

TEST(BackupTest, KilledLockConnectionFailsTheBackupWithoutManifest) {
  TM_REQUIRE_BACKUP_TOOLS();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(
      auto source, TestServer::Start({.server_args = {"--plugin-load-add=metadata_lock_info"}}));
  TM_ASSERT_OK(source->Query(
      "CREATE DATABASE k; CREATE TABLE k.t (id INT PRIMARY KEY, v VARCHAR(1000)) ENGINE=InnoDB;"
      "INSERT INTO k.t SELECT seq, REPEAT(MD5(seq), 20) FROM k.seq_1_to_20000;"
      "FLUSH TABLES k.t FOR EXPORT; UNLOCK TABLES"));
  const std::string target = tmp.Join("backup");
  TM_ASSERT_OK_AND_ASSIGN(auto backup,
                          StartBackup(*source, target, {"--throttle", "1"}, tmp.path()));
  ASSERT_TRUE(backup->WaitForErr("phase: copying innodb", std::chrono::seconds(60)))
      << backup->ErrSoFar();
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> holders, BackupLockHolders(*source));
  ASSERT_EQ(holders.size(), 1u) << absl::StrJoin(holders, "; ");
  std::printf("[tidemark] killing tidemark's lock connection: %s\n", holders[0].c_str());
  TM_ASSERT_OK(source->Query("KILL " + holders[0].substr(0, holders[0].find(' '))));
  const auto k0 = Clock::now();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, backup->Wait(std::chrono::seconds(120)));
  std::printf("[tidemark] exit %d %.1f s after the KILL: %s\n", r.exit_code, SecondsSince(k0),
              LineStartingWith(r.err, "tidemark: backup failed").c_str());
  EXPECT_EQ(r.exit_code, 6) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("backup failed"));
  // Noticed by the watchdog while the data copy (about 15 s at 1 MB/s) was still running,
  // not at the next BACKUP STAGE statement after it.
  EXPECT_THAT(r.err, HasSubstr("the connection holding BACKUP STAGE"));
  EXPECT_THAT(r.err, HasSubstr("no tidemark_manifest.json"));
  EXPECT_FALSE(HasManifest(target));
  // The server is not left blocked: no backup lock remains and DDL runs.
  TM_ASSERT_OK_AND_ASSIGN(holders, BackupLockHolders(*source));
  EXPECT_THAT(holders, IsEmpty());
  EXPECT_TRUE(
      source->Query("SET SESSION lock_wait_timeout = 5; CREATE TABLE k.after (a INT)").ok());
}

}  // namespace
}  // namespace tidemark::testing
