// The redo copier against real MariaDB 10.11 servers with small logs: a write load with DDL
// that wraps the log several times while the copier follows it in the background (the copy
// must parse mtr by mtr from C0 to last_lsn, reach the server's LSN and name the DDL); the
// catch-up throughput over a large backlog; an encrypted log; and the redo race, in which
// the server overwrites log the copier has not read: it must fail with the overrun status,
// with or without the LSN probe, and promptly.
#include "engine/redo_copier.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/mysql_sql_session.h"
#include "engine/redo_log_source.h"
#include "engine/redo_probe.h"
#include "engine/server_info.h"
#include "gtest/gtest.h"
#include "tests/support/status_macros.h"
#include "innodb/base/status.h"
#include "innodb/redo/backup_log.h"
#include "io/clock.h"
#include "io/posix_file_system.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

using engine::RedoCopier;
using engine::RedoEvent;
using engine::RedoEventKind;


// Innodb_lsn_current: the cheap way to ask for the server's LSN.
absl::StatusOr<Lsn> StatusLsn(SqlConnection& c) {
  absl::StatusOr<std::vector<Row>> rows =
      c.QueryRows("SHOW GLOBAL STATUS LIKE 'Innodb_lsn_current'");
  if (!rows.ok()) return rows.status();
  if (rows->size() != 1) return absl::InternalError("no Innodb_lsn_current");
  return Lsn(std::stoull((*rows)[0][1]));
}

// The server's LSN now, made durable (FLUSH ENGINE LOGS), as a backup samples its targets.
absl::StatusOr<Lsn> DurableLsn(engine::SqlSession& s) {
  TM_ASSIGN_OR_RETURN(Lsn lsn, engine::CurrentLsn(s));
  TM_RETURN_IF_ERROR(engine::FlushEngineLogs(s));
  return lsn;
}

