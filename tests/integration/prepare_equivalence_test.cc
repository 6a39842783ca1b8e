// tidemark's own prepare judged against the server's recovery, and tidemark restore, on real
// MariaDB 10.11 servers (../shared/docs/TESTING.md checks 1, 3 and 4):
//  (a) one `mariadb-backup --backup` taken under a varied write load (sysbench, all four row
//      formats with secondary indexes and BLOBs, deletes, re-inserts, size-changing updates,
//      DDL) is copied three times: two copies prepared by mariadb-backup must compare equal
//      (a self-test of `tidemark compare` and its masks), and the copy prepared by `tidemark
//      prepare` must compare equal to them, page by page. The redo between checkpoint and end
//      is counted per record type, and the pages whose last record is FREE_PAGE are checked
//      untouched by mariadb-backup (the evidence for the free-page mask, docs/compare.md);
//  (b) tidemark backup -> tidemark prepare -> tidemark restore -> a server on the result:
//      CHECK TABLE EXTENDED, then binlog replay, then CHECKSUM TABLE equal to the source;
//  (c) restore refusals (non-empty datadir, unprepared backup, prepare journal) and the
//      xtrabackup-style --copy-back / --move-back spellings.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/log_view.h"
#include "innodb/redo/mtr.h"
#include "innodb/redo/record.h"
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
using ::testing::HasSubstr;
using ::testing::IsEmpty;

#define TM_REQUIRE_PREPARE_TOOLS()                                                   \
  TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup", \
                      "mariadb-binlog")

// ------------------------------------------------------------------ loads

constexpr const char* kFormats[] = {"REDUNDANT", "COMPACT", "DYNAMIC", "COMPRESSED"};

// eq.t_<format>: a secondary index, a variable-length column, and BLOBs, some off-page.
absl::Status CreateFormatTables(TestServer& server, int rows) {
  TM_RETURN_IF_ERROR(server.Query("CREATE DATABASE IF NOT EXISTS eq"));
  for (const char* f : kFormats) {
    TM_RETURN_IF_ERROR(server.Query(absl::StrFormat(
        "CREATE TABLE eq.t_%1$s (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, "
        "v VARCHAR(600), b MEDIUMBLOB, KEY (k), KEY (v(20))) ENGINE=InnoDB ROW_FORMAT=%1$s%2$s;"
        "INSERT INTO eq.t_%1$s (k, v, b) SELECT seq %% 997, REPEAT(MD5(seq), 1 + seq %% 18), "
        "IF(seq %% 7 = 0, REPEAT(SHA1(seq), 40 + seq %% 900), NULL) FROM eq.seq_1_to_%3$d",
        f, std::string(f) == "COMPRESSED" ? " KEY_BLOCK_SIZE=8" : "", rows)));
  }
  return absl::OkStatus();
}

// Deletes, re-inserts (with BLOBs that go off-page) and updates that grow and shrink records,
// round-robin over the four row formats.
absl::Status FormatStep(SqlConnection& c, int64_t i) {
  const char* f = kFormats[i % 4];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // bounds the redo rate
  return c.Query(absl::StrFormat(
      "DELETE FROM eq.t_%1$s WHERE k = %2$d LIMIT 25;"
      "INSERT INTO eq.t_%1$s (k, v, b) SELECT (seq * 31 + %3$d) %% 997, REPEAT(MD5(seq + %3$d), "
      "1 + (seq + %3$d) %% 18), IF(seq %% 4 = 0, REPEAT(SHA1(seq), 100 + (seq * %3$d) %% 1500), "
      "NULL) FROM eq.seq_1_to_25;"
      "UPDATE eq.t_%1$s SET v = REPEAT(CHAR(65 + %3$d %% 26), (id + %3$d) %% 600), "
      "b = IF(b IS NULL, NULL, LEFT(b, (id * 7) %% 3000)) WHERE k = %4$d LIMIT 20",
      f, static_cast<int>((i * 37) % 997), static_cast<int>(i),
      static_cast<int>((i * 53 + 11) % 997)));
}

