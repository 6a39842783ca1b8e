// tidemark prepare when things go wrong, on a real backup (mariadb-backup --backup of a
// throwaway MariaDB 10.11 server taken under a write load with DDL, so the log holds tens of
// MB of redo and the backup carries .del/.ren/.new markers):
//  (a) killed with SIGKILL at several points (mid-DDL, mid-batch, while the journal is being
//      written, after fixed delays, while finishing) and rerun after each kill, the backup
//      must end with the same pages as mariadb-backup --prepare of the same raw backup; every
//      run's --progress=json events must parse;
//  (b) bad input (a truncated or corrupted ib_logfile0, a missing tablespace, a page beyond the
//      end of its file, a garbled xtrabackup_checkpoints) must give the documented exit code
//      (docs/exit-codes.md), a message naming what is wrong, a "failed" event, and leave every
//      file of the backup byte-identical (docs/prepare.md "When prepare fails").
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/prepare_ddl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "io/posix_file_system.h"
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

// ------------------------------------------------------------------ files

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteAll(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Relative path -> (size, hash of the contents) of every file under `dir`.
std::map<std::string, std::pair<uint64_t, size_t>> HashTree(const std::string& dir) {
  std::map<std::string, std::pair<uint64_t, size_t>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = ReadAll(e.path());
    out[fs::relative(e.path(), dir).string()] = {bytes.size(), std::hash<std::string>{}(bytes)};
  }
  return out;
}

// The files that differ between two HashTree snapshots, for a failure message.
std::string TreeDiff(const std::map<std::string, std::pair<uint64_t, size_t>>& a,
                     const std::map<std::string, std::pair<uint64_t, size_t>>& b) {
  std::string out;
  for (const auto& [path, h] : a) {
    auto it = b.find(path);
    if (it == b.end()) out += " removed:" + path;
    else if (it->second != h) out += " changed:" + path;
  }
  for (const auto& [path, h] : b) {
    if (!a.contains(path)) out += " added:" + path;
  }
  return out;
}

// "key = value" of xtrabackup_checkpoints.
uint64_t CheckpointValue(const std::string& dir, const std::string& key) {
  for (absl::string_view l : absl::StrSplit(ReadAll(dir + "/xtrabackup_checkpoints"), '\n')) {
    const std::string_view line(l.data(), l.size());
    if (line.starts_with(key + " = ")) return std::stoull(std::string(line.substr(key.size() + 3)));
  }
  return 0;
}

// ib_logfile0's first LSN (header) and checkpoint LSN (the later of the two blocks).
std::pair<uint64_t, uint64_t> LogFirstAndCheckpoint(const std::string& dir) {
  const std::string log = ReadAll(dir + "/ib_logfile0");
  const ByteSpan b(reinterpret_cast<const uint8_t*>(log.data()), log.size());
  const uint64_t cp = std::max(ReadBe64(b, 0x1000), ReadBe64(b, 0x2000));
  return {ReadBe64(b, 8), cp};
}

uint64_t LogOffset(const std::string& dir, uint64_t lsn) {
  return 12288 + (lsn - LogFirstAndCheckpoint(dir).first);
}

// ------------------------------------------------------------------ events

// Every --progress=json event in `err`: each line starting with '{' must be one JSON object
// whose first key is "event".
std::vector<nlohmann::ordered_json> Events(const std::string& err) {
  std::vector<nlohmann::ordered_json> out;
  for (absl::string_view l : absl::StrSplit(err, '\n')) {
    const std::string_view line(l.data(), l.size());
    if (!line.starts_with("{")) continue;
    auto j = nlohmann::ordered_json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    if (j.is_discarded()) continue;
    EXPECT_EQ(j.begin().key(), "event") << line;
    out.push_back(std::move(j));
  }
  return out;
}

// The events of a finished run: progress events with known phases, LSNs in order, and
// exactly one final "done" (exit 0) or "failed" (otherwise) event.
void ExpectWellFormedEvents(const CommandResult& r) {
  const auto events = Events(r.err);
  ASSERT_FALSE(events.empty()) << r.Describe();
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const auto& e = events[i];
    ASSERT_THAT(e["event"].get<std::string>(), ::testing::AnyOf("progress", "note")) << e.dump();
    if (e["event"] != "progress") continue;
    EXPECT_THAT(e["phase"].get<std::string>(),
                ::testing::AnyOf("recovering", "scanning", "ddl", "applying", "finishing", "done"));
    EXPECT_LE(e["start_lsn"].get<uint64_t>(), e["lsn"].get<uint64_t>()) << e.dump();
    EXPECT_LE(e["lsn"].get<uint64_t>(), e["end_lsn"].get<uint64_t>()) << e.dump();
    EXPECT_TRUE(e.contains("elapsed_s")) << e.dump();
  }
  const auto& last = events.back();
  EXPECT_EQ(last["event"], r.exit_code == 0 ? "done" : "failed") << last.dump();
  if (r.exit_code != 0) {
    EXPECT_FALSE(last["message"].get<std::string>().empty());
  }
}

