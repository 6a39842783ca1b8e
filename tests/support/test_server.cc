// Throwaway MariaDB servers for integration tests, and the subprocess runner they and the
// tests use. Processes are started with posix_spawn (never a shell) and only ever signalled
// by the pid we got back, so a test cannot touch a server it does not own.
#include "tests/support/test_server.h"

#include <fcntl.h>
#include <mysql.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "io/errno_status.h"

extern char** environ;

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The client library must be initialised once before threads use it; a child that exits
// while we still write its stdin must not kill the test with SIGPIPE.
void InitProcessOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    mysql_library_init(0, nullptr, nullptr);
    signal(SIGPIPE, SIG_IGN);
  });
}

bool KeepTestDirs() { return std::getenv("TIDEMARK_KEEP_TEST_DIRS") != nullptr; }

std::string Head(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return std::string(text.substr(0, max_bytes)) + "...";
}

std::string Tail(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return "..." + std::string(text.substr(text.size() - max_bytes));
}

std::string CurrentUser() {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "";
}

// Owns one file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    Reset();
    fd_ = o.fd_;
    o.fd_ = -1;
    return *this;
  }
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

absl::Status MakePipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return io::ErrnoStatus(errno, "pipe", "");
  *read_end = UniqueFd(fds[0]);
  *write_end = UniqueFd(fds[1]);
  return absl::OkStatus();
}

// posix_spawn with stdin/stdout/stderr redirected to the given descriptors.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, int in, int out, int err) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  // Nothing else leaks into the child (client sockets, other children's pipes).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return io::ErrnoStatus(rc, "spawn", argv[0]);
  return pid;
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Polls `pid` until it exits or `timeout` passes. Returns true and its wait status when it
// exited (status -1 if it was already reaped).
bool WaitPid(pid_t pid, std::chrono::milliseconds timeout, int* wait_status) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      *wait_status = r == pid ? st : -1;
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// SIGTERM, bounded wait, then SIGKILL: how every process we own is stopped when it must be.
void TerminatePid(pid_t pid, std::chrono::milliseconds grace) {
  int st;
  kill(pid, SIGTERM);
  if (WaitPid(pid, grace, &st)) return;
  kill(pid, SIGKILL);
  WaitPid(pid, std::chrono::seconds(30), &st);
}

// Moves bytes between the parent's pipe ends and the child until both outputs reach EOF.
absl::Status Pump(pid_t pid, const CommandOptions& options, UniqueFd& in, UniqueFd& out,
                  UniqueFd& err, CommandResult* result) {
  const auto deadline = Clock::now() + options.timeout;
  size_t written = 0;
  if (options.stdin_data.empty()) in.Reset();
  if (in.get() >= 0) fcntl(in.get(), F_SETFL, O_NONBLOCK);
  char buf[65536];
  while (out.get() >= 0 || err.get() >= 0) {
    pollfd fds[3] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}, {in.get(), POLLOUT, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      TerminatePid(pid, std::chrono::seconds(0));
      return absl::DeadlineExceededError(
          absl::StrFormat("did not finish within %d ms (killed); stderr: %s",
                          options.timeout.count(), Tail(result->err, 2000)));
    }
    if (poll(fds, 3, static_cast<int>(std::min<int64_t>(left.count(), 1000))) < 0) {
      if (errno == EINTR) continue;
      return io::ErrnoStatus(errno, "poll", "");
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) (i == 0 ? result->out : result->err).append(buf, n);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) (i == 0 ? out : err).Reset();
    }
    if (fds[2].fd >= 0 && fds[2].revents != 0) {
      ssize_t n =
          write(in.get(), options.stdin_data.data() + written, options.stdin_data.size() - written);
      if (n > 0) written += n;
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.stdin_data.size()) {
        in.Reset();
      }
    }
  }
  return absl::OkStatus();
}

// mkdtemp("<base>/<prefix>-XXXXXX"); `base` "" means $TMPDIR, else /tmp.
absl::StatusOr<std::string> MakeTempDir(std::string_view prefix, std::string_view base) {
  const char* env = std::getenv("TMPDIR");
  std::string dir(base);
  if (dir.empty()) dir = env != nullptr && *env != '\0' ? env : "/tmp";
  std::string templ = absl::StrFormat("%s/%s-XXXXXX", dir, prefix);
  if (mkdtemp(templ.data()) == nullptr) return io::ErrnoStatus(errno, "mkdtemp", templ);
  return templ;
}

