// The scratch mariadbd of restore-test. Spawned and signalled by pid only (a broad kill could
// hit a server we do not own); the options follow TESTING.md's throwaway server plus
// --skip-grant-tables, so a backup of a server whose root has a password can still be
// checked, and the settings mariadb-backup --prepare itself takes from backup-my.cnf
// (xtrabackup.cc, MariaDB 10.11), without which InnoDB refuses the files.
#include "engine/scratch_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/mysql_sql_session.h"
#include "innodb/base/status.h"
#include "io/errno_status.h"
#include "io/unique_fd.h"

extern char** environ;

namespace tidemark::engine {

namespace {

using SteadyClock = std::chrono::steady_clock;

absl::StatusOr<std::string> FindMariadbd() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    for (absl::string_view d : absl::StrSplit(path, ':')) {
      dirs.emplace_back(d.empty() ? std::string(".") : std::string(d));
    }
  }
  for (const char* d : {"/usr/local/sbin", "/usr/sbin", "/sbin"}) dirs.emplace_back(d);
  for (const std::string& d : dirs) {
    const std::string candidate = d + "/mariadbd";
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return absl::UnavailableError(
      "mariadbd not found in PATH, /usr/local/sbin, /usr/sbin or /sbin: install mariadb-server "
      "or give --mariadbd PATH");
}

// Reaps `pid` if it has exited within `timeout`; its wait status in *status.
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  const auto deadline = SteadyClock::now() + timeout;
  while (true) {
    int st = 0;
    const pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      *status = r == pid ? st : 0;
      return true;
    }
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrFormat("exit status %d", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrFormat("signal %d", WTERMSIG(status));
  return "unknown wait status";
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  io::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "";
  const off_t size = lseek(fd.get(), 0, SEEK_END);
  if (size <= 0) return "";
  const off_t from = size > static_cast<off_t>(max_bytes) ? size - max_bytes : 0;
  std::string out(size - from, '\0');
  const ssize_t n = pread(fd.get(), out.data(), out.size(), from);
  out.resize(n > 0 ? n : 0);
  return from > 0 ? "..." + out : out;
}

class ScratchServer final : public RunningServer {
 public:
  ScratchServer(ScratchServerOptions options, pid_t pid)
      : options_(std::move(options)), pid_(pid) {}
  ~ScratchServer() override {
    if (!detached_ && pid_ > 0) Stop().IgnoreError();
  }

  absl::StatusOr<std::unique_ptr<SqlSession>> Connect() override {
    ConnectionOptions c{.socket = options_.socket, .user = "root", .password = std::string()};
    c.connect_timeout = std::chrono::seconds(5);
    return ConnectMysql(c);
  }

  bool Running() override {
    if (pid_ <= 0) return false;
    int st = 0;
    if (!WaitExit(pid_, std::chrono::milliseconds(0), &st)) return true;
    exit_status_ = st;
    pid_ = 0;
    return false;
  }

  absl::Status Stop() override;
  void Detach() override { detached_ = true; }
  pid_t pid() const override { return pid_; }
  std::string ErrorLogTail(size_t max_bytes) const override {
    return FileTail(options_.error_log, max_bytes);
  }

  absl::Status WaitUntilAnswering();

 private:
  bool WaitGone(std::chrono::milliseconds timeout) {
    int st = 0;
    if (!WaitExit(pid_, timeout, &st)) return false;
    exit_status_ = st;
    pid_ = 0;
    return true;
  }

  const ScratchServerOptions options_;
  pid_t pid_;
  int exit_status_ = 0;
  bool detached_ = false;
};

absl::Status ScratchServer::Stop() {
  std::string how = "SHUTDOWN";
  if (Running()) {
    // The server may drop the connection before answering; its exit status tells the truth.
    if (auto session = Connect(); session.ok()) (*session)->Execute("SHUTDOWN").IgnoreError();
    if (!WaitGone(options_.stop_timeout)) {
      how = "SIGTERM";
      kill(pid_, SIGTERM);
      if (!WaitGone(std::chrono::seconds(30))) {
        kill(pid_, SIGKILL);
        WaitGone(std::chrono::seconds(30));
        return absl::DeadlineExceededError(absl::StrFormat(
            "mariadbd on '%s' ignored SHUTDOWN and SIGTERM: killed", options_.datadir));
      }
    }
  } else {
    how = "its own exit";
  }
  if (!WIFEXITED(exit_status_) || WEXITSTATUS(exit_status_) != 0) {
    return absl::InternalError(absl::StrFormat("mariadbd on '%s' ended with %s after %s",
                                               options_.datadir, DescribeExit(exit_status_), how));
  }
  return absl::OkStatus();
}

absl::Status ScratchServer::WaitUntilAnswering() {
  const auto deadline = SteadyClock::now() + options_.start_timeout;
  absl::Status last = absl::UnavailableError("no connection attempt yet");
  while (SteadyClock::now() < deadline) {
    if (!Running()) {
      const std::string log = ErrorLogTail(3000);
      const std::string message =
          absl::StrFormat("mariadbd exited while starting on '%s' (%s); error log:\n%s",
                          options_.datadir, DescribeExit(exit_status_), log);
      return ClassifyStartFailure(log) == StartFailure::kEnvironment
                 ? absl::UnavailableError(message)
                 : absl::DataLossError(message);
    }
    auto session = Connect();
    if (session.ok()) return absl::OkStatus();
    last = session.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  WaitGone(std::chrono::seconds(30));
  return absl::UnavailableError(absl::StrFormat(
      "mariadbd on '%s' did not answer within %ds (killed; last: %s); error log:\n%s",
      options_.datadir, options_.start_timeout.count(), last.message(), ErrorLogTail(3000)));
}

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, int log_fd, bool detach) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The server starts with no signal blocked, whatever the caller blocks for itself (the tool
  // takes SIGINT/SIGTERM on a thread of its own), and in its own process group when detached.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | (detach ? POSIX_SPAWN_SETSID : 0));
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, cargv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrFormat("start mariadbd '%s': %s", argv[0], io::ErrnoStatus(rc, "spawn", argv[0]).message()));
  }
  return pid;
}

}  // namespace

