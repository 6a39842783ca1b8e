// `tidemark backup --incremental-basedir` end to end against a real MariaDB 10.11 server
// (../shared/docs/TESTING.md): a tidemark full backup, then inserts, updates, CREATE, DROP,
// RENAME, TRUNCATE, a new database and a MyISAM change, then a tidemark incremental taken under
// a write load, with RENAME, DROP and CREATE while it copies (.ren/.del/.new). mariadb-backup
// prepares the full and applies the incremental, tidemark restores the result, a server started on
// it has every table pass CHECK TABLE EXTENDED and, after the binlog from the incremental's
// position is replayed, the source's CHECKSUM TABLE values. On the quiesced server,
// mariadb-backup's own incremental from the same base must have the same .delta/.meta files as
// tidemark's, byte for byte when no page was written in between.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}


// Relative paths of the files under `dir` whose names end with one of `suffixes`, sorted.
std::vector<std::string> FilesEndingWith(const std::string& dir,
                                         const std::vector<std::string>& suffixes) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir).string();
    for (const std::string& s : suffixes) {
      if (absl::EndsWith(rel, s)) out.push_back(rel);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}




// ------------------------------------------------------------------ the data

constexpr int kRows = 3000;

// Tables of every kind of change, in a database with a sequence engine handy.
absl::Status CreateTables(TestServer& server) {
  std::string sql = "CREATE DATABASE inc;";
  for (const char* t : {"t_static", "t_keep", "t_drop", "t_rename", "t_trunc", "t_alter", "load"}) {
    sql += absl::StrFormat(
        "CREATE TABLE inc.%1$s (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(200), KEY (k)) "
        "ENGINE=InnoDB;"
        "INSERT INTO inc.%1$s SELECT seq, seq * 7 %% 1000, RPAD(MD5(seq), 150, '.') FROM "
        "inc.seq_1_to_%2$d;",
        t, kRows);
  }
  sql +=
      "CREATE TABLE inc.t_zip (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB "
      "ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8;"
      "INSERT INTO inc.t_zip SELECT seq, RPAD(MD5(seq), 150, '.') FROM inc.seq_1_to_2000;"
      "CREATE TABLE inc.a_ren (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE inc.a_drop (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE inc.z_ren (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "CREATE TABLE inc.z_drop (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "INSERT INTO inc.a_ren SELECT seq FROM inc.seq_1_to_500;"
      "INSERT INTO inc.z_ren SELECT seq FROM inc.seq_1_to_500;"
      "CREATE TABLE inc.t_myisam (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;"
      "INSERT INTO inc.t_myisam SELECT seq, seq FROM inc.seq_1_to_100";
  return server.Query(sql);
}

// Between the full and the incremental backup.
absl::Status ChangeEverything(TestServer& server) {
  return server.Query(
      "INSERT INTO inc.t_keep SELECT 10000 + seq, seq, 'new' FROM inc.seq_1_to_500;"
      "UPDATE inc.t_keep SET v = CONCAT('updated ', id) WHERE id % 50 = 0;"
      "DELETE FROM inc.t_keep WHERE id BETWEEN 100 AND 200;"
      "UPDATE inc.t_zip SET v = 'zip updated' WHERE id % 40 = 0;"
      "DROP TABLE inc.t_drop;"
      "RENAME TABLE inc.t_rename TO inc.t_renamed;"
      "INSERT INTO inc.t_renamed VALUES (100001, 1, 'after rename');"
      "TRUNCATE TABLE inc.t_trunc;"
      "INSERT INTO inc.t_trunc SELECT seq, seq, 'after truncate' FROM inc.seq_1_to_50;"
      "ALTER TABLE inc.t_alter ADD COLUMN extra INT NOT NULL DEFAULT 7, ALGORITHM=COPY;"
      "CREATE TABLE inc.t_new (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB;"
      "INSERT INTO inc.t_new SELECT seq, MD5(seq) FROM inc.seq_1_to_2000;"
      "CREATE DATABASE inc2;"
      "CREATE TABLE inc2.t (id INT PRIMARY KEY) ENGINE=InnoDB;"
      "INSERT INTO inc2.t SELECT seq FROM inc.seq_1_to_100;"
      "INSERT INTO inc.t_myisam SELECT 1000 + seq, seq FROM inc.seq_1_to_50");
}

// DDL while the incremental copies inc/: a_* are copied already (.ren, .del), z_* not yet (the
// renamed one is copied under its new name, the dropped one not at all), t_during is new (.new).
absl::Status DdlDuringTheCopy(TestServer& server) {
  return server.Query(
      "RENAME TABLE inc.a_ren TO inc.a_renamed, inc.z_ren TO inc.z_renamed;"
      "DROP TABLE inc.a_drop, inc.z_drop;"
      "INSERT INTO inc.z_renamed VALUES (100001);"
      "CREATE TABLE inc.t_during (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB;"
      "INSERT INTO inc.t_during SELECT seq, MD5(seq) FROM inc.seq_1_to_1000");
}

// The write load during the incremental backup.
absl::Status LoadStep(SqlConnection& c, int64_t i) {
  return c.Query(
      absl::StrFormat("UPDATE inc.load SET k = k + 1 WHERE id BETWEEN %1$d AND %1$d + 10;"
                      "INSERT INTO inc.load VALUES (%2$d, %2$d, 'live');"
                      "DELETE FROM inc.load WHERE id = %3$d",
                      1 + i * 37 % kRows, 100000 + i, 1 + i % kRows));
}

// ------------------------------------------------------------------ the checks

// What the incremental must hold, judged by file names and its metadata files.
void ExpectIncrementalLayout(const std::string& full, const std::string& inc) {
  const std::vector<std::string> deltas = FilesEndingWith(inc, {".delta"});
  for (const char* want :
       {"ibdata1.delta", "undo001.delta", "undo002.delta", "inc/t_static.ibd.delta",
        "inc/t_keep.ibd.delta", "inc/t_renamed.ibd.delta", "inc/t_trunc.ibd.delta",
        "inc/t_new.ibd.delta", "inc/t_zip.ibd.delta", "inc2/t.ibd.delta"}) {
    EXPECT_THAT(deltas, Contains(want));
  }
  EXPECT_THAT(deltas, Not(Contains("inc/t_drop.ibd.delta")));
  EXPECT_THAT(FilesEndingWith(inc, {".ibd"}), IsEmpty()) << "data files must be deltas";
  std::printf("[tidemark] incremental's DDL markers: %s\n",
              absl::StrJoin(FilesEndingWith(inc, {".new", ".ren", ".del"}), " ").c_str());
  EXPECT_THAT(FilesEndingWith(inc, {".new"}), ElementsAreArray({"inc/t_during.new"}));
  if (!fs::exists(inc + "/inc/z_ren.ren")) {  // renamed before its copy: a delta, new name
    EXPECT_TRUE(fs::exists(inc + "/inc/z_renamed.ibd.delta"));
  }
  for (const std::string& d : deltas) {
    const std::string meta = d.substr(0, d.size() - 6) + ".meta";
    EXPECT_TRUE(fs::exists(inc + "/" + meta)) << meta;
  }
  // Untouched since the full backup's checkpoint: one header page.
  EXPECT_EQ(fs::file_size(inc + "/inc/t_static.ibd.delta"), 16384u);
  EXPECT_THAT(ReadWholeFile(inc + "/inc/t_zip.ibd.meta"),
              ::testing::StartsWith("page_size = 8192\nzip_size = 8192 \nspace_id = "));
  EXPECT_EQ(ReadWholeFile(inc + "/ibdata1.meta"), "page_size = 16384\nzip_size = 0 \nspace_id = 0\n");
  EXPECT_TRUE(fs::exists(inc + "/inc/t_myisam.MYD"));

  const std::string full_cp = ReadWholeFile(full + "/xtrabackup_checkpoints");
  const std::string inc_cp = ReadWholeFile(inc + "/xtrabackup_checkpoints");
  EXPECT_EQ(MetadataValue(inc_cp, "backup_type"), "incremental");
  EXPECT_EQ(MetadataValue(inc_cp, "from_lsn"), MetadataValue(full_cp, "to_lsn"));
  const std::string info = ReadWholeFile(inc + "/xtrabackup_info");
  EXPECT_EQ(MetadataValue(info, "incremental"), "Y");
  EXPECT_EQ(MetadataValue(info, "innodb_from_lsn"), MetadataValue(full_cp, "to_lsn"));

  const json full_m = json::parse(ReadWholeFile(full + "/tidemark_manifest.json"));
  const json inc_m = json::parse(ReadWholeFile(inc + "/tidemark_manifest.json"));
  EXPECT_EQ(inc_m["kind"], "incremental");
  EXPECT_EQ(inc_m["base_backup_uuid"], full_m["backup_uuid"]);
  EXPECT_EQ(inc_m["lsn"]["from"], full_m["lsn"]["to"]);
  int delta_files = 0;
  for (const json& f : inc_m["files"]) {
    if (f["kind"] != "innodb-delta") continue;
    ++delta_files;
    if (f["path"] == "inc/t_static.ibd.delta") {
      EXPECT_EQ(f["pages"], 0);
    } else if (f["path"] == "inc/t_new.ibd.delta") {
      EXPECT_GT(f["pages"].get<int>(), 5);
    } else if (f["path"] == "inc/t_keep.ibd.delta") {
      EXPECT_GT(f["pages"].get<int>(), 3);
    }
  }
  EXPECT_EQ(delta_files, static_cast<int>(deltas.size()));
}

// Purge finished, every dirty page written back and a checkpoint: nothing is left for the
// server to write while the two incrementals are taken (stats recalculation is off).
absl::Status Quiesce(TestServer& server) {
  const auto t0 = Clock::now();
  while (SecondsSince(t0) < 30) {
    TM_ASSIGN_OR_RETURN(std::vector<Row> rows, server.QueryRows("SHOW ENGINE INNODB STATUS"));
    if (!rows.empty() && absl::StrContains(rows[0].back(), "History list length 0\n")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return server.Query("SET GLOBAL innodb_log_checkpoint_now = ON");
}

// mariadb-backup's incremental from the same base, on a quiet server, against tidemark's in
// both modes (scan reads every page, redo the pages the live log lists): the same pages.
void ExpectSameDeltasAsThePeer(TestServer& source, const std::string& full, TempDir& tmp) {
  TM_ASSERT_OK(Quiesce(source));
  TM_ASSERT_OK_AND_ASSIGN(uint64_t written0, GlobalStatusValue(source, "Innodb_pages_written"));
  const std::string peer = tmp.Join("inc_peer_quiet");
  std::vector<std::string> ours;
  for (const char* mode : {"scan", "redo"}) {
    ours.push_back(tmp.Join(absl::StrCat("inc_tidemark_quiet_", mode)));
    TM_ASSERT_OK_AND_ASSIGN(
        CommandResult t,
        Tidemark(TidemarkBackupArgs(source, ours.back(),
                            {"--incremental-basedir=" + full,
                             absl::StrCat("--incremental-mode=", mode)})));
    ASSERT_EQ(t.exit_code, 0) << t.Describe();
    EXPECT_THAT(t.err, HasSubstr(absl::StrCat("(", mode, " mode")));
  }
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult m,
      RunCommand({"mariadb-backup", "--backup", "--target-dir=" + peer,
                  "--incremental-basedir=" + full, "--socket=" + source.socket(), "--user=root"}));
  ASSERT_EQ(m.exit_code, 0) << m.Describe();
  TM_ASSERT_OK_AND_ASSIGN(uint64_t written1, GlobalStatusValue(source, "Innodb_pages_written"));
  const std::vector<std::string> names = FilesEndingWith(peer, {".delta", ".meta"});
  for (const std::string& dir : ours) {
    EXPECT_THAT(FilesEndingWith(dir, {".delta", ".meta"}), ElementsAreArray(names)) << dir;
    EXPECT_EQ(MetadataValue(ReadWholeFile(dir + "/xtrabackup_checkpoints"), "from_lsn"),
              MetadataValue(ReadWholeFile(peer + "/xtrabackup_checkpoints"), "from_lsn"));
  }
  if (written1 != written0) {
    // The server wrote pages between the copies: their deltas may rightly differ.
    std::printf("[tidemark] %llu pages written between the incrementals: names compared only\n",
                static_cast<unsigned long long>(written1 - written0));
    return;
  }
  int same = 0;
  for (const std::string& n : names) {
    for (const std::string& dir : ours) {
      const bool equal = ReadWholeFile(dir + "/" + n) == ReadWholeFile(peer + "/" + n);
      EXPECT_TRUE(equal) << dir << "/" << n << " differs from mariadb-backup's";
      same += equal;
    }
  }
  std::printf("[tidemark] quiet server: %d .delta/.meta files (scan and redo mode) byte-identical "
              "to mariadb-backup's\n",
              same);
}

// mariadb-backup prepares a copy of the full backup, applies a copy of the incremental, and
// tidemark restores the result into a new datadir.
absl::Status PrepareAndRestore(const std::string& full, const std::string& inc, TempDir& tmp,
                               const std::string& datadir) {
  const std::string full_copy = tmp.Join("full_prepared"), inc_copy = tmp.Join("inc_applied");
  TM_RETURN_IF_ERROR(PrepareCopy(full, full_copy));
  TM_RETURN_IF_ERROR(CopyTree(inc, inc_copy));
  TM_ASSIGN_OR_RETURN(CommandResult r,
                      RunCommand({"mariadb-backup", "--prepare", "--target-dir=" + full_copy,
                                  "--incremental-dir=" + inc_copy}));
  if (r.exit_code != 0) {
    return absl::FailedPreconditionError("mariadb-backup --prepare --incremental-dir: " +
                                         r.Describe());
  }
  TM_ASSIGN_OR_RETURN(r, Tidemark({"restore", "--target-dir", full_copy, "--datadir", datadir}));
  if (r.exit_code != 0) return absl::FailedPreconditionError("tidemark restore: " + r.Describe());
  return absl::OkStatus();
}

const std::vector<std::string> kLayout = {"--innodb-undo-tablespaces=2"};

TEST(IncrementalBackupTest, TidemarkIncrementalAppliedByMariadbBackupRestoresTheSource) {
  TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup",
                      "mariadb-binlog");
  const auto t0 = Clock::now();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source,
                          TestServer::Start({.bootstrap_args = kLayout,
                                             .server_args = {"--innodb-autoextend-increment=8",
                                                             "--innodb-stats-auto-recalc=OFF"},
                                             .log_file_size = "64M"}));
  TM_ASSERT_OK(CreateTables(*source));
  const std::string full = tmp.Join("full"), inc = tmp.Join("inc");
  // A checkpoint first: the full's to_lsn then covers every change made so far.
  TM_ASSERT_OK_AND_ASSIGN(CommandResult f,
                          Tidemark(TidemarkBackupArgs(*source, full, {"--innodb-log-checkpoint-now"})));
  ASSERT_EQ(f.exit_code, 0) << f.Describe();
  TM_ASSERT_OK(ChangeEverything(*source));
  // The checkpoint writes the changes back, so the deltas (not only the copied redo) carry
  // them and the new tables are older than the copy's start (deltas, not .new files).
  TM_ASSERT_OK(source->Query("SET GLOBAL innodb_log_checkpoint_now = ON"));

  TM_ASSERT_OK_AND_ASSIGN(auto load, StartLoop(*source, LoadStep));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Throttled to a few seconds, so pages change while they are read; DDL once inc/ is being
  // copied (in name order, after the system and undo tablespaces).
  std::vector<std::string> argv =
      TidemarkBackupArgs(*source, inc, {"--incremental-basedir", full, "--throttle", "20"});
  argv.insert(argv.begin(), TidemarkBinary());
  TM_ASSERT_OK_AND_ASSIGN(auto backup, BackgroundCommand::Start(argv, tmp.Join("inc_backup")));
  const auto w0 = Clock::now();
  while (!fs::exists(inc + "/inc/load.ibd.delta") && backup->running() && SecondsSince(w0) < 60) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  TM_ASSERT_OK(DdlDuringTheCopy(*source));
  EXPECT_THAT(backup->ErrSoFar(), Not(HasSubstr("phase: block ddl")))
      << "the DDL came after the copy: the markers below are not tested";
  TM_ASSERT_OK_AND_ASSIGN(CommandResult i, backup->Wait(std::chrono::seconds(120)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // writes after the backup
  TM_ASSERT_OK(load->Stop());
  ASSERT_EQ(i.exit_code, 0) << i.Describe();
  const std::string summary = LineStartingWith(i.err, "tidemark: incremental backup complete");
  std::printf("[tidemark] %s\n[tidemark] load: %lld iterations\n", summary.c_str(),
              static_cast<long long>(load->iterations()));
  // The default mode, auto: redo when the live log still covers the base, as here.
  EXPECT_THAT(summary, HasSubstr("(redo mode, "));
  EXPECT_THAT(summary, Not(HasSubstr(" 0 changed")));
  EXPECT_GT(load->iterations(), 3);
  ExpectIncrementalLayout(full, inc);

  ExpectSameDeltasAsThePeer(*source, full, tmp);

  const std::string datadir = tmp.Join("restored");
  TM_ASSERT_OK(PrepareAndRestore(full, inc, tmp, datadir));
  TM_ASSERT_OK_AND_ASSIGN(
      auto restored, TestServer::Start({.bootstrap_args = kLayout, .existing_datadir = datadir}));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> tables, UserTables(*restored));
  for (const char* gone : {"inc.t_drop", "inc.a_drop", "inc.z_drop", "inc.a_ren", "inc.z_ren"}) {
    EXPECT_THAT(tables, Not(Contains(gone)));
  }
  for (const char* made : {"inc2.t", "inc.t_during", "inc.a_renamed", "inc.z_renamed"}) {
    EXPECT_THAT(tables, Contains(made));
  }
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> complaints,
                          CheckTablesExtended(*restored, tables));
  EXPECT_THAT(complaints, IsEmpty());
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> diffs,
                          ReplayAndCompare(*source, inc, *restored));
  EXPECT_THAT(diffs, IsEmpty());
  std::printf("[tidemark] incremental test total %.1f s\n", SecondsSince(t0));
}