std::unique_ptr<engine::SqlSession> Session(const TestServer& server) {
  engine::ConnectionOptions o;
  o.socket = server.socket();
  o.user = "root";
  absl::StatusOr<std::unique_ptr<engine::SqlSession>> s = engine::ConnectMysql(o);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

// The copier's probe: ReadServerLogPosition on its own session, as a backup runs it; called
// on the copier's thread only.
engine::ServerLogProbe SessionProbe(const TestServer& server) {
  std::shared_ptr<engine::SqlSession> session = Session(server);
  return [session]() { return engine::ReadServerLogPosition(*session); };
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Samples the copier's lag every 10 ms while it runs.
class LagSampler {
 public:
  explicit LagSampler(const RedoCopier& c)
      : thread_([this, &c](std::stop_token stop) {
          while (!stop.stop_requested()) {
            const engine::RedoCopyProgress p = c.Progress();
            {
              absl::MutexLock lock(&mu_);
              samples_.push_back(p.lag_bytes);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  // Median and maximum lag in bytes.
  std::pair<uint64_t, uint64_t> Stop() {
    thread_.request_stop();
    thread_.join();
    absl::MutexLock lock(&mu_);
    std::sort(samples_.begin(), samples_.end());
    if (samples_.empty()) return {0, 0};
    return {samples_[samples_.size() / 2], samples_.back()};
  }

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> samples_ ABSL_GUARDED_BY(mu_);
  std::jthread thread_;
};

// Autocommit single-row inserts and updates on rc.s until `stop`, on its own connection.
void CommitLoop(const TestServer& server, int writer, const std::atomic<bool>& stop) {
  absl::StatusOr<std::unique_ptr<SqlConnection>> c = server.Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  for (int i = 0; !stop; ++i) {
    const int id = writer * 1000000 + i;
    ASSERT_TRUE((*c)->Query(absl::StrFormat("INSERT INTO rc.s VALUES (%d, 0)", id)).ok());
    ASSERT_TRUE((*c)->Query(absl::StrFormat("UPDATE rc.s SET n = n + 1 WHERE id = %d", id)).ok());
  }
}

// Writes rows, updates and deletes (and, when `ddl`, CREATE/RENAME/DROP TABLE of
// rc.ddl_a/ddl_b) until the server's LSN reaches `until`. Runs on its own connection.
absl::Status WriteLoad(const TestServer& server, Lsn until, bool ddl) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> c, server.Connect());
  TM_RETURN_IF_ERROR(c->Query("USE rc"));  // seq_1_to_N needs a current database
  for (int i = 0;; ++i) {
    TM_ASSIGN_OR_RETURN(Lsn lsn, StatusLsn(*c));
    if (lsn >= until) return absl::OkStatus();
    TM_RETURN_IF_ERROR(c->Query(absl::StrFormat(
        "INSERT INTO rc.t (k, v) SELECT seq, REPEAT(CHAR(65 + %d), 900) FROM seq_1_to_500;"
        "UPDATE rc.t SET v = REPEAT('z', 700), k = k + 1 WHERE id %% 13 = %d;"
        "DELETE FROM rc.t WHERE id %% 29 = %d LIMIT 100",
        i % 26, i % 13, i % 29)));
    if (!ddl) continue;
    if (i == 3) TM_RETURN_IF_ERROR(c->Query("CREATE TABLE rc.ddl_a (a INT PRIMARY KEY)"));
    if (i == 6) TM_RETURN_IF_ERROR(c->Query("RENAME TABLE rc.ddl_a TO rc.ddl_b"));
    if (i == 9) TM_RETURN_IF_ERROR(c->Query("DROP TABLE rc.ddl_b"));
  }
}

// A server with a log of `log_size` and the table the load writes.
std::unique_ptr<TestServer> StartServer(const std::string& log_size,
                                        std::vector<std::string> args = {},
                                        std::map<std::string, std::string> files = {}) {
  TestServerOptions o;
  o.log_file_size = log_size;
  o.server_args = std::move(args);
  o.files = std::move(files);
  absl::StatusOr<std::unique_ptr<TestServer>> s = TestServer::Start(std::move(o));
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return nullptr;
  EXPECT_TRUE((*s)->Query("CREATE DATABASE rc; CREATE TABLE rc.t (id INT AUTO_INCREMENT "
                          "PRIMARY KEY, k INT, v VARCHAR(1000)) ENGINE=InnoDB")
                  .ok());
  return *std::move(s);
}

// Everything one copy needs: file system, clock, target file.
struct Copy {
  std::unique_ptr<io::FileSystem> fs = io::NewPosixFileSystem();
  io::RealClock clock;
  std::string path;
  std::unique_ptr<io::WritableFile> target;
  std::vector<RedoEvent> events;

  absl::StatusOr<std::unique_ptr<RedoCopier>> Open(const TestServer& server,
                                                   engine::RedoCopierOptions o, int n = 0) {
    path = absl::StrFormat("%s/copy%d_ib_logfile0", server.dir(), n);
    TM_ASSIGN_OR_RETURN(target, fs->OpenForWrite(path));
    o.backup_version = "10.11.19";
    o.on_event = [this](const RedoEvent& e) { events.push_back(e); };
    return RedoCopier::Open(*fs, server.datadir() + "/ib_logfile0", *target, clock, std::move(o));
  }
};

// Parses a backup log from C0: returns the number of mtrs, which must end exactly at
// `last`, where the next byte reads as a stale pass.
uint64_t ParseCopy(io::FileSystem& fs, const std::string& path, Lsn c0, Lsn last,
                   innodb::LogEncryption encryption = innodb::LogEncryption::kNone) {
  std::string s = *io::ReadFileToString(fs, path);
  const std::vector<uint8_t> file(s.begin(), s.end());
  EXPECT_EQ(file.size(), innodb::BackupLogFileSize(c0, last));
  const innodb::LogGeometry g = *innodb::BackupLogGeometry(c0, file.size());
  const innodb::MtrFraming framing{g, encryption};
  innodb::MtrReader reader(innodb::LogView::OfFile(file, g, c0, last), framing);
  uint64_t mtrs = 0;
  innodb::MtrResult r;
  while ((r = reader.Read()).ok()) ++mtrs;
  EXPECT_EQ(reader.lsn(), last) << r.detail;
  innodb::MtrReader after(innodb::LogView::OfFile(file, g, last, Lsn(last.value() + g.capacity())),
                          framing);
  EXPECT_EQ(after.Read().verdict, innodb::MtrVerdict::kBadSequenceBit);
  return mtrs;
}

// Compares the copy with the server's log for its last `span` bytes of LSNs (those the
// server still holds): they must be the same, but for end markers (always 0x01 in the
// copy). A copy that had taken a torn or stale tail block for log would differ.
void ExpectSameAsServerLog(Copy& copy, const TestServer& server, Lsn c0, uint64_t span, Lsn last) {
  const Lsn from(std::max(c0.value(), last.value() - std::min(span, last.value())));
  ASSERT_LT(from, last);
  absl::StatusOr<std::unique_ptr<engine::RedoLogSource>> source = engine::RedoLogSource::Open(
      *copy.fs, server.datadir() + "/ib_logfile0", last.value() - from.value());
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<MutableByteSpan> theirs = (*source)->Read(from, last.value() - from.value());
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  std::string ours = *io::ReadFileToString(*copy.fs, copy.path);
  const size_t at = innodb::kLogStartOffset + (from.value() - c0.value());
  size_t differ = 0;
  for (size_t i = 0; i < theirs->size(); ++i) {
    const uint8_t o = static_cast<uint8_t>(ours[at + i]), t = (*theirs)[i];
    differ += o != t && !(o == 1 && t <= 1);
  }
  EXPECT_EQ(differ, 0u) << "bytes of LSNs [" << from.value() << ", " << last.value() << ")";
}

bool HasEvent(const std::vector<RedoEvent>& events, RedoEventKind kind, std::string_view name,
              std::string_view new_name = "") {
  for (const RedoEvent& e : events) {
    if (e.kind == kind && e.name == name && e.new_name == new_name) return true;
  }
  return false;
}

// The FILE_* records of WriteLoad's DDL, as the copier reported them.
void ExpectDdlEvents(const std::vector<RedoEvent>& events) {
  EXPECT_TRUE(HasEvent(events, RedoEventKind::kFileCreate, "./rc/ddl_a.ibd"));
  EXPECT_TRUE(HasEvent(events, RedoEventKind::kFileRename, "./rc/ddl_a.ibd", "./rc/ddl_b.ibd"));
  EXPECT_TRUE(HasEvent(events, RedoEventKind::kFileDelete, "./rc/ddl_b.ibd"));
}

void PrintLoadReport(const engine::RedoCopyProgress& p, double secs, uint64_t median_lag,
                     uint64_t max_lag) {
  std::cout << absl::StrFormat(
      "[redo copier under load] %.1f MiB in %.2f s (%.1f MiB/s), %d mtrs, %d rounds, %d "
      "re-reads; lag median %d B, max %d B sampled, max %.1f%% of %d at round starts\n",
      p.bytes_copied / 1048576.0, secs, p.bytes_copied / 1048576.0 / secs, p.mtrs_copied, p.rounds,
      p.rereads, median_lag, max_lag, 100 * p.max_lag_fraction, p.capacity);
}

TEST(RedoCopierIntegrationTest, FollowsAWrappingLogUnderLoadWithDdl) {
  TM_REQUIRE_MARIADB();
  std::unique_ptr<TestServer> server = StartServer("8M");
  ASSERT_NE(server, nullptr);
  Copy copy;
  TM_ASSERT_OK_AND_ASSIGN(auto copier, copy.Open(*server, {.server_log = SessionProbe(*server)}));
  const Lsn c0 = copier->start_lsn();
  const uint64_t cap = copier->capacity();
  TM_ASSERT_OK(copier->Start());
  LagSampler sampler(*copier);
  const auto t0 = std::chrono::steady_clock::now();
  TM_ASSERT_OK(WriteLoad(*server, Lsn(c0.value() + 5 * cap / 2), /*ddl=*/true));
  TM_ASSERT_OK_AND_ASSIGN(const Lsn target, DurableLsn(*Session(*server)));
  TM_ASSERT_OK(copier->WaitFor(target, absl::Seconds(20)));
  const double secs = Seconds(t0);
  const auto [median_lag, max_lag] = sampler.Stop();
  TM_ASSERT_OK_AND_ASSIGN(const Lsn last, copier->Stop());
  EXPECT_GE(last, target);
  EXPECT_GT(last.value() - c0.value(), 2 * cap);  // the log wrapped at least twice
  const engine::RedoCopyProgress p = copier->Progress();
  EXPECT_EQ(ParseCopy(*copy.fs, copy.path, c0, last), p.mtrs_copied);
  ExpectSameAsServerLog(copy, *server, c0, cap / 2, last);
  ExpectDdlEvents(copy.events);
  PrintLoadReport(p, secs, median_lag, max_lag);
}

// Sessions committing one row at a time make the server rewrite its last log block
// thousands of times a second; a read of it can be torn or stale and still hold whole,
// checksummed mtrs (MDEV-39468). The copy must take only what the server made durable.
TEST(RedoCopierIntegrationTest, ManySmallCommitsNeverLeakATornTailIntoTheCopy) {
  TM_REQUIRE_MARIADB();
  std::unique_ptr<TestServer> server = StartServer("4M");
  ASSERT_NE(server, nullptr);
  TM_ASSERT_OK(server->Query("CREATE TABLE rc.s (id INT PRIMARY KEY, n INT) ENGINE=InnoDB"));
  Copy copy;
  TM_ASSERT_OK_AND_ASSIGN(auto copier, copy.Open(*server, {.server_log = SessionProbe(*server)}));
  TM_ASSERT_OK(copier->Start());
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) writers.emplace_back([&, w] { CommitLoop(*server, w, stop); });
  std::this_thread::sleep_for(std::chrono::seconds(4));
  stop = true;
  for (std::thread& t : writers) t.join();
  TM_ASSERT_OK_AND_ASSIGN(const Lsn target, DurableLsn(*Session(*server)));
  TM_ASSERT_OK(copier->WaitFor(target, absl::Seconds(20)));
  TM_ASSERT_OK_AND_ASSIGN(const Lsn last, copier->Stop());
  const engine::RedoCopyProgress p = copier->Progress();
  EXPECT_EQ(ParseCopy(*copy.fs, copy.path, copier->start_lsn(), last), p.mtrs_copied);
  ExpectSameAsServerLog(copy, *server, copier->start_lsn(), copier->capacity() / 2, last);
  std::cout << absl::StrFormat("[redo copier, small commits] %d mtrs, %.1f MiB, %d rounds\n",
                               p.mtrs_copied, p.bytes_copied / 1048576.0, p.rounds);
}

TEST(RedoCopierIntegrationTest, CatchesUpWithALargeBacklogQuickly) {
  TM_REQUIRE_MARIADB();
  std::unique_ptr<TestServer> server = StartServer("128M");
  ASSERT_NE(server, nullptr);
  Copy copy;
  TM_ASSERT_OK_AND_ASSIGN(auto copier, copy.Open(*server, {.server_log = SessionProbe(*server)}));
  const Lsn c0 = copier->start_lsn();
  TM_ASSERT_OK(WriteLoad(*server, Lsn(c0.value() + copier->capacity() / 2), false));
  const auto t0 = std::chrono::steady_clock::now();
  TM_ASSERT_OK(copier->CopyAvailable());
  const double secs = Seconds(t0);
  const engine::RedoCopyProgress p = copier->Progress();
  EXPECT_GE(p.bytes_copied, copier->capacity() / 2);
  TM_ASSERT_OK_AND_ASSIGN(const Lsn last, copier->Stop());
  EXPECT_EQ(ParseCopy(*copy.fs, copy.path, c0, last), p.mtrs_copied);
  std::cout << absl::StrFormat(
      "[redo copier catch-up] %.1f MiB backlog copied in %.3f s: %.0f MiB/s (%d mtrs, %.1f%% "
      "lag at the start)\n",
      p.bytes_copied / 1048576.0, secs, p.bytes_copied / 1048576.0 / secs, p.mtrs_copied,
      100 * p.max_lag_fraction);
}

TEST(RedoCopierIntegrationTest, RedoRaceFailsWithTheOverrunStatus) {
  TM_REQUIRE_MARIADB();
  std::unique_ptr<TestServer> server = StartServer("4M");
  ASSERT_NE(server, nullptr);
  Copy probed, unprobed;
  TM_ASSERT_OK_AND_ASSIGN(auto a, probed.Open(*server, {.server_log = SessionProbe(*server)}, 1));
  TM_ASSERT_OK_AND_ASSIGN(auto b, unprobed.Open(*server, {}, 2));
  TM_ASSERT_OK(a->CopyAvailable());
  // The copiers are paused while the server writes three laps of its log.
  TM_ASSERT_OK(WriteLoad(*server, Lsn(a->copied_lsn().value() + 3 * a->capacity()), false));
  TM_ASSERT_OK_AND_ASSIGN(const Lsn target, DurableLsn(*Session(*server)));
  TM_ASSERT_OK(a->Start());
  const auto t0 = std::chrono::steady_clock::now();
  const absl::Status s = a->WaitFor(target, absl::Seconds(20));
  EXPECT_LT(Seconds(t0), 2.0);
  EXPECT_TRUE(engine::IsRedoOverrun(s)) << s;
  EXPECT_NE(s.message().find(", server at LSN "), std::string::npos) << s;
  EXPECT_EQ(a->Stop().status(), s);
  const absl::Status sb = b->CopyAvailable();
  EXPECT_TRUE(engine::IsRedoOverrun(sb)) << sb;
  EXPECT_NE(sb.message().find("(its checkpoint)"), std::string::npos) << sb;
  std::cout << "[redo race, probe] " << s << "\n[redo race, checkpoint] " << sb << "\n";
}

TEST(RedoCopierIntegrationTest, CopiesAnEncryptedLogWithoutTheKey) {
  TM_REQUIRE_MARIADB();
  std::unique_ptr<TestServer> server = StartServer(
      "8M",
      {"--plugin-load-add=file_key_management", "--file-key-management-filename={dir}/keys.txt",
       "--innodb-encrypt-log=ON"},
      {{"keys.txt", "1;a7b3f2c1d9e8a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1\n"}});
  ASSERT_NE(server, nullptr);
  Copy copy;
  TM_ASSERT_OK_AND_ASSIGN(auto copier, copy.Open(*server, {.server_log = SessionProbe(*server)}));
  ASSERT_EQ(copier->server_head().header.format, innodb::kLogFormatEnc11);
  const Lsn c0 = copier->start_lsn();
  TM_ASSERT_OK(copier->Start());
  TM_ASSERT_OK(WriteLoad(*server, Lsn(c0.value() + 3 * copier->capacity() / 2), true));
  TM_ASSERT_OK_AND_ASSIGN(const Lsn target, DurableLsn(*Session(*server)));
  TM_ASSERT_OK(copier->WaitFor(target, absl::Seconds(20)));
  TM_ASSERT_OK_AND_ASSIGN(const Lsn last, copier->Stop());
  EXPECT_EQ(ParseCopy(*copy.fs, copy.path, c0, last, innodb::LogEncryption::kEnc11),
            copier->Progress().mtrs_copied);
  int hidden_ddl = 0;  // CREATE, RENAME, DROP: kinds only
  for (const RedoEvent& e : copy.events) {
    hidden_ddl += !e.names_known && e.kind != RedoEventKind::kFileModify;
  }
  EXPECT_GE(hidden_ddl, 3);
}

}  // namespace
}  // namespace tidemark::testing
