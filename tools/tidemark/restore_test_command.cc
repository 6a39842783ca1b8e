// `tidemark restore-test`: flags -> engine::RunRestoreTest -> the report on stdout (text or
// JSON), notes on stderr, and an exit code: 0 every table OK, 3 a table failed or the server
// refused the data, 4 not a backup, 6 mariadbd missing or failing for environmental reasons
// (docs/restore-test.md, docs/exit-codes.md).
#include "tools/tidemark/restore_test_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>

#include "absl/strings/str_format.h"
#include "engine/restore_test_job.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

namespace {

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
  std::optional<io::CryptKey> key;
  if (KeyGiven(f.key)) {
    absl::StatusOr<io::CryptKey> loaded = LoadKey(f.key);
    if (!loaded.ok()) {
      std::fprintf(stderr, "tidemark: restore-test failed: %s\n",
                   std::string(loaded.status().message()).c_str());
      return kExitBadInput;
    }
    key = *loaded;
  }
  auto fs = io::NewPosixFileSystem();
  engine::RestoreTestEnv env{.fs = *fs};
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