// CREATE, TRUNCATE, ALTER (copy and instant), RENAME and DROP, every call.
absl::Status DdlStep(SqlConnection& c, int64_t i) {
  const int n = static_cast<int>(i);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return c.Query(absl::StrFormat(
      "CREATE TABLE eq.d%1$d (a INT PRIMARY KEY, b VARCHAR(200), KEY (b)) ROW_FORMAT=%2$s;"
      "INSERT INTO eq.d%1$d SELECT seq, REPEAT('d', seq %% 200) FROM eq.seq_1_to_800;"
      "TRUNCATE TABLE eq.d%1$d; INSERT INTO eq.d%1$d VALUES (1, 'after truncate');"
      "ALTER TABLE eq.d%1$d ADD COLUMN c INT NOT NULL DEFAULT 5, FORCE;"
      "ALTER TABLE eq.d%1$d ADD COLUMN e INT, ALGORITHM=INSTANT;"
      "RENAME TABLE eq.d%1$d TO eq.r%1$d; DROP TABLE IF EXISTS eq.r%3$d",
      n, kFormats[n % 3], n >= 2 ? n - 2 : 1000000));
}

std::vector<std::string> SysbenchArgs(const TestServer& server, const std::string& command,
                                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {"sysbench",          "oltp_write_only",
                                   "--db-driver=mysql", "--mysql-socket=" + server.socket(),
                                   "--mysql-user=root", "--mysql-db=sbtest",
                                   "--tables=4",        "--table-size=30000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(command);
  return argv;
}

// All the loads at once, stopped together.
struct Load {
  std::unique_ptr<BackgroundCommand> sysbench;  // null when sysbench is not installed
  std::vector<std::unique_ptr<SqlLoop>> loops;
  absl::Status Stop() {
    absl::Status first;
    for (auto& l : loops) {
      if (absl::Status s = l->Stop(); !s.ok() && first.ok()) first = s;
    }
    if (sysbench) (void)sysbench->Stop();
    return first;
  }
};

absl::StatusOr<Load> StartLoad(TestServer& server, const std::string& scratch) {
  Load load;
  if (FindProgram("sysbench").ok()) {
    TM_ASSIGN_OR_RETURN(
        load.sysbench,
        BackgroundCommand::Start(
            // Capped: unthrottled on 2 cores it writes ~40 MB/s of redo, which made
            // mariadb-backup's own log copier fail ("Was only able to copy log").
            SysbenchArgs(server, "run",
                         {"--threads=2", "--rate=150", "--time=900", "--report-interval=0"}),
            scratch + "/sysbench"));
  }
  for (int t = 0; t < 2; ++t) {
    TM_ASSIGN_OR_RETURN(auto loop, StartLoop(server, FormatStep));
    load.loops.push_back(std::move(loop));
  }
  TM_ASSIGN_OR_RETURN(auto ddl, StartLoop(server, DdlStep));
  load.loops.push_back(std::move(ddl));
  return load;
}

absl::StatusOr<std::unique_ptr<TestServer>> StartLoadedSource(const std::string& scratch,
                                                              int rows) {
  TM_ASSIGN_OR_RETURN(auto server,
                      TestServer::Start({.server_args = {"--innodb-autoextend-increment=8"},
                                         .buffer_pool_size = "256M",
                                         .log_file_size = "512M"}));
  TM_RETURN_IF_ERROR(CreateFormatTables(*server, rows));
  if (FindProgram("sysbench").ok()) {
    TM_RETURN_IF_ERROR(server->Query("CREATE DATABASE sbtest"));
    TM_ASSIGN_OR_RETURN(CommandResult r, RunCommand(SysbenchArgs(*server, "prepare")));
    if (r.exit_code != 0) return absl::InternalError("sysbench prepare: " + r.Describe());
  } else {
    std::printf("[tidemark] sysbench not installed: SQL loads only\n");
  }
  (void)scratch;
  return server;
}

// ------------------------------------------------------------------ redo census

struct RedoCensus {
  std::map<std::string, uint64_t> counts;  // "WRITE", "EXTENDED INSERT_HEAP_DYNAMIC", ...
  uint64_t mtrs = 0;
  std::map<std::pair<uint32_t, uint32_t>, uint8_t> last_type;  // (space, page) -> type bits
};

std::string RecordName(const innodb::RedoRecord& r) {
  if (r.kind == innodb::RecordKind::kFile) {
    return std::string(innodb::FileRecordTypeName(r.type_byte));
  }
  return innodb::PageRecordTypeName(r.type_byte, r.payload);
}

// Every record of a backup's ib_logfile0 from its checkpoint to the end of the copied log.
absl::StatusOr<RedoCensus> CountRedo(const std::string& log_path) {
  std::ifstream in(log_path, std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (file.size() < innodb::kLogStartOffset) return absl::DataLossError("short log");
  TM_ASSIGN_OR_RETURN(innodb::LogFileHead head,
                      innodb::ParseLogFileHead(ByteSpan(file).first(innodb::kLogStartOffset)));
  TM_ASSIGN_OR_RETURN(innodb::LogGeometry g,
                      innodb::LogGeometry::Create(head.header.first_lsn, file.size()));
  const Lsn from = head.checkpoint.checkpoint_lsn;
  const Lsn to(g.first_lsn().value() + g.capacity());
  innodb::LogView log = innodb::LogView::OfFile(file, g, from, to);
  innodb::MtrFraming framing{.geometry = g, .encryption = head.header.encryption()};
  RedoCensus census;
  std::vector<uint8_t> scratch, records;
  for (size_t pos = 0; pos < log.size();) {
    innodb::MtrResult m = innodb::ReadMtr(log.Sub(pos), framing, scratch);
    if (!m.ok()) break;
    ++census.mtrs;
    ByteSpan body = m.mtr.records().Contiguous(records);
    innodb::RecordReader reader(body, framing.encryption);
    for (innodb::RedoRecord r; reader.Next(r);) {
      if (r.kind == innodb::RecordKind::kPadding) continue;
      ++census.counts[RecordName(r)];
      if (r.kind == innodb::RecordKind::kPage) {
        census.last_type[{r.page.space.value(), r.page.page.value()}] = r.type_byte & 0x70;
      }
    }
    pos += m.mtr.size();
  }
  return census;
}

// Space id -> file (relative) and physical page size, from page 0 of each tablespace file.
std::map<uint32_t, std::pair<std::string, uint32_t>> SpaceFiles(const std::string& dir) {
  std::map<uint32_t, std::pair<std::string, uint32_t>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !(name.ends_with(".ibd") || name == "ibdata1")) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<uint8_t> head(64);
    in.read(reinterpret_cast<char*>(head.data()), head.size());
    const uint32_t flags = ReadBe32(head, 54);
    const uint32_t zip = (flags & 0x10) ? 0 : (flags >> 1) & 15;
    out[ReadBe32(head, 34)] = {fs::relative(e.path(), dir).string(), zip ? 512u << zip : 16384u};
  }
  return out;
}

