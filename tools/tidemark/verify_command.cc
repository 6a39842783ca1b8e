// `tidemark verify`: flags -> engine verify job (on a directory, or on a stream extracted into
// a private scratch directory) -> problem lines and a summary (or one JSON object) on stdout,
// errors on stderr, exit code from what was found.
#include "tools/tidemark/verify_command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "absl/strings/str_format.h"
#include "engine/restore_test_job.h"
#include "engine/verify.h"
#include "engine/verify_report.h"
#include "engine/xbstream.h"
#include "io/byte_stream.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {
namespace {

int Fail(absl::string_view message, int code) {
  std::fprintf(stderr, "tidemark: verify: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return code;
}

// 7 when a decoded copy could not be written (a file went unchecked), else 4 for a wrong key
// (as decrypt), else 3 for any other problem.
int ExitCodeFor(const engine::VerifyResult& r) {
  int code = kExitOk;
  for (const engine::VerifyProblem& p : r.problems) {
    code = MoreSevere(code, p.kind == engine::VerifyProblemKind::kScratch ? kExitTarget
                            : p.kind == engine::VerifyProblemKind::kKey   ? kExitBadInput
                                                                          : kExitCorruptPages);
  }
  return code;
}

int Report(std::string_view shown, const VerifyFlags& f, const engine::VerifyResult& r) {
  const std::string out = f.json ? engine::VerifyReportJson(shown, r).dump(
                                       -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                                       "\n"
                                 : engine::VerifyReportText(shown, r);
  std::fputs(out.c_str(), stdout);
  return ExitCodeFor(r);
}

int ExitCodeForError(const absl::Status& s) {
  if (absl::IsInvalidArgument(s)) return kExitUsage;
  if (engine::GetXbstreamErrorKind(s) == engine::XbstreamErrorKind::kTarget ||
      absl::IsResourceExhausted(s)) {
    return kExitTarget;
  }
  return kExitBadInput;
}

std::string ScratchParent(const VerifyFlags& f) {
  if (!f.scratch_dir.empty()) return f.scratch_dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

// mkdtemp("PARENT/tidemark-verify-stream-XXXXXX"): 0700, a name no one else has.
absl::StatusOr<std::string> MakeStreamDir(const std::string& parent) {
  std::string templ = parent + "/tidemark-verify-stream-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot create a scratch directory in '%s': %s", parent, std::strerror(errno)));
  }
  return templ;
}

int VerifyStream(const VerifyFlags& f, io::FileSystem& fs, engine::VerifyOptions& o) {
  std::unique_ptr<io::ByteSource> in;
  if (f.stream == "-") {
    if (isatty(STDIN_FILENO)) return Fail("stdin is a terminal; pipe a stream in", kExitUsage);
    in = io::NewFdSource(STDIN_FILENO, "stdin");
  } else {
    auto file = fs.OpenForRead(f.stream);
    if (!file.ok()) return Fail(file.status().message(), kExitBadInput);
    in = io::NewFileSource(std::move(*file));
  }
  absl::StatusOr<std::string> dir = MakeStreamDir(o.scratch_dir);
  if (!dir.ok()) return Fail(dir.status().message(), kExitTarget);
  o.target_dir = io::JoinPath(*dir, "backup");
  absl::StatusOr<engine::VerifyResult> r = engine::VerifyStream(fs, *in, o);
  if (f.keep_scratch) {
    std::fprintf(stderr, "tidemark: verify: the extracted stream is kept in '%s'\n",
                 o.target_dir.c_str());
  } else if (absl::Status s = engine::RemoveTree(fs, *dir); !s.ok()) {
    std::fprintf(stderr, "tidemark: verify: could not remove '%s': %s\n", dir->c_str(),
                 std::string(s.message()).c_str());
  }
  if (!r.ok()) return Fail(r.status().message(), ExitCodeForError(r.status()));
  return Report(in->name(), f, *r);
}

}  // namespace

CLI::App* AddVerifyCommand(CLI::App& app, VerifyFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "verify", "Check a backup without restoring it: files, pages, deltas, redo, chain");
  cmd->add_option("--target-dir", f.target_dir, "the backup directory");
  cmd->add_option("--stream", f.stream,
                  "an xbstream file ('-': stdin), extracted into the scratch directory");
  cmd->add_option("--incremental-basedir", f.incremental_basedir,
                  "for an incremental: its base backup, to check that the chain continues");
  AddKeyOptions(cmd, f.key);
  cmd->add_option("--scratch-dir", f.scratch_dir,
                  "where decoded copies and an extracted stream go (default: $TMPDIR, /tmp)");
  cmd->add_flag("--keep-scratch", f.keep_scratch, "--stream: keep the extracted backup");
  cmd->add_flag("--json", f.json, "one JSON object (docs/verify.md)");
  cmd->add_option("--parallel", f.parallel, "files checked at once (default: CPUs)")
      ->check(CLI::Range(0, 256));
  return cmd;
}

int RunVerifyCommand(const VerifyFlags& f) {
  if (f.target_dir.empty() == f.stream.empty()) {
    return Fail("give either --target-dir DIR or --stream FILE", kExitUsage);
  }
  absl::StatusOr<std::optional<io::CryptKey>> loaded = LoadKeyIfGiven(f.key);
  if (!loaded.ok()) return Fail(loaded.status().message(), KeyErrorExitCode(f.key));
  const std::optional<io::CryptKey> key = *loaded;
  std::unique_ptr<io::FileSystem> fs = io::NewPosixFileSystem();
  engine::VerifyOptions o{.target_dir = f.target_dir, .incremental_basedir = f.incremental_basedir};
  o.parallel = f.parallel > 0 ? static_cast<size_t>(f.parallel)
                              : std::max(1u, std::thread::hardware_concurrency());
  o.read.direct_io = false;
  o.read.drop_cache = true;
  o.read.depth = 4;
  o.read.rereads = 1;  // a backup at rest: a failing page does not heal by waiting
  o.key = key ? &*key : nullptr;
  o.scratch_dir = ScratchParent(f);
  if (!f.stream.empty()) return VerifyStream(f, *fs, o);
  absl::StatusOr<engine::VerifyResult> r = engine::VerifyBackup(*fs, o);
  if (!r.ok()) return Fail(r.status().message(), ExitCodeForError(r.status()));
  return Report(f.target_dir, f, *r);
}

}  // namespace tidemark::tools
