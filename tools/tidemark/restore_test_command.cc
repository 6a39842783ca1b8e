// `tidemark restore-test`: flags -> engine::RunRestoreTest -> the report on stdout (text or
// JSON), notes on stderr, and an exit code: 0 every table OK, 3 a table failed or the server
// refused the data, 4 not a backup, 6 mariadbd missing or failing for environmental reasons
// (docs/restore-test.md, docs/exit-codes.md).
#include "tools/tidemark/restore_test_command.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/str_format.h"
#include "engine/restore_test_job.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

namespace {

// The pids of the processes whose command line holds `needle` (mariadbd started on the scratch
// copy: "--datadir=<scratch>/data"), from /proc.
std::vector<pid_t> ProcessesWith(const std::string& needle) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

// Stops `pid` (SIGTERM, up to `grace`, then SIGKILL) and reaps it when it is our child.
void StopProcess(pid_t pid, std::chrono::seconds grace) {
  kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    const pid_t w = waitpid(pid, nullptr, WNOHANG);
    const bool gone = w == pid || (w < 0 && kill(pid, 0) != 0);
    if (gone) return;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// An interrupted restore-test (SIGINT from Ctrl-C, SIGTERM, SIGHUP) stops its scratch server
// and removes the scratch copy before exiting 128 + the signal, so nothing is left running or
// behind; with --keep both are left and named. The signals are taken by a thread of their own
// (sigwait), so the cleanup runs outside a signal handler.
class InterruptCleanup {
 public:
  explicit InterruptCleanup(bool keep) : keep_(keep) {
    sigemptyset(&set_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set_, sig);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any other thread starts
    thread_ = std::thread([this] { Wait(); });
  }
  ~InterruptCleanup() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }
  void SetScratch(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    scratch_ = dir;
  }

 private:
  void Wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    std::string scratch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (done_ || sig == SIGUSR1) return;
      scratch = scratch_;
    }
    if (scratch.empty()) {
      std::fprintf(stderr, "\ntidemark: restore-test interrupted (signal %d)\n", sig);
    } else if (keep_) {
      std::fprintf(stderr,
                   "\ntidemark: restore-test interrupted (signal %d); --keep: the scratch copy "
                   "'%s' and any server on it are left as they are\n",
                   sig, scratch.c_str());
    } else {
      for (pid_t pid : ProcessesWith("--datadir=" + scratch + "/data")) {
        StopProcess(pid, std::chrono::seconds(60));
        std::fprintf(stderr, "\ntidemark: interrupted: stopped the scratch server (pid %d)\n",
                     static_cast<int>(pid));
      }
      // The main thread may still be writing there (a copy, the server's start-up): retry
      // until the directory is gone.
      std::error_code ec;
      for (int i = 0; i < 50; ++i) {
        std::filesystem::remove_all(scratch, ec);
        if (!std::filesystem::exists(scratch)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      std::fprintf(stderr, "tidemark: restore-test interrupted (signal %d); %s '%s'\n", sig,
                   ec ? "could not remove the scratch copy" : "removed the scratch copy",
                   scratch.c_str());
    }
    _exit(128 + sig);
  }

  const bool keep_;
  sigset_t set_;
  std::mutex mu_;
  std::string scratch_;
  bool done_ = false;
  std::thread thread_;
};

void PrintText(const RestoreTestFlags& f, const engine::RestoreTestResult& r) {
  std::fputs(engine::FormatTableReport(r.report).c_str(), stdout);
  if (!r.server_log_tail.empty()) {
    std::fprintf(stderr, "tidemark: the server's error log ends with:\n%s\n",
                 r.server_log_tail.c_str());
  }
  if (!r.stop_problem.empty()) {
    std::fprintf(stderr, "tidemark: note: %s\n", r.stop_problem.c_str());
  }
  std::fprintf(stderr, "tidemark: restore-test of '%s' %s\n", f.target_dir.c_str(),
               r.report.ok() ? "passed" : "FAILED");
}

void PrintKept(const engine::RestoreTestResult& r) {
  std::fprintf(stderr,
               "tidemark: the server is left running (pid %d) on '%s/data'\n"
               "  connect: mariadb --socket=%s -uroot\n"
               "  stop:    mariadb --socket=%s -uroot -e SHUTDOWN   (or: kill %d)\n"
               "  then:    rm -rf %s\n",
               r.pid, r.scratch_dir.c_str(), r.socket.c_str(), r.socket.c_str(), r.pid,
               r.scratch_dir.c_str());
}

std::string ResultJson(const RestoreTestFlags& f, const engine::RestoreTestResult& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(engine::TableReportJson(r.report));
  j["backup"] = f.target_dir;
  j["prepared_copy"] = r.prepared;
  if (r.kept) {
    j["kept"] = {{"scratch_dir", r.scratch_dir}, {"socket", r.socket}, {"pid", r.pid}};
  }
  if (!r.stop_problem.empty()) j["stop_problem"] = r.stop_problem;
  if (!r.server_log_tail.empty()) j["server_log_tail"] = r.server_log_tail;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int RestoreTestExitCode(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk: return kExitOk;
    case absl::StatusCode::kInvalidArgument: return kExitUsage;
    case absl::StatusCode::kDataLoss: return kExitCorruptPages;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition: return kExitBadInput;
    case absl::StatusCode::kUnavailable: return kExitServer;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kPermissionDenied: return kExitTarget;
    default: return kExitInternal;
  }
}

CLI::App* AddRestoreTestCommand(CLI::App& app, RestoreTestFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "restore-test", "Start a throwaway server on a copy of a backup and check every table");
  cmd->add_option("--target-dir", f.target_dir, "the backup (prepared or not); never modified")
      ->required();
  cmd->add_option("--scratch-dir", f.scratch_dir,
                  "where the scratch copy is made (default $TMPDIR or /tmp)");
  cmd->add_option("--mariadbd", f.mariadbd, "the server binary (default: mariadbd in PATH or sbin)");
  cmd->add_flag("--keep", f.keep, "leave the server running on the copy and say how to reach it");
  cmd->add_flag("--extended", f.extended, "CHECK TABLE ... EXTENDED (slower, more thorough)");
  cmd->add_flag("--json", f.json, "print the report as one JSON object");
  AddKeyOptions(cmd, f.key);
  cmd->add_option("--start-timeout", f.start_timeout, "seconds to wait for the server to answer")
      ->check(CLI::Range(1, 86400));
  return cmd;
}