std::vector<std::string> ScratchServerArgv(const ScratchServerOptions& o) {
  std::vector<std::string> argv = {
      o.mariadbd,
      "--no-defaults",
      "--datadir=" + o.datadir,
      "--socket=" + o.socket,
      "--pid-file=" + o.pid_file,
      "--tmpdir=" + o.tmpdir,
      "--skip-networking",
      "--skip-grant-tables",
      "--skip-slave-start",
      "--innodb-buffer-pool-size=" + o.buffer_pool_size,
      "--innodb-log-file-size=" + o.log_file_size,
  };
  if (!o.user.empty()) argv.push_back("--user=" + o.user);
  const BackupMyCnf& c = o.cnf;
  if (c.innodb_page_size != 0) {
    argv.push_back(absl::StrFormat("--innodb-page-size=%d", c.innodb_page_size));
  }
  if (!c.innodb_data_file_path.empty()) {
    argv.push_back("--innodb-data-file-path=" + c.innodb_data_file_path);
  }
  if (c.innodb_undo_tablespaces != 0) {
    argv.push_back(absl::StrFormat("--innodb-undo-tablespaces=%d", c.innodb_undo_tablespaces));
  }
  if (!c.plugin_load.empty()) {
    if (!c.plugin_dir.empty()) argv.push_back("--plugin-dir=" + c.plugin_dir);
    argv.push_back("--plugin-load-add=" + c.plugin_load);
  }
  for (const auto& [name, value] : c.plugin_variables) {
    // The scratch datadir holds every file: the original server's directories do not apply.
    if (name == "innodb_data_home_dir" || name == "innodb_log_group_home_dir" ||
        name == "innodb_undo_directory") {
      continue;
    }
    argv.push_back(absl::StrFormat("--loose-%s=%s", name, value));
  }
  if (c.has_encryption_plugin) {
    argv.push_back(absl::StrFormat("--innodb-encrypt-log=%d", c.innodb_encrypt_log ? 1 : 0));
    if (!c.innodb_encrypt_tables.empty()) {
      argv.push_back("--innodb-encrypt-tables=" + c.innodb_encrypt_tables);
    }
  }
  return argv;
}

StartFailure ClassifyStartFailure(std::string_view log) {
  // Each is what mariadbd (or the dynamic loader) prints when the cause is not the data.
  static constexpr std::string_view kEnvironment[] = {
      "unknown variable", "unknown option", "error while loading shared libraries",
      "Can't open shared library", "Couldn't load plugin", "Permission denied", "Errcode: 13",
      "No space left on device", "Errcode: 28", "Out of memory", "Cannot allocate memory",
      "Too many open files", "Address already in use", "Can't start server",
      "Please consult the Knowledge Base to find out how to run mysqld as root",
      "Fatal error: Can't change to run as user", "Could not open required defaults file", "Can't change dir to"};
  for (std::string_view marker : kEnvironment) {
    if (log.find(marker) != std::string_view::npos) return StartFailure::kEnvironment;
  }
  return StartFailure::kData;
}

absl::StatusOr<std::unique_ptr<RunningServer>> StartScratchServer(
    const ScratchServerOptions& options) {
  ScratchServerOptions o = options;
  if (o.mariadbd.empty()) {
    TM_ASSIGN_OR_RETURN(o.mariadbd, FindMariadbd());
  } else if (access(o.mariadbd.c_str(), X_OK) != 0) {
    return absl::UnavailableError(absl::StrFormat(
        "mariadbd '%s' is not an executable file: %s", o.mariadbd,
        io::ErrnoStatus(errno, "access", o.mariadbd).message()));
  }
  io::UniqueFd log(open(o.error_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log.valid()) return io::ErrnoStatus(errno, "open", o.error_log);
  TM_ASSIGN_OR_RETURN(pid_t pid, Spawn(ScratchServerArgv(o), log.get(), o.detach));
  auto server = std::make_unique<ScratchServer>(o, pid);
  TM_RETURN_IF_ERROR(server->WaitUntilAnswering());
  return server;
}

}  // namespace tidemark::engine