void RemoveTempDir(const std::string& dir) {
  if (dir.empty()) return;
  if (KeepTestDirs()) {
    std::fprintf(stderr, "[tidemark] kept test directory %s\n", dir.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

absl::Status WriteFile(const std::string& path, std::string_view content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  f.close();
  if (!f) return absl::InternalError(absl::StrFormat("write '%s' failed", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv, int in, int out,
                                   int err) {
  return Spawn(argv, in, out, err);
}

// ---------------------------------------------------------------- subprocesses

std::string CommandResult::Describe() const {
  return absl::StrFormat("exit %d, stdout: '%s', stderr: '%s'", exit_code, Tail(out, 1500),
                         Tail(err, 1500));
}

absl::StatusOr<std::string> FindProgram(std::string_view name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');) dirs.push_back(d.empty() ? "." : d);
  }
  for (const char* d : {"/usr/local/sbin", "/usr/sbin", "/sbin"}) dirs.push_back(d);
  for (const std::string& d : dirs) {
    std::string candidate = absl::StrFormat("%s/%s", d, name);
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return absl::NotFoundError(absl::StrFormat("program '%s' not found in PATH or sbin", name));
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const CommandOptions& options) {
  InitProcessOnce();
  if (argv.empty()) return absl::InvalidArgumentError("run: empty command line");
  std::vector<std::string> resolved = argv;
  if (argv[0].find('/') == std::string::npos) {
    TM_ASSIGN_OR_RETURN(resolved[0], FindProgram(argv[0]));
  }
  UniqueFd in_r, in_w, out_r, out_w, err_r, err_w;
  TM_RETURN_IF_ERROR(MakePipe(&in_r, &in_w));
  TM_RETURN_IF_ERROR(MakePipe(&out_r, &out_w));
  TM_RETURN_IF_ERROR(MakePipe(&err_r, &err_w));
  TM_ASSIGN_OR_RETURN(pid_t pid, Spawn(resolved, in_r.get(), out_w.get(), err_w.get()));
  in_r.Reset();
  out_w.Reset();
  err_w.Reset();
  CommandResult result;
  absl::Status pumped = Pump(pid, options, in_w, out_r, err_r, &result);
  if (!pumped.ok()) return Annotate(pumped, absl::StrFormat("run '%s'", resolved[0]));
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return io::ErrnoStatus(errno, "waitpid", resolved[0]);
  }
  result.exit_code = DecodeWaitStatus(st);
  return result;
}

bool RequirePrograms(std::initializer_list<std::string_view> programs) {
  std::string missing;
  for (std::string_view p : programs) {
    if (!FindProgram(p).ok()) missing += absl::StrFormat(" %s", p);
  }
  if (missing.empty()) return true;
  std::string why = absl::StrFormat(
      "missing programs:%s (install mariadb-server and mariadb-backup, see TESTING.md)", missing);
  if (std::getenv("CI") != nullptr) {
    [&] { FAIL() << why << "; CI is set, so this is a failure, not a skip"; }();
  } else {
    [&] { GTEST_SKIP() << why; }();
  }
  return false;
}

bool RequireMariaDb() { return RequirePrograms({"mariadbd", "mariadb-install-db", "mariadb"}); }

// ---------------------------------------------------------------- SqlConnection

absl::StatusOr<std::unique_ptr<SqlConnection>> SqlConnection::Connect(const std::string& socket,
                                                                      const std::string& user) {
  InitProcessOnce();
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return absl::ResourceExhaustedError("mysql_init failed");
  unsigned int timeout = 10;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (mysql_real_connect(m, nullptr, user.c_str(), nullptr, nullptr, 0, socket.c_str(),
                         CLIENT_MULTI_STATEMENTS) == nullptr) {
    absl::Status s = absl::UnavailableError(
        absl::StrFormat("connect to '%s' as %s: %s", socket, user, mysql_error(m)));
    mysql_close(m);
    return s;
  }
  return std::unique_ptr<SqlConnection>(new SqlConnection(m));
}

SqlConnection::~SqlConnection() { mysql_close(mysql_); }

absl::Status SqlConnection::ErrorStatus(std::string_view sql) const {
  unsigned int err = mysql_errno(mysql_);
  std::string text = absl::StrFormat("query '%s': error %u (%s): %s", Head(sql, 200), err,
                                     mysql_sqlstate(mysql_), mysql_error(mysql_));
  // 2000+ are client-side errors: the connection or the server went away.
  return err >= 2000 ? absl::UnavailableError(text) : absl::FailedPreconditionError(text);
}

absl::Status SqlConnection::Query(std::string_view sql) { return QueryRows(sql).status(); }

absl::StatusOr<std::vector<Row>> SqlConnection::QueryRows(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return ErrorStatus(sql);
  std::vector<Row> rows;
  int next = 0;
  do {
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res != nullptr) {
      rows.clear();
      unsigned int n = mysql_num_fields(res);
      while (MYSQL_ROW r = mysql_fetch_row(res)) {
        unsigned long* lengths = mysql_fetch_lengths(res);
        Row row;
        for (unsigned int i = 0; i < n; ++i) {
          row.push_back(r[i] == nullptr ? "NULL" : std::string(r[i], lengths[i]));
        }
        rows.push_back(std::move(row));
      }
      mysql_free_result(res);
    } else if (mysql_field_count(mysql_) != 0) {
      return ErrorStatus(sql);
    }
    next = mysql_next_result(mysql_);
    if (next > 0) return ErrorStatus(sql);
  } while (next == 0);
  return rows;
}

// ---------------------------------------------------------------- TestServer

TestServer::TestServer(TestServerOptions options, std::string dir)
    : options_(std::move(options)), dir_(std::move(dir)) {
  datadir_ = options_.existing_datadir.empty() ? dir_ + "/data" : options_.existing_datadir;
  socket_ = dir_ + "/mariadbd.sock";
  log_path_ = dir_ + "/mariadbd.log";
}

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(TestServerOptions options) {
  InitProcessOnce();
  TM_ASSIGN_OR_RETURN(std::string dir, MakeTempDir("tidemark-server", ""));
  std::unique_ptr<TestServer> server(new TestServer(std::move(options), std::move(dir)));
  // sun_path holds 108 bytes; a long $TMPDIR would not fit, so the socket moves to /tmp.
  if (server->socket_.size() >= 100) {
    TM_ASSIGN_OR_RETURN(server->socket_dir_, MakeTempDir("tm-sock", "/tmp"));
    server->socket_ = server->socket_dir_ + "/sock";
  }
  // A private tmpdir: concurrent servers sharing /tmp were seen to fail bootstrap on each
  // other's '#sql-temptable-*' files.
  if (mkdir((server->dir_ + "/tmp").c_str(), 0700) != 0) {
    return io::ErrnoStatus(errno, "mkdir", server->dir_ + "/tmp");
  }
  for (const auto& [name, content] : server->options_.files) {
    TM_RETURN_IF_ERROR(WriteFile(server->dir_ + "/" + name, server->Expand(content)));
  }
  if (server->options_.existing_datadir.empty()) TM_RETURN_IF_ERROR(server->CreateDatadir());
  TM_RETURN_IF_ERROR(server->Launch());
  return server;
}

TestServer::~TestServer() {
  conn_.reset();
  if (running()) TerminatePid(pid_, std::chrono::seconds(60));
  pid_ = 0;
  RemoveTempDir(socket_dir_);
  RemoveTempDir(dir_);
}

std::string TestServer::Expand(std::string_view arg) const {
  std::string out(arg);
  for (size_t pos; (pos = out.find("{dir}")) != std::string::npos;) {
    out.replace(pos, 5, dir_);
  }
  return out;
}

absl::Status TestServer::CreateDatadir() {
  // As TESTING.md's command: the `test` database stays, tests may use it.
  std::vector<std::string> argv = {"mariadb-install-db", "--no-defaults", "--datadir=" + datadir_,
                                   "--tmpdir=" + dir_ + "/tmp",
                                   "--auth-root-authentication-method=normal"};
  if (std::string user = CurrentUser(); !user.empty()) argv.push_back("--user=" + user);
  for (const std::string& a : options_.bootstrap_args) argv.push_back(Expand(a));
  TM_ASSIGN_OR_RETURN(CommandResult r, RunCommand(argv, {.timeout = options_.start_timeout}));
  if (r.exit_code != 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("mariadb-install-db into '%s': %s", datadir_, r.Describe()));
  }
  return absl::OkStatus();
}

std::vector<std::string> TestServer::ServerArgv() const {
  std::vector<std::string> argv = {
      "mariadbd",
      "--no-defaults",
      "--datadir=" + datadir_,
      "--socket=" + socket_,
      "--pid-file=" + dir_ + "/mariadbd.pid",
      "--tmpdir=" + dir_ + "/tmp",
      "--skip-networking",
      "--log-bin=" + datadir_ + "/binlog",
      "--server-id=1",
      "--binlog-format=ROW",
      "--innodb-buffer-pool-size=" + options_.buffer_pool_size,
      "--innodb-log-file-size=" + options_.log_file_size,
  };
  if (std::string user = CurrentUser(); !user.empty()) argv.push_back("--user=" + user);
  for (const std::string& a : options_.bootstrap_args) argv.push_back(Expand(a));
  for (const std::string& a : options_.server_args) argv.push_back(Expand(a));
  return argv;
}

absl::Status TestServer::Launch() {
  std::vector<std::string> argv = ServerArgv();
  TM_ASSIGN_OR_RETURN(argv[0], FindProgram("mariadbd"));
  UniqueFd log(open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0) return io::ErrnoStatus(errno, "open", log_path_);
  UniqueFd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_in.get() < 0) return io::ErrnoStatus(errno, "open", "/dev/null");
  TM_ASSIGN_OR_RETURN(pid_, Spawn(argv, null_in.get(), log.get(), log.get()));
  return WaitUntilAnswering();
}

absl::Status TestServer::WaitUntilAnswering() {
  const auto deadline = Clock::now() + options_.start_timeout;
  absl::Status last = absl::UnavailableError("no connection attempt yet");
  while (Clock::now() < deadline) {
    int st = 0;
    if (WaitPid(pid_, std::chrono::milliseconds(0), &st)) {
      pid_ = 0;
      return absl::FailedPreconditionError(
          absl::StrFormat("mariadbd on '%s' exited (%d) while starting; error log:\n%s", datadir_,
                          DecodeWaitStatus(st), ErrorLogTail()));
    }
    auto conn = SqlConnection::Connect(socket_);
    if (conn.ok()) {
      conn_ = std::move(*conn);
      return absl::OkStatus();
    }
    last = conn.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  TerminatePid(pid_, std::chrono::seconds(10));
  pid_ = 0;
  return absl::DeadlineExceededError(
      absl::StrFormat("mariadbd on '%s' did not answer within %ds (%s); error log:\n%s", datadir_,
                      options_.start_timeout.count(), last.message(), ErrorLogTail()));
}

absl::Status TestServer::Query(std::string_view sql) { return QueryRows(sql).status(); }

absl::StatusOr<std::vector<Row>> TestServer::QueryRows(std::string_view sql) {
  if (!running() || conn_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrFormat("query '%s': server stopped", sql));
  }
  return conn_->QueryRows(sql);
}

absl::StatusOr<std::string> TestServer::QueryValue(std::string_view sql) {
  TM_ASSIGN_OR_RETURN(std::vector<Row> rows, QueryRows(sql));
  if (rows.size() != 1 || rows[0].size() != 1) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "query '%s': expected one value, got %d rows", sql, static_cast<int>(rows.size())));
  }
  return rows[0][0];
}