int RunRestoreTestCommand(const RestoreTestFlags& flags) {
  // mariadbd changes into its datadir: every path it is given must be absolute.
  RestoreTestFlags f = flags;
  for (std::string* path : {&f.target_dir, &f.scratch_dir, &f.mariadbd}) {
    std::error_code ec;
    if (!path->empty()) *path = std::filesystem::absolute(*path, ec).lexically_normal().string();
    while (path->size() > 1 && path->back() == '/') path->pop_back();
  }
  absl::StatusOr<std::optional<io::CryptKey>> loaded = LoadKeyIfGiven(f.key);
  if (!loaded.ok()) {
    std::fprintf(stderr, "tidemark: restore-test failed: %s\n",
                 std::string(loaded.status().message()).c_str());
    return KeyErrorExitCode(f.key);
  }
  const std::optional<io::CryptKey> key = *loaded;
  InterruptCleanup interrupts(f.keep);
  auto fs = io::NewPosixFileSystem();
  engine::RestoreTestEnv env{.fs = *fs};
  env.on_scratch = [&interrupts](const std::string& dir) { interrupts.SetScratch(dir); };
  env.on_note = [](std::string_view note) {
    std::fprintf(stderr, "tidemark: %.*s\n", static_cast<int>(note.size()), note.data());
  };
  engine::RestoreTestOptions o{.backup_dir = f.target_dir,
                               .scratch_parent = f.scratch_dir,
                               .mariadbd = f.mariadbd,
                               .keep = f.keep,
                               .extended = f.extended,
                               // mariadbd refuses to run as root without --user=root.
                               .user = geteuid() == 0 ? "root" : "",
                               .start_timeout = std::chrono::seconds(f.start_timeout),
                               .key = key ? &*key : nullptr};
  absl::StatusOr<engine::RestoreTestResult> r = engine::RunRestoreTest(o, env);
  if (!r.ok()) {
    const int code = RestoreTestExitCode(r.status());
    if (f.json) {
      nlohmann::ordered_json j = {{"ok", false}, {"backup", f.target_dir},
                                  {"error", std::string(r.status().message())},
                                  {"exit_code", code}};
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    std::fprintf(stderr, "tidemark: restore-test failed: %s\n",
                 std::string(r.status().message()).c_str());
    return code;
  }
  if (f.json) {
    std::printf("%s\n", ResultJson(f, *r).c_str());
  } else {
    PrintText(f, *r);
  }
  if (r->kept) PrintKept(*r);
  return r->report.ok() ? kExitOk : kExitCorruptPages;
}

}  // namespace tidemark::tools
