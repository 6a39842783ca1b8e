// `tidemark verify`: flags -> engine verify job -> problem lines and a summary (or one JSON
// object) on stdout, errors on stderr, exit code from what was found.
#include "tools/tidemark/verify_command.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "engine/verify.h"
#include "engine/verify_report.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

CLI::App* AddVerifyCommand(CLI::App& app, VerifyFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "verify", "Check a backup without restoring it: files, pages, deltas, redo, chain");
  cmd->add_option("--target-dir", f.target_dir, "the backup directory");
  cmd->add_option("--stream", f.stream, "an xbstream file (not yet supported)");
  cmd->add_option("--incremental-basedir", f.incremental_basedir,
                  "for an incremental: its base backup, to check that the chain continues");
  cmd->add_flag("--json", f.json, "one JSON object (docs/verify.md)");
  cmd->add_option("--parallel", f.parallel, "files checked at once (default: CPUs)")
      ->check(CLI::Range(0, 256));
  return cmd;
}

int RunVerifyCommand(const VerifyFlags& f) {
  if (!f.stream.empty()) {
    std::fprintf(stderr, "tidemark: verify --stream is not supported yet: unpack the stream "
                         "with mbstream -x and verify the directory with --target-dir\n");
    return kExitUsage;
  }
  if (f.target_dir.empty()) {
    std::fprintf(stderr, "tidemark: verify needs --target-dir DIR\n");
    return kExitUsage;
  }
  std::unique_ptr<io::FileSystem> fs = io::NewPosixFileSystem();
  engine::VerifyOptions o{.target_dir = f.target_dir,
                          .incremental_basedir = f.incremental_basedir};
  o.parallel = f.parallel > 0 ? static_cast<size_t>(f.parallel)
                             : std::max(1u, std::thread::hardware_concurrency());
  o.read.direct_io = false;
  o.read.drop_cache = true;
  o.read.depth = 4;
  o.read.rereads = 1;  // a backup at rest: a failing page does not heal by waiting
  absl::StatusOr<engine::VerifyResult> r = engine::VerifyBackup(*fs, o);
  if (!r.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", std::string(r.status().message()).c_str());
    return absl::IsInvalidArgument(r.status()) ? kExitUsage : kExitBadInput;
  }
  const std::string out =
      f.json ? engine::VerifyReportJson(f.target_dir, *r)
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                   "\n"
             : engine::VerifyReportText(f.target_dir, *r);
  std::fputs(out.c_str(), stdout);
  return r->ok() ? kExitOk : kExitCorruptPages;
}

}  // namespace tidemark::tools