absl::StatusOr<std::unique_ptr<SqlConnection>> TestServer::Connect() const {
  if (!running()) return absl::FailedPreconditionError("connect: server stopped");
  return SqlConnection::Connect(socket_);
}

bool TestServer::WaitForExit(std::chrono::milliseconds timeout, int* wait_status) {
  if (!WaitPid(pid_, timeout, wait_status)) return false;
  pid_ = 0;
  return true;
}

absl::Status TestServer::Shutdown() {
  if (!running()) return absl::OkStatus();
  // The server may close the connection before answering; the exit status tells the truth.
  if (conn_ != nullptr) conn_->Query("SHUTDOWN").IgnoreError();
  conn_.reset();
  int st = 0;
  std::string how = "SHUTDOWN";
  if (!WaitForExit(options_.stop_timeout, &st)) {
    how = "SIGTERM";
    kill(pid_, SIGTERM);
    if (!WaitForExit(std::chrono::seconds(60), &st)) {
      kill(pid_, SIGKILL);
      WaitForExit(std::chrono::seconds(30), &st);
      return absl::DeadlineExceededError(
          absl::StrFormat("mariadbd on '%s' ignored SHUTDOWN and SIGTERM; killed; error log:\n%s",
                          datadir_, ErrorLogTail()));
    }
  }
  if (st != -1 && DecodeWaitStatus(st) != 0) {
    return absl::InternalError(absl::StrFormat("mariadbd on '%s' exited %d after %s; log:\n%s",
                                               datadir_, DecodeWaitStatus(st), how,
                                               ErrorLogTail()));
  }
  return absl::OkStatus();
}

absl::Status TestServer::Restart() {
  if (running()) return absl::FailedPreconditionError("restart: server still running");
  return Launch();
}

std::string TestServer::ErrorLogTail(size_t max_bytes) const {
  std::ifstream f(log_path_, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return Tail(ss.str(), max_bytes);
}

}  // namespace tidemark::testing