// ALTER TABLE ... IMPORT TABLESPACE after the base, of a table discarded before it: the
// imported pages keep FIL_PAGE_LSN 0 and are not in the redo log, so neither an LSN scan nor
// the redo log finds them (mariadb-backup's incremental holds none, and its restore loses the
// table). tidemark sees a space the base lacks and takes its every page, in both modes.
TEST(IncrementalBackupTest, TableImportedAfterTheBaseIsRestoredWhole) {
  TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb");
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start({.log_file_size = "64M"}));
  TM_ASSERT_OK(source->Query(
      "CREATE DATABASE imp;"
      "CREATE TABLE imp.src (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB;"
      "INSERT INTO imp.src SELECT seq, RPAD(MD5(seq), 150, '.') FROM imp.seq_1_to_20000;"
      "CREATE TABLE imp.t LIKE imp.src; ALTER TABLE imp.t DISCARD TABLESPACE"));
  const std::string exported = tmp.Join("exported");
  fs::create_directories(exported);
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult e,
      RunCommand({"mariadb", "--no-defaults", "--socket=" + source->socket(), "--user=root",
                  "imp", "-e",
                  absl::StrFormat("FLUSH TABLES src FOR EXPORT; system cp %1$s/imp/src.ibd "
                                  "%1$s/imp/src.cfg %2$s/; UNLOCK TABLES",
                                  source->datadir(), exported)}));
  ASSERT_EQ(e.exit_code, 0) << e.Describe();
  TM_ASSERT_OK(source->Query("SET GLOBAL innodb_log_checkpoint_now = ON"));
  const std::string full = tmp.Join("full");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult f, Tidemark(TidemarkBackupArgs(*source, full, {})));
  ASSERT_EQ(f.exit_code, 0) << f.Describe();
  fs::copy_file(exported + "/src.ibd", source->datadir() + "/imp/t.ibd");
  fs::copy_file(exported + "/src.cfg", source->datadir() + "/imp/t.cfg");
  TM_ASSERT_OK(source->Query("ALTER TABLE imp.t IMPORT TABLESPACE; UPDATE imp.t SET v = 'x' "
                             "WHERE id = 7; SET GLOBAL innodb_log_checkpoint_now = ON"));
  const std::vector<std::string> tables = {"imp.src", "imp.t"};
  TM_ASSERT_OK_AND_ASSIGN(auto want, TableChecksums(*source, tables));
  for (const char* mode : {"scan", "redo"}) {
    SCOPED_TRACE(mode);
    const std::string inc = tmp.Join(absl::StrCat("inc_", mode));
    const std::string prepared = tmp.Join(absl::StrCat("prepared_", mode));
    TM_ASSERT_OK_AND_ASSIGN(
        CommandResult i,
        Tidemark(TidemarkBackupArgs(*source, inc,
                            {"--incremental-basedir=" + full,
                             absl::StrCat("--incremental-mode=", mode)})));
    ASSERT_EQ(i.exit_code, 0) << i.Describe();
    EXPECT_THAT(i.err, HasSubstr("is not in the base"));
    TM_ASSERT_OK(CopyTree(full, prepared));
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{"prepare", "--apply-log-only", "--target-dir", prepared},
          std::vector<std::string>{"prepare", "--target-dir", prepared, "--incremental-dir", inc},
          std::vector<std::string>{"restore", "--target-dir", prepared, "--datadir",
                                   tmp.Join(absl::StrCat("restored_", mode))}}) {
      TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark(argv));
      ASSERT_EQ(r.exit_code, 0) << r.Describe();
    }
    TM_ASSERT_OK_AND_ASSIGN(
        auto restored,
        TestServer::Start({.existing_datadir = tmp.Join(absl::StrCat("restored_", mode))}));
    TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> complaints,
                            CheckTablesExtended(*restored, tables));
    EXPECT_THAT(complaints, IsEmpty());
    TM_ASSERT_OK_AND_ASSIGN(auto got, TableChecksums(*restored, tables));
    EXPECT_EQ(got, want);
  }
}

