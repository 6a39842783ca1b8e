// Helpers for tests that back up a running server and judge the backup by what a restore of
// it says (../shared/docs/TESTING.md "What makes a restore check trustworthy"): a background
// child process the test can signal by pid (the backup under test), mariadb-backup --prepare
// on a copy, CHECK TABLE EXTENDED and CHECKSUM TABLE over every user table, and the binlog
// replay from the position recorded in xtrabackup_binlog_info.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {

// A subprocess running while the test does other things, with stdout and stderr going to
// "<output_prefix>.out" and "<output_prefix>.err". Only ever signalled by its own pid. The
// destructor stops a child still running (SIGTERM, bounded wait, SIGKILL). Not thread-safe.
class BackgroundCommand {
 public:
  // Starts argv without a shell (argv[0] resolved with FindProgram when it has no '/').
  // Errors: NotFound for a missing program; Internal when the output files or spawn fail.
  static absl::StatusOr<std::unique_ptr<BackgroundCommand>> Start(
      const std::vector<std::string>& argv, const std::string& output_prefix);
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  pid_t pid() const { return pid_; }
  bool running();  // false once the child has exited (it is then reaped)
  // Sends `signal` to the child while it runs (SIGSTOP/SIGCONT to pause it).
  void Signal(int signal) const;
  // Everything the child wrote to stderr so far.
  std::string ErrSoFar() const;
  // Polls ErrSoFar() until it contains `text`; false when the child exits or `timeout`
  // passes first.
  bool WaitForErr(std::string_view text, std::chrono::milliseconds timeout);
  // Waits for the child to exit and returns its exit code and output. DeadlineExceeded
  // (child left running) when it outlives `timeout`.
  absl::StatusOr<CommandResult> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, a bounded wait, then SIGKILL; returns what Wait would.
  absl::StatusOr<CommandResult> Stop();

 private:
  BackgroundCommand(pid_t pid, std::string prefix) : pid_(pid), prefix_(std::move(prefix)) {}
  CommandResult Collect() const;

  pid_t pid_;
  std::string prefix_;
  int wait_status_ = -1;
  bool exited_ = false;
};

// Copies the backup directory `backup_dir` to `copy_dir` (which must not exist) and runs
// `mariadb-backup --prepare --target-dir=copy_dir` on the copy. Errors: Internal for a failed
// copy; FailedPrecondition naming the exit code and the tail of mariadb-backup's output.
absl::Status PrepareCopy(const std::string& backup_dir, const std::string& copy_dir);

// The whole contents of the file at `path` ("" when it cannot be read).
std::string ReadWholeFile(const std::string& path);

// The value of the line `key = value` of a metadata file's `text` (xtrabackup_checkpoints,
// xtrabackup_info), or "" when there is none.
std::string MetadataValue(const std::string& text, const std::string& key);

// SHOW GLOBAL STATUS `name` as a number. Errors: NotFound for an unknown name; the query's.
absl::StatusOr<uint64_t> GlobalStatusValue(TestServer& server, const std::string& name);

// The arguments of `tidemark backup` of `server` into `target` (as root, --parallel 2,
// --no-sync), then `extra`: for Tidemark().
std::vector<std::string> TidemarkBackupArgs(const TestServer& server, const std::string& target,
                                            const std::vector<std::string>& extra);

// Runs the tidemark binary under test with `args` (20-minute timeout).
absl::StatusOr<CommandResult> Tidemark(std::vector<std::string> args);

// Copies the directory tree `from` to `to` (which must not exist).
absl::Status CopyTree(const std::string& from, const std::string& to);

// `tidemark compare --json A B` of two prepared backups: prints a summary line naming `what`,
// and records a failure unless it exits 0 with no differing page and compared > 1000 pages.
void ExpectSamePages(const std::string& a, const std::string& b, const std::string& what);

// "db.table" of every base table outside the system schemas (mysql, sys,
// information_schema, performance_schema), sorted.
absl::StatusOr<std::vector<std::string>> UserTables(TestServer& server);

// CHECK TABLE ... EXTENDED on each table; returns one line per complaint ("db.t: error:
// ..."), empty when every table says OK. The server's warning about a delete-marked secondary
// index record without its clustered record (MDEV-29823, a server race that a copy carries
// faithfully) is not a complaint; any other warning is.
absl::StatusOr<std::vector<std::string>> CheckTablesExtended(
    TestServer& server, const std::vector<std::string>& tables);

// CHECKSUM TABLE of each table: "db.table" -> checksum.
absl::StatusOr<std::map<std::string, std::string>> TableChecksums(
    TestServer& server, const std::vector<std::string>& tables);

// The consistent point of a backup, from its xtrabackup_binlog_info ("file\tpos\tgtid").
struct BinlogPoint {
  std::string file;  // e.g. "binlog.000002"
  uint64_t position = 0;
};
// Errors: NotFound when the file is missing, InvalidArgument when it does not parse.
absl::StatusOr<BinlogPoint> ReadBinlogPoint(const std::string& backup_dir);

// What a replay did: the files replayed and the bytes of SQL mariadb-binlog produced.
struct ReplayResult {
  std::vector<std::string> files;
  size_t sql_bytes = 0;
};
// Point-in-time recovery onto `restored`: every binlog of `source` from point.file onward
// (SHOW BINARY LOGS) through `mariadb-binlog --start-position=P FILE...`, piped into the
// mariadb client on `restored`'s socket. Errors name the failing program with its output.
absl::StatusOr<ReplayResult> ReplayBinlogs(TestServer& source, const BinlogPoint& point,
                                           const TestServer& restored);

// Replays the source's binlog from the backup's position into `restored` (ReplayBinlogs, the
// point read from `backup_dir`), then compares CHECKSUM TABLE of every user table of both;
// returns one line per difference (a table on one side only, or a different checksum).
absl::StatusOr<std::vector<std::string>> ReplayAndCompare(TestServer& source,
                                                          const std::string& backup_dir,
                                                          TestServer& restored);

// The restore check of TESTING.md on `restored` against `source`, recorded as test failures:
// the same user tables, CHECK TABLE EXTENDED clean on each, and after replaying the source's
// binlog from `backup_dir`'s position (ReplayAndCompare) every CHECKSUM TABLE equal.
void ExpectRestoreCheck(TestServer& source, TestServer& restored, const std::string& backup_dir);

// The line of `stderr_text` that starts with `prefix` (e.g. "tidemark: backup complete"),
// or "" when there is none.
std::string LineStartingWith(std::string_view text, std::string_view prefix);

}  // namespace tidemark::testing
