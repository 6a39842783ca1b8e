// Changed-page tracking against a real MariaDB 10.11 server: `tidemark redo-follow` runs
// (once with the SQL probe, once with only the datadir) while a write load with DDL wraps the
// small redo log; after a clean shutdown, the pages LoadTrackedPages returns from an LSN taken
// at the start must include every page of every data file whose FIL_PAGE_LSN is now greater
// than that LSN: the property a redo-mode incremental backup rests on.
#include "engine/page_tracking.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "io/clock.h"
#include "io/posix_file_system.h"
#include "tests/support/sql_loop.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kPageSize = 16384;
// The doublewrite buffer of ibdata1 (pages 64..191 with 16 KiB pages, TRX_SYS_DOUBLEWRITE in
// trx0sys.h): copies of other pages, with their LSNs, written without redo of their own.
constexpr uint32_t kDoublewriteFirst = 64, kDoublewriteEnd = 192;

// `tidemark redo-follow` as a child process, stopped with SIGTERM by its pid.
class Follower {
 public:
  static absl::StatusOr<std::unique_ptr<Follower>> Start(std::vector<std::string> args,
                                                         std::string log) {
    const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    args.insert(args.begin(), {TidemarkBinary(), "redo-follow"});
    absl::StatusOr<pid_t> pid = SpawnProcess(args, in, out, out);
    close(in);
    close(out);
    if (!pid.ok()) return pid.status();
    return std::unique_ptr<Follower>(new Follower(*pid, std::move(log)));
  }
  ~Follower() {
    if (pid_ > 0) (void)Stop();
  }
  // SIGTERM, then the exit status (0: it wrote what it had and stopped).
  int Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string Output() const {
    std::ifstream f(log_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  Follower(pid_t pid, std::string log) : pid_(pid), log_(std::move(log)) {}
  pid_t pid_;
  std::string log_;
};

absl::StatusOr<uint64_t> ServerLsn(TestServer& server) {
  TM_ASSIGN_OR_RETURN(
      std::string v, server.QueryValue("SELECT VARIABLE_VALUE FROM information_schema."
                                       "GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_LSN_CURRENT'"));
  return std::stoull(v);
}

absl::Status CreateSchema(TestServer& server) {
  TM_RETURN_IF_ERROR(server.Query(
      "CREATE DATABASE pt;"
      "CREATE TABLE pt.a (id INT AUTO_INCREMENT PRIMARY KEY, n INT, v VARCHAR(300)) ENGINE=InnoDB;"
      "CREATE TABLE pt.b (id INT PRIMARY KEY, k INT, v VARCHAR(100), KEY (k)) ENGINE=InnoDB;"
      "INSERT INTO pt.a (n, v) SELECT seq, REPEAT('a', 250) FROM pt.seq_1_to_20000;"
      "INSERT INTO pt.b SELECT seq, seq % 1000, REPEAT('b', 80) FROM pt.seq_1_to_20000"));
  return absl::OkStatus();
}

// DML on both tables, and DDL (create, fill, rename, drop) in its own loop.
absl::StatusOr<std::vector<std::unique_ptr<SqlLoop>>> StartLoad(const TestServer& server) {
  std::vector<std::unique_ptr<SqlLoop>> loops;
  for (int w = 0; w < 2; ++w) {
    TM_ASSIGN_OR_RETURN(
        auto loop, StartLoop(server, [w](SqlConnection& c, int64_t i) {
          const int64_t id = 1 + (i * 7919 + w * 104729) % 20000;
          return c.Query(absl::StrFormat(
              "INSERT INTO pt.a (n, v) VALUES (%1$d, REPEAT('n', 200));"
              "UPDATE pt.a SET n = n + 1, v = REPEAT('u', 1 + %1$d %% 250) WHERE id = %2$d;"
              "UPDATE pt.b SET k = k + 1 WHERE id BETWEEN %2$d AND %2$d + 30;"
              "DELETE FROM pt.b WHERE id = %3$d; INSERT IGNORE INTO pt.b VALUES (%3$d, 1, 'again')",
              i, id, 1 + (i * 31 + w) % 20000));
        }));
    loops.push_back(std::move(loop));
  }
  TM_ASSIGN_OR_RETURN(
      auto ddl, StartLoop(server, [](SqlConnection& c, int64_t i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return c.Query(absl::StrFormat(
            "CREATE TABLE pt.d%1$d (id INT PRIMARY KEY, x VARCHAR(100)) ENGINE=InnoDB;"
            "INSERT INTO pt.d%1$d SELECT seq, 'x' FROM pt.seq_1_to_500;"
            "RENAME TABLE pt.d%1$d TO pt.r%1$d;%2$s",
            i, i % 2 ? absl::StrFormat("DROP TABLE pt.r%d", i) : std::string()));
      }));
  loops.push_back(std::move(ddl));
  return loops;
}

struct ScanResult {
  uint64_t pages = 0;     // pages scanned
  uint64_t newer = 0;     // FIL_PAGE_LSN > from
  uint64_t listed = 0;    // of those, listed page by page (not only by a whole-space flag)
  uint64_t missing = 0;   // of those, not covered by the set
  uint64_t past_end = 0;  // FIL_PAGE_LSN beyond what the set reaches
  std::vector<std::string> examples;
};

bool IsDataFile(const fs::path& p) {
  const std::string name = p.filename().string();
  return absl::EndsWith(name, ".ibd") || name == "ibdata1" || absl::StartsWith(name, "undo");
}

// Every page of every data file with FIL_PAGE_LSN > from must be covered by `pages`.
ScanResult Scan(const std::string& datadir, const engine::ChangedPages& pages, Lsn from) {
  ScanResult r;
  std::vector<uint8_t> page(kPageSize);
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(datadir)) {
    if (!e.is_regular_file() || !IsDataFile(e.path())) continue;
    std::ifstream f(e.path(), std::ios::binary);
    const bool ibdata = e.path().filename() == "ibdata1";
    for (uint32_t i = 0; f.read(reinterpret_cast<char*>(page.data()), kPageSize); ++i) {
      ++r.pages;
      if (ibdata && i >= kDoublewriteFirst && i < kDoublewriteEnd) continue;
      const uint64_t lsn = ReadBe64(page, 16);
      if (lsn <= from.value()) continue;
      ++r.newer;
      const SpaceId space(ReadBe32(page, 34));
      if (lsn > pages.to_lsn().value()) ++r.past_end;
      r.listed += pages.Contains(space, PageNo(i));
      if (pages.Covers(space, PageNo(i))) continue;
      ++r.missing;
      if (r.examples.size() < 10) {
        r.examples.push_back(absl::StrFormat("%s page %d (space %d, FIL_PAGE_LSN %d)",
                                             e.path().string(), i, space.value(), lsn));
      }
    }
  }
  return r;
}

void CheckTracking(const std::string& dir, const std::string& datadir, Lsn from,
                   std::string_view label) {
  auto posix = io::NewPosixFileSystem();
  io::RealClock clock;
  absl::StatusOr<engine::TrackedPages> t = engine::LoadTrackedPages(
      *posix, clock,
      {.tracking_dir = dir, .server_log_path = datadir + "/ib_logfile0", .from_lsn = from});
  ASSERT_TRUE(t.ok()) << label << ": " << t.status();
  EXPECT_LE(t->pages.from_lsn(), from);
  const ScanResult r = Scan(datadir, t->pages, from);
  std::cout << absl::StrFormat(
      "[page tracking, %s] %d files, set [%d, %d): %d pages in %d spaces, %d whole; %d pages "
      "scanned, %d newer than LSN %d (%d listed), %d missing\n",
      label, t->files.size(), t->pages.from_lsn().value(), t->pages.to_lsn().value(),
      t->pages.page_count(), t->pages.space_count(),
      [&] {
        int whole = 0;
        for (SpaceId s : t->pages.spaces()) whole += t->pages.IsWhole(s);
        return whole;
      }(),
      r.pages, r.newer, from.value(), r.listed, r.missing);
  EXPECT_GT(t->files.size(), 2u) << label;
  EXPECT_GT(r.listed, 500u) << label;
  EXPECT_EQ(r.past_end, 0u) << label;
  EXPECT_EQ(r.missing, 0u) << label << ": " << absl::StrJoin(r.examples, "\n");
}

TEST(PageTrackingIntegrationTest, TrackedPagesCoverEveryPageNewerThanTheBase) {
  TM_REQUIRE_MARIADB();
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<TestServer> server,
                          TestServer::Start({.log_file_size = "16M"}));
  TM_ASSERT_OK(CreateSchema(*server));
  const std::string datadir = server->datadir();
  // One follower asks the server for its flushed LSN; the other has only the datadir and
  // reads up to the server's checkpoints.
  TM_ASSERT_OK_AND_ASSIGN(
      auto probed, Follower::Start({"--tracking-dir", tmp.Join("probed"), "--datadir", datadir,
                                    "--socket", server->socket(), "--user", "root", "--interval",
                                    "0.05", "--file-seconds", "1"},
                                   tmp.Join("probed.log")));
  TM_ASSERT_OK_AND_ASSIGN(
      auto plain, Follower::Start({"--tracking-dir", tmp.Join("plain"), "--datadir", datadir,
                                   "--interval", "0.05", "--file-seconds", "1"},
                                  tmp.Join("plain.log")));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // both have read the log head
  TM_ASSERT_OK(server->Query("UPDATE pt.a SET n = n + 1 WHERE id < 100"));
  TM_ASSERT_OK_AND_ASSIGN(const uint64_t from, ServerLsn(*server));
  const auto t0 = std::chrono::steady_clock::now();
  {
    TM_ASSERT_OK_AND_ASSIGN(auto loops, StartLoad(*server));
    std::this_thread::sleep_for(std::chrono::seconds(8));
    for (auto& loop : loops) TM_ASSERT_OK(loop->Stop());
  }
  TM_ASSERT_OK(server->Query("UPDATE pt.a SET n = n + 1"));  // one large transaction
  TM_ASSERT_OK_AND_ASSIGN(const uint64_t end, ServerLsn(*server));
  std::cout << absl::StrFormat(
      "[page tracking] %.1f MiB of redo in %.1f s (log 16 MiB)\n", (end - from) / 1048576.0,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(probed->Stop(), 0) << probed->Output();
  EXPECT_EQ(plain->Stop(), 0) << plain->Output();
  EXPECT_FALSE(absl::StrContains(probed->Output(), "stopped reading")) << probed->Output();
  EXPECT_FALSE(absl::StrContains(plain->Output(), "stopped reading")) << plain->Output();
  // A clean shutdown flushes every page; the log then ends with the shutdown checkpoint,
  // which LoadTrackedPages reads on from the last file.
  TM_ASSERT_OK(server->Shutdown());
  EXPECT_GT(end - from, 16u << 20) << "the load should wrap the log";
  CheckTracking(tmp.Join("probed"), datadir, Lsn(from), "probed");
  CheckTracking(tmp.Join("plain"), datadir, Lsn(from), "datadir only");
}

}  // namespace
}  // namespace tidemark::testing