std::vector<uint8_t> ReadPage(const std::string& path, uint32_t page, uint32_t size) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> buf(size);
  in.seekg(static_cast<std::streamoff>(page) * size);
  in.read(reinterpret_cast<char*>(buf.data()), size);
  buf.resize(in.gcount());
  return buf;
}

// Pages whose last record is FREE_PAGE: how many prepare left as the backup copied them.
std::pair<int, int> FreedPagesUntouched(const RedoCensus& census, const std::string& raw,
                                        const std::string& prepared) {
  const auto files = SpaceFiles(prepared);
  int checked = 0, untouched = 0;
  for (const auto& [id, type] : census.last_type) {
    auto f = files.find(id.first);
    if (type != 0x00 || f == files.end()) continue;
    const auto before = ReadPage(raw + "/" + f->second.first, id.second, f->second.second);
    if (before.empty()) continue;  // created during the backup: not in the raw copy
    ++checked;
    untouched += before == ReadPage(prepared + "/" + f->second.first, id.second, f->second.second);
  }
  return {checked, untouched};
}

// ------------------------------------------------------------------ tools

// ------------------------------------------------------------------ (a) byte equivalence

TEST(PrepareEquivalenceTest, TidemarkPrepareLeavesTheBytesMariadbBackupPrepareLeaves) {
  TM_REQUIRE_PREPARE_TOOLS();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source, StartLoadedSource(tmp.path(), 20000));
  TM_ASSERT_OK_AND_ASSIGN(Load load, StartLoad(*source, tmp.path()));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::string raw = tmp.Join("raw");
  // Throttled (IO pairs per second), so the load writes redo during the whole copy.
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult backup,
      RunCommand({"mariadb-backup", "--backup", "--target-dir=" + raw,
                  "--socket=" + source->socket(), "--user=root", "--throttle=30"},
                 {.timeout = std::chrono::minutes(15)}));
  TM_ASSERT_OK(load.Stop());
  ASSERT_EQ(backup.exit_code, 0) << backup.Describe();

  TM_ASSERT_OK_AND_ASSIGN(RedoCensus census, CountRedo(raw + "/ib_logfile0"));
  std::string counts;
  for (const auto& [name, n] : census.counts)
    counts +=
        absl::StrFormat("\n[tidemark]   %-36s %llu", name, static_cast<unsigned long long>(n));
  std::printf("[tidemark] redo from checkpoint to end: %llu mtrs%s\n",
              static_cast<unsigned long long>(census.mtrs), counts.c_str());
  for (const char* kind :
       {"WRITE", "MEMSET", "INIT_PAGE", "FREE_PAGE", "EXTENDED INSERT_HEAP_DYNAMIC",
        "EXTENDED INSERT_HEAP_REDUNDANT", "EXTENDED DELETE_ROW_FORMAT_DYNAMIC",
        "EXTENDED DELETE_ROW_FORMAT_REDUNDANT", "EXTENDED UNDO_APPEND"}) {
    EXPECT_GE(census.counts[kind], 1000u) << kind << ": make the load larger or the copy slower";
  }

  const std::string mb1 = tmp.Join("mariadb_backup_1"), mb2 = tmp.Join("mariadb_backup_2");
  TM_ASSERT_OK(PrepareCopy(raw, mb1));
  TM_ASSERT_OK(PrepareCopy(raw, mb2));
  ExpectSamePages(mb1, mb2, "mariadb-backup vs mariadb-backup");
  const auto [checked, untouched] = FreedPagesUntouched(census, raw, mb1);
  std::printf(
      "[tidemark] pages whose last record is FREE_PAGE: %d, left as copied by "
      "mariadb-backup --prepare: %d\n",
      checked, untouched);
  EXPECT_EQ(untouched, checked) << "docs/compare.md's free-page evidence no longer holds";

  const std::string ours = tmp.Join("tidemark");
  TM_ASSERT_OK(CopyTree(raw, ours));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult prepared, Tidemark({"prepare", "--target-dir", ours}));
  ASSERT_EQ(prepared.exit_code, 0) << prepared.Describe();
  ExpectSamePages(mb1, ours, "mariadb-backup vs tidemark");
}