// ------------------------------------------------------------------ the backup

// Rows updated, deleted and re-inserted in three tables.
absl::Status DmlStep(SqlConnection& c, int64_t i) {
  const int t = static_cast<int>(i % 3), n = static_cast<int>(i);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // bounds the redo rate
  return c.Query(absl::StrFormat(
      "DELETE FROM ft.t%1$d WHERE k = %2$d LIMIT 30;"
      "INSERT INTO ft.t%1$d (k, v) SELECT (seq * 7 + %3$d) %% 499, REPEAT(MD5(seq + %3$d), "
      "1 + (seq + %3$d) %% 12) FROM ft.seq_1_to_40;"
      "UPDATE ft.t%1$d SET v = REPEAT(CHAR(65 + %3$d %% 26), (id + %3$d) %% 380) WHERE k = %4$d",
      t, (n * 13) % 499, n, (n * 31 + 7) % 499));
}

// CREATE, RENAME, TRUNCATE, ALTER (copy) and DROP: mariadb-backup leaves .new, .ren and
// .del markers for the ones that happen while it copies.
absl::Status DdlStep(SqlConnection& c, int64_t i) {
  const int n = static_cast<int>(i);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  return c.Query(absl::StrFormat(
      "CREATE TABLE ft.d%1$d (a INT PRIMARY KEY, b VARCHAR(100)) ENGINE=InnoDB;"
      "INSERT INTO ft.d%1$d SELECT seq, REPEAT('d', seq %% 100) FROM ft.seq_1_to_300;"
      "RENAME TABLE ft.d%1$d TO ft.r%1$d; TRUNCATE TABLE ft.keep;"
      "INSERT INTO ft.keep VALUES (%1$d); ALTER TABLE ft.alt FORCE;"
      "DROP TABLE IF EXISTS ft.r%2$d",
      n, n >= 2 ? n - 2 : 1000000));
}