TEST(IncrementalBackupTest, BadBasesAreRefusedWithExitCodes) {
  TM_REQUIRE_MARIADB();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start({}));
  // No base directory: exit 4, nothing written.
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult missing,
      Tidemark(TidemarkBackupArgs(*source, tmp.Join("a"), {"--incremental-basedir", tmp.Join("none")})));
  EXPECT_EQ(missing.exit_code, 4) << missing.Describe();
  EXPECT_THAT(missing.err, HasSubstr("does not exist"));
  EXPECT_FALSE(fs::exists(tmp.Join("a")));
  // A base from a server far ahead of this one: exit 4, named as foreign.
  fs::create_directories(tmp.Join("foreign"));
  std::ofstream(tmp.Join("foreign/xtrabackup_checkpoints"))
      << "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 999999999999\nlast_lsn = "
         "999999999999\n";
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult foreign,
      Tidemark(TidemarkBackupArgs(*source, tmp.Join("b"), {"--incremental-basedir", tmp.Join("foreign")})));
  EXPECT_EQ(foreign.exit_code, 4) << foreign.Describe();
  EXPECT_THAT(foreign.err, HasSubstr("the base is a backup of a different server"));
  EXPECT_FALSE(fs::exists(tmp.Join("b")));
  // Both sources: exit 2. Redo mode with a base older than the log: exit 4, no data read.
  TM_ASSERT_OK_AND_ASSIGN(CommandResult both,
                          Tidemark(TidemarkBackupArgs(*source, tmp.Join("c"),
                                              {"--incremental-basedir", tmp.Join("foreign"),
                                               "--incremental-lsn", "5"})));
  EXPECT_EQ(both.exit_code, 2) << both.Describe();
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult redo,
      Tidemark({"--backup", "--target-dir=" + tmp.Join("d"), "--socket=" + source->socket(),
                "--user=root", "--incremental-lsn=5", "--incremental-mode=redo"}));
  EXPECT_EQ(redo.exit_code, 4) << redo.Describe();
  EXPECT_THAT(redo.err, HasSubstr("redo-mode incremental impossible: "));
  EXPECT_THAT(redo.err, HasSubstr("LSN 5 is older than the start of the log"));
  EXPECT_FALSE(fs::exists(tmp.Join("d/tidemark_manifest.json")));
}

}  // namespace
}  // namespace tidemark::testing