// ------------------------------------------------------------------ (b) round trip

TEST(PrepareEquivalenceTest, BackupPrepareRestoreStartsAndReplaysToTheSource) {
  TM_REQUIRE_PREPARE_TOOLS();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source, StartLoadedSource(tmp.path(), 5000));
  TM_ASSERT_OK_AND_ASSIGN(Load load, StartLoad(*source, tmp.path()));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::string backup = tmp.Join("backup");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult b,
                          Tidemark({"backup", "--target-dir", backup, "--socket", source->socket(),
                                    "--user", "root", "--throttle", "20", "--progress", "json"}));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // writes after the consistent point
  TM_ASSERT_OK(load.Stop());
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p, Tidemark({"prepare", "--target-dir", backup}));
  ASSERT_EQ(p.exit_code, 0) << p.Describe();
  const std::string datadir = tmp.Join("restored/data");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"restore", "--target-dir", backup, "--datadir",
                                                     datadir, "--parallel", "2"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::printf("[tidemark] %s\n", LineStartingWith(r.err, "tidemark: restore complete").c_str());
  EXPECT_FALSE(fs::exists(datadir + "/xtrabackup_checkpoints"));
  EXPECT_FALSE(fs::exists(datadir + "/backup-my.cnf"));

  TM_ASSERT_OK_AND_ASSIGN(
      auto restored, TestServer::Start({.existing_datadir = datadir, .buffer_pool_size = "256M"}));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> tables, UserTables(*restored));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> complaints,
                          CheckTablesExtended(*restored, tables));
  EXPECT_THAT(complaints, IsEmpty());
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> diffs,
                          ReplayAndCompare(*source, backup, *restored));
  EXPECT_THAT(diffs, IsEmpty());
}