// One raw backup and the same backup prepared by mariadb-backup, shared by the tests.
class PrepareFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!FindProgram("mariadb-backup").ok() || !FindProgram("mariadbd").ok()) return;
    tmp_ = new TempDir();
    absl::Status s = MakeBackup();
    if (!s.ok()) setup_error_ = new std::string(s.ToString());
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  void SetUp() override {
    TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup");
    ASSERT_EQ(setup_error_, nullptr) << *setup_error_;
  }

  static absl::Status MakeBackup() {
    const auto setup_start = std::chrono::steady_clock::now();
    TM_ASSIGN_OR_RETURN(auto server, TestServer::Start({.log_file_size = "256M"}));
    TM_RETURN_IF_ERROR(server->Query(
        "CREATE DATABASE ft; CREATE TABLE ft.keep (a INT) ENGINE=InnoDB;"
        "CREATE TABLE ft.alt (a INT PRIMARY KEY, b TEXT) ENGINE=InnoDB;"
        "INSERT INTO ft.alt SELECT seq, REPEAT('a', seq % 300) FROM ft.seq_1_to_3000"));
    for (int t = 0; t < 3; ++t) {
      TM_RETURN_IF_ERROR(server->Query(absl::StrFormat(
          "CREATE TABLE ft.t%1$d (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, "
          "v VARCHAR(400), KEY (k)) ENGINE=InnoDB;"
          "INSERT INTO ft.t%1$d (k, v) SELECT seq %% 499, REPEAT(MD5(seq), 1 + seq %% 12) "
          "FROM ft.seq_1_to_30000",
          t)));
    }
    // A clean restart writes a checkpoint: the log after it modifies pages the backup copies
    // (instead of creating every table from scratch), so a cut .ibd matters.
    TM_RETURN_IF_ERROR(server->Shutdown());
    TM_RETURN_IF_ERROR(server->Restart());
    std::vector<std::unique_ptr<SqlLoop>> loops;
    for (auto step : {DmlStep, DmlStep, DdlStep}) {
      TM_ASSIGN_OR_RETURN(auto c, server->Connect());
      loops.push_back(std::make_unique<SqlLoop>(std::move(c), step));
    }
    std::printf("[tidemark] source ready in %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count());
    std::this_thread::sleep_for(std::chrono::seconds(1));
    raw_ = tmp_->Join("raw");
    const auto start = std::chrono::steady_clock::now();
    TM_ASSIGN_OR_RETURN(CommandResult b,
                        RunCommand({"mariadb-backup", "--backup", "--target-dir=" + raw_,
                                    "--socket=" + server->socket(), "--user=root", "--throttle=80"},
                                   {.timeout = std::chrono::minutes(5)}));
    for (auto& l : loops) TM_RETURN_IF_ERROR(l->Stop());
    if (b.exit_code != 0) return absl::InternalError("mariadb-backup --backup: " + b.Describe());
    TM_RETURN_IF_ERROR(server->Shutdown());
    const auto [first, cp] = LogFirstAndCheckpoint(raw_);
    int markers = 0;
    for (const auto& e : fs::recursive_directory_iterator(raw_)) {
      const std::string ext = e.path().extension().string();
      markers += ext == ".del" || ext == ".ren" || ext == ".new";
    }
    std::printf("[tidemark] backup in %.1f s: %.1f MB of redo after the checkpoint, %d DDL markers\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                (fs::file_size(raw_ + "/ib_logfile0") - LogOffset(raw_, cp)) / 1e6, markers);
    (void)first;
    ref_ = tmp_->Join("mariadb_backup");
    const auto prepare_start = std::chrono::steady_clock::now();
    TM_RETURN_IF_ERROR(PrepareCopy(raw_, ref_));
    std::printf("[tidemark] mariadb-backup --prepare of a copy in %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - prepare_start).count());
    return absl::OkStatus();
  }

  static TempDir* tmp_;
  static std::string* setup_error_;
  static std::string raw_, ref_;
};

TempDir* PrepareFaultsTest::tmp_ = nullptr;
std::string* PrepareFaultsTest::setup_error_ = nullptr;
std::string PrepareFaultsTest::raw_, PrepareFaultsTest::ref_;

// ------------------------------------------------------------------ (a) kills

// What a killed prepare left behind, for the log of where each kill landed.
std::string Landing(const std::string& dir, const std::string& err) {
  std::string last = "no event";
  for (const auto& e : Events(err)) {
    if (e["event"] != "progress") continue;
    last = absl::StrFormat("phase %s, batch %d (%d/%d pages)", e["phase"].get<std::string>(),
                           e["batch"].get<uint64_t>(), e["batch_pages_done"].get<uint64_t>(),
                           e["batch_pages"].get<uint64_t>());
  }
  std::string journal = "none";
  if (fs::exists(dir + "/tidemark_prepare.journal")) {
    const std::string j = ReadAll(dir + "/tidemark_prepare.journal");
    journal = absl::StrFormat("%d bytes, %s", j.size(),
                              j.size() >= 16 && j.compare(j.size() - 16, 8, "TMPJEND1") == 0
                                  ? "complete"
                                  : "incomplete");
  }
  const bool applied =
      ReadAll(dir + "/xtrabackup_checkpoints").find("log-applied") != std::string::npos;
  return absl::StrFormat("last event: %s; journal: %s; ddl plan: %s; ib_logfile0: %s; %s", last,
                         journal, fs::exists(dir + "/tidemark_prepare.ddl") ? "yes" : "no",
                         fs::file_size(dir + "/ib_logfile0") == 12304 ? "replaced" : "original",
                         applied ? "checkpoints log-applied" : "checkpoints unchanged");
}

// Starts `tidemark prepare --use-memory 2M --progress=json` on `dir`, waits until `until`
// says so (polled every millisecond), then SIGKILLs it. Returns its stderr.
// With `may_finish`, a run that ends before the condition is seen is fine (a short window).
std::string RunAndKill(const std::string& dir, const std::string& what,
                       const std::function<bool(const BackgroundCommand&)>& until,
                       bool may_finish = false) {
  auto cmd = BackgroundCommand::Start({TidemarkBinary(), "prepare", "--target-dir", dir,
                                       "--use-memory", "2M", "--progress=json"},
                                      dir + "-run");
  EXPECT_TRUE(cmd.ok()) << cmd.status();
  if (!cmd.ok()) return "";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool fired = false;
  while (std::chrono::steady_clock::now() < deadline && (*cmd)->running()) {
    if (until(**cmd)) {
      (*cmd)->Signal(SIGKILL);
      fired = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto r = (*cmd)->Wait(std::chrono::seconds(60));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  std::printf("[tidemark] kill %-34s %s -> %s\n", what.c_str(),
              fired ? "killed" : absl::StrFormat("NOT killed (exit %d)", r->exit_code).c_str(),
              Landing(dir, r->err).c_str());
  if (fired) EXPECT_EQ(r->exit_code, 128 + SIGKILL) << what << ": " << r->Describe();
  else EXPECT_TRUE(may_finish && r->exit_code == 0) << what << ": " << r->Describe();
  return r->err;
}

std::function<bool(const BackgroundCommand&)> OnErr(std::string text, int delay_ms = 0) {
  return [text, delay_ms](const BackgroundCommand& c) {
    if (c.ErrSoFar().find(text) == std::string::npos) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    return true;
  };
}

std::function<bool(const BackgroundCommand&)> AfterMs(int ms) {
  const auto at = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  return [at](const BackgroundCommand&) { return std::chrono::steady_clock::now() >= at; };
}

std::function<bool(const BackgroundCommand&)> OnFile(std::string path, int nth) {
  auto seen = std::make_shared<int>(0);
  auto was = std::make_shared<bool>(false);
  return [path, nth, seen, was](const BackgroundCommand&) {
    const bool is = fs::exists(path);
    if (is && !*was) ++*seen;
    *was = is;
    return *seen >= nth;
  };
}

// A prepare killed while it resolved the DDL markers: the plan is written and steps 0..k ran,
// but only k are recorded (the kill came between a step and its "done" line).
absl::Status KillMidDdlPlan(const std::string& dir, size_t* planned) {
  auto posix = io::NewPosixFileSystem();
  TM_ASSIGN_OR_RETURN(std::vector<engine::DdlStep> steps, engine::PlanDdlMarkers(*posix, dir));
  *planned = steps.size();
  if (steps.size() < 2) return absl::OkStatus();
  const size_t k = steps.size() / 2;
  std::string plan = engine::FormatDdlPlan(steps);
  for (size_t i = 0; i <= k; ++i) {
    const engine::DdlStep& s = steps[i];
    if (s.kind == engine::DdlStep::Kind::kRemove) {
      fs::remove(dir + "/" + s.from);
    } else {
      fs::rename(dir + "/" + s.from, dir + "/" + s.to);
    }
    if (i < k) plan += absl::StrFormat("done\t%d\n", i + 1);
  }
  WriteAll(dir + "/" + std::string(engine::kPrepareDdlPlanName), plan + "done\t");
  return absl::OkStatus();
}

TEST_F(PrepareFaultsTest, KilledAnywhereThenRerunGivesTheBytesOfMariadbBackup) {
  const std::string dir = tmp_->Join("killed");
  TM_ASSERT_OK(CopyTree(raw_, dir));
  size_t planned = 0;
  TM_ASSERT_OK(KillMidDdlPlan(dir, &planned));
  std::printf("[tidemark] kill %-34s simulated: %zu DDL steps planned, %zu recorded done\n",
              "between a DDL step and its record", planned, planned / 2);
  EXPECT_GE(planned, 4u) << "the load should leave DDL markers in the backup";
  const std::string journal = dir + "/tidemark_prepare.journal";
  RunAndKill(dir, "right after the ddl phase starts", OnErr("\"phase\":\"ddl\""));
  RunAndKill(dir, "3 ms into batch 2", OnErr("\"batch\":2,", 3));
  RunAndKill(dir, "when the 3rd journal appears", OnFile(journal, 3));
  RunAndKill(dir, "after 1.2 s", AfterMs(1200));
  RunAndKill(dir, "20 ms into batch 9", OnErr("\"batch\":9,", 20));
  RunAndKill(dir, "when the finishing phase starts", OnErr("\"phase\":\"finishing\""));
  RunAndKill(
      dir, "once ib_logfile0 is replaced",
      [&](const BackgroundCommand&) {
        std::error_code ec;
        return fs::file_size(dir + "/ib_logfile0", ec) == 12304;
      },
      /*may_finish=*/true);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult done,
                          Tidemark({"prepare", "--target-dir", dir, "--progress=json"}));
  ASSERT_EQ(done.exit_code, 0) << done.Describe();
  ExpectWellFormedEvents(done);
  std::printf("[tidemark] rerun: %s\n",
              LineStartingWith(done.err, "tidemark: prepare complete").c_str());
  EXPECT_FALSE(fs::exists(journal));
  EXPECT_FALSE(fs::exists(dir + "/tidemark_prepare.ddl"));
  ExpectSamePages(ref_, dir, "mariadb-backup vs tidemark killed 8 times");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult again, Tidemark({"prepare", "--target-dir", dir}));
  EXPECT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_THAT(again.err, HasSubstr("already prepared"));
}

// ------------------------------------------------------------------ (b) bad input

struct Fault {
  std::string name;
  std::function<void(const std::string& dir)> apply;  // damages the copy
  int exit_code;
  std::vector<std::string> message;  // substrings of the "prepare failed" line
};

// Runs prepare on `dir` (damaged by `f`) and checks the outcome and that nothing changed.
void ExpectRefusedUnchanged(const std::string& dir, const Fault& f) {
  const auto before = HashTree(dir);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r,
                          Tidemark({"prepare", "--target-dir", dir, "--progress=json"}));
  const std::string line = LineStartingWith(r.err, "tidemark: prepare failed");
  std::printf("[tidemark] %-22s exit %d: %s\n", f.name.c_str(), r.exit_code, line.c_str());
  EXPECT_EQ(r.exit_code, f.exit_code) << f.name << ": " << r.Describe();
  for (const std::string& m : f.message) EXPECT_THAT(line, HasSubstr(m)) << f.name;
  ExpectWellFormedEvents(r);
  EXPECT_EQ(TreeDiff(before, HashTree(dir)), "") << f.name << ": the backup changed";
}

// Space id and page count of the biggest of ft.t0..t2 (all modified by the load).
std::pair<std::string, uint32_t> BusyTable(const std::string& dir) {
  const std::string path = dir + "/ft/t1.ibd";
  const std::string head = ReadAll(path).substr(0, 64);
  const ByteSpan b(reinterpret_cast<const uint8_t*>(head.data()), head.size());
  return {"ft/t1.ibd", ReadBe32(b, 34)};
}

TEST_F(PrepareFaultsTest, BadInputIsRefusedWithTheDocumentedCodeAndLeavesTheBackupAsItWas) {
  const std::string dir = tmp_->Join("faults");
  TM_ASSERT_OK(CopyTree(raw_, dir));
  // mariadb-backup's to_lsn is the checkpoint; last_lsn is where its copy of the log ends.
  const uint64_t last_lsn = CheckpointValue(dir, "last_lsn");
  const uint64_t cp = LogFirstAndCheckpoint(dir).second;
  const uint64_t cut_lsn = cp + (last_lsn - cp) / 2;
  const std::string log = ReadAll(dir + "/ib_logfile0");

  // Found by reading the log and the metadata: not even the DDL markers are resolved.
  const std::vector<Fault> before_ddl = {
      {"garbled checkpoints",
       [](const std::string& d) { WriteAll(d + "/xtrabackup_checkpoints", "backup_type = ful\x01"); },
       4, {"xtrabackup_checkpoints"}},
      {"truncated log",
       [&](const std::string& d) { fs::resize_file(d + "/ib_logfile0", LogOffset(d, cut_lsn)); },
       3, {"ib_logfile0: the redo log stops at LSN", absl::StrFormat("before last_lsn %d", last_lsn)}},
      {"corrupted log",
       [&](const std::string& d) {
         std::string bytes = log;
         bytes[LogOffset(d, cut_lsn)] ^= 0x55;
         WriteAll(d + "/ib_logfile0", bytes);
       },
       3, {"ib_logfile0: the redo log stops at LSN", absl::StrFormat("before last_lsn %d", last_lsn)}},
  };
  const std::string checkpoints = ReadAll(dir + "/xtrabackup_checkpoints");
  for (const Fault& f : before_ddl) {
    f.apply(dir);
    ExpectRefusedUnchanged(dir, f);
    WriteAll(dir + "/ib_logfile0", log);
    WriteAll(dir + "/xtrabackup_checkpoints", checkpoints);
  }

  // Found once the files are matched with the log: the DDL markers are resolved first (what
  // any prepare does first, resumable), so resolve them, then expect nothing else to change.
  auto posix = io::NewPosixFileSystem();
  TM_ASSERT_OK(engine::ResolveDdlMarkers(*posix, dir).status());
  const auto [table, space] = BusyTable(dir);
  const std::string table_bytes = ReadAll(dir + "/" + table);
  const std::vector<Fault> after_ddl = {
      {"missing tablespace", [&](const std::string& d) { fs::remove(d + "/" + table); }, 3,
       {absl::StrFormat("tablespace %d ('./%s', first record: page", space, table),
        "no file in the backup holds it and the log does not delete it"}},
      {"page beyond the file",
       [&](const std::string& d) { fs::resize_file(d + "/" + table, 4 * 16384); }, 3,
       {absl::StrFormat("tablespace %d page", space), table, "beyond the end of the file"}},
  };
  for (const Fault& f : after_ddl) {
    f.apply(dir);
    ExpectRefusedUnchanged(dir, f);
    WriteAll(dir + "/" + table, table_bytes);
  }
}

}  // namespace
}  // namespace tidemark::testing
