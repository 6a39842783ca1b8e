// Throwaway MariaDB servers and subprocess helpers for integration tests
// (../shared/docs/TESTING.md): one temporary directory per server, mariadb-install-db and
// mariadbd started with posix_spawn (no shell), SQL through libmysqlclient, and the server
// stopped by its pid only. Used by every test under tests/integration/.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

typedef struct st_mysql MYSQL;

namespace tidemark::testing {

// What a finished subprocess left behind.
struct CommandResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when a signal ended it
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
  // "exit 3, stderr: '...'" (tails only), for assertion messages.
  std::string Describe() const;
};

struct CommandOptions {
  std::string stdin_data;  // written to the child's stdin, which is then closed
  std::chrono::milliseconds timeout = std::chrono::minutes(5);
};

// Runs argv without a shell (argv[0] is resolved with FindProgram when it has no '/') and
// captures stdout and stderr. Any exit code is a result, not an error. Errors: NotFound when
// the program does not exist, DeadlineExceeded when it outlives options.timeout (the child is
// then killed by its pid), Internal for a failed pipe/spawn/wait.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const CommandOptions& options = {});

// The path of `name` found in $PATH, /usr/local/sbin, /usr/sbin or /sbin (mariadbd lives in
// sbin, often missing from a user's PATH). NotFound otherwise.
absl::StatusOr<std::string> FindProgram(std::string_view name);

// For tests: checks that every program in `programs` exists. When one is missing it records
// a skip, or a failure when the environment variable CI is set (tests must not silently skip
// in CI), and returns false; the caller must then return. Prefer TM_REQUIRE_PROGRAMS.
bool RequirePrograms(std::initializer_list<std::string_view> programs);
// RequirePrograms for mariadbd, mariadb-install-db and the mariadb client.
bool RequireMariaDb();

#define TM_REQUIRE_MARIADB()                            \
  do {                                                  \
    if (!::tidemark::testing::RequireMariaDb()) return; \
  } while (0)
#define TM_REQUIRE_PROGRAMS(...)                                      \
  do {                                                                \
    if (!::tidemark::testing::RequirePrograms({__VA_ARGS__})) return; \
  } while (0)

// One result row; SQL NULL is returned as the string "NULL" (as the mariadb client prints it).
using Row = std::vector<std::string>;

// One client connection over a Unix socket (MariaDB Connector/C), multi-statement enabled.
// Not thread-safe: use one connection per thread.
class SqlConnection {
 public:
  // Errors: Unavailable when the server does not answer on `socket`.
  static absl::StatusOr<std::unique_ptr<SqlConnection>> Connect(const std::string& socket,
                                                                const std::string& user = "root");
  ~SqlConnection();
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;

  // Runs one or more ';'-separated statements, discarding result sets. The first failing
  // statement stops the batch; its error names the SQL (truncated) and the server's message.
  absl::Status Query(std::string_view sql);
  // Runs statements and returns the rows of the last result set (empty when none).
  absl::StatusOr<std::vector<Row>> QueryRows(std::string_view sql);

 private:
  explicit SqlConnection(MYSQL* mysql) : mysql_(mysql) {}
  absl::Status ErrorStatus(std::string_view sql) const;
  MYSQL* mysql_;
};

// How to create and start a TestServer. In every argument, "{dir}" is replaced by the
// server's temporary directory.
struct TestServerOptions {
  // Options fixed when a datadir is created (e.g. --innodb-page-size=4k,
  // --innodb-undo-tablespaces=2): given to mariadb-install-db and to every mariadbd start.
  std::vector<std::string> bootstrap_args;
  // Options for mariadbd only, after the built-in ones so they can override them
  // (e.g. --plugin-load-add=file_key_management, --innodb-encrypt-tables=ON).
  std::vector<std::string> server_args;
  // Files written into the directory before anything starts: relative name -> content
  // (e.g. a key file for file_key_management).
  std::map<std::string, std::string> files;
  // An existing datadir to start on (e.g. a restored backup) instead of running
  // mariadb-install-db into "{dir}/data". The destructor does not remove it.
  std::string existing_datadir;
  std::string buffer_pool_size = "128M";
  std::string log_file_size = "16M";
  std::chrono::seconds start_timeout = std::chrono::seconds(120);
  std::chrono::seconds stop_timeout = std::chrono::seconds(120);
};

// A MariaDB server owned by a test: its own directory "<$TMPDIR or /tmp>/tidemark-server-XXXXXX"
// (datadir "{dir}/data", tmpdir "{dir}/tmp", socket, error log "{dir}/mariadbd.log"), no
// network, binlog on ({dir}/data/binlog, ROW, server-id 1). The destructor stops a running server
// by pid (SIGTERM, bounded wait, SIGKILL) and removes the directory unless the environment variable
// TIDEMARK_KEEP_TEST_DIRS is set (then it prints the path to stderr). Not thread-safe; use
// Connect() to get a connection for another thread.
class TestServer {
 public:
  // Creates the directory, the datadir (unless options.existing_datadir) and starts the
  // server, returning once it answers SQL. Errors name the step; a server that fails to start
  // gives a status containing the tail of its error log.
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(TestServerOptions options = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& datadir() const { return datadir_; }
  std::string socket() const { return socket_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // SQL on the server's own connection (see SqlConnection). FailedPrecondition when stopped.
  absl::Status Query(std::string_view sql);
  absl::StatusOr<std::vector<Row>> QueryRows(std::string_view sql);
  // The single value of a one-row, one-column result.
  absl::StatusOr<std::string> QueryValue(std::string_view sql);
  // A new connection, e.g. for a load running in another thread.
  absl::StatusOr<std::unique_ptr<SqlConnection>> Connect() const;

  // Clean stop: SHUTDOWN statement, then waits for the process; falls back to SIGTERM and
  // then SIGKILL (each with a bounded wait). OK only when the server exited with status 0
  // after SHUTDOWN or SIGTERM. The directory stays until destruction.
  absl::Status Shutdown();
  // Starts mariadbd again on the same datadir with the same options.
  absl::Status Restart();
  // The last `max_bytes` of the server's error log.
  std::string ErrorLogTail(size_t max_bytes = 3000) const;

 private:
  TestServer(TestServerOptions options, std::string dir);
  absl::Status CreateDatadir();
  absl::Status Launch();
  absl::Status WaitUntilAnswering();
  // Waits up to `timeout` for the server process to exit; true when it did.
  bool WaitForExit(std::chrono::milliseconds timeout, int* wait_status);
  std::vector<std::string> ServerArgv() const;
  std::string Expand(std::string_view arg) const;

  TestServerOptions options_;
  std::string dir_;         // created by Start(), removed by the destructor
  std::string socket_dir_;  // only when dir_ is too long for a socket path; removed too
  std::string datadir_;
  std::string socket_;
  std::string log_path_;
  pid_t pid_ = 0;
  std::unique_ptr<SqlConnection> conn_;
};

// posix_spawn of argv[0] (an absolute path) with stdin/stdout/stderr on the given descriptors
// and every other descriptor closed in the child. Errors: the spawn's errno, naming argv[0].
absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv, int in, int out, int err);

}  // namespace tidemark::testing