// ------------------------------------------------------------------ (c) restore refusals

TEST(PrepareEquivalenceTest, RestoreRefusesAndTheXtrabackupSpellingsWork) {
  TM_REQUIRE_PREPARE_TOOLS();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start({}));
  TM_ASSERT_OK(CreateFormatTables(*source, 2000));
  const std::string backup = tmp.Join("backup");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult b,
                          RunCommand({"mariadb-backup", "--backup", "--target-dir=" + backup,
                                      "--socket=" + source->socket(), "--user=root"}));
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  const std::string datadir = tmp.Join("data");

  TM_ASSERT_OK_AND_ASSIGN(CommandResult unprepared,
                          Tidemark({"restore", "--target-dir", backup, "--datadir", datadir}));
  EXPECT_EQ(unprepared.exit_code, 4) << unprepared.Describe();
  EXPECT_THAT(
      unprepared.err,
      HasSubstr("is not prepared (xtrabackup_checkpoints says backup_type = full-backuped)"));
  EXPECT_FALSE(fs::exists(datadir));

  TM_ASSERT_OK_AND_ASSIGN(CommandResult prep,
                          RunCommand({"mariadb-backup", "--prepare", "--target-dir=" + backup}));
  ASSERT_EQ(prep.exit_code, 0) << prep.Describe();
  std::ofstream(backup + "/tidemark_prepare.journal") << "half";
  TM_ASSERT_OK_AND_ASSIGN(CommandResult journal, Tidemark({"--copy-back", "--target-dir=" + backup,
                                                           "--datadir=" + datadir}));
  EXPECT_EQ(journal.exit_code, 4) << journal.Describe();
  EXPECT_THAT(journal.err,
              HasSubstr("has an unfinished tidemark prepare (tidemark_prepare.journal)"));
  fs::remove(backup + "/tidemark_prepare.journal");

  fs::create_directories(datadir);
  std::ofstream(datadir + "/leftover.txt") << "x";
  TM_ASSERT_OK_AND_ASSIGN(CommandResult nonempty, Tidemark({"--copy-back", "--target-dir=" + backup,
                                                            "--datadir=" + datadir}));
  EXPECT_EQ(nonempty.exit_code, 2) << nonempty.Describe();
  EXPECT_THAT(nonempty.err, HasSubstr("is not empty: it holds 'leftover.txt'"));
  fs::remove(datadir + "/leftover.txt");

  TM_ASSERT_OK_AND_ASSIGN(CommandResult copied, Tidemark({"--copy-back", "--target-dir=" + backup,
                                                          "--datadir=" + datadir}));
  ASSERT_EQ(copied.exit_code, 0) << copied.Describe();
  EXPECT_TRUE(fs::exists(backup + "/ibdata1"));
  EXPECT_EQ(fs::status(datadir + "/eq/t_DYNAMIC.ibd").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::group_write);
  {
    TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start({.existing_datadir = datadir}));
    TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> tables, UserTables(*restored));
    EXPECT_EQ(tables.size(), 4u);
    TM_ASSERT_OK_AND_ASSIGN(auto complaints, CheckTablesExtended(*restored, tables));
    EXPECT_THAT(complaints, IsEmpty());
  }

  const std::string moved = tmp.Join("moved");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult move, Tidemark({"--move-back", "--target-dir=" + backup,
                                                        "--datadir=" + moved}));
  ASSERT_EQ(move.exit_code, 0) << move.Describe();
  EXPECT_TRUE(fs::exists(moved + "/eq/t_COMPACT.ibd"));
  EXPECT_FALSE(fs::exists(backup + "/eq/t_COMPACT.ibd"));
  EXPECT_TRUE(fs::exists(backup + "/xtrabackup_checkpoints"));
}

}  // namespace
}  // namespace tidemark::testing
