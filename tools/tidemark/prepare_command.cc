// `tidemark prepare`: flags -> engine::RunPrepare -> progress on stderr, a summary, and an
// exit code per outcome (docs/exit-codes.md).
#include "tools/tidemark/prepare_command.h"

#include <unistd.h>

#include <cstdio>
#include <optional>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/backup_report.h"
#include "engine/prepare_job.h"
#include "engine/prepare_report.h"
#include "io/posix_file_system.h"
#include "tools/tidemark/exit_codes.h"
#include "tools/tidemark/key_flags.h"
#include "tools/tidemark/note_printer.h"

namespace tidemark::tools {

namespace {

// "100M" -> 104857600; K, M, G (either case) multiply by 1024^n.
std::optional<uint64_t> ParseSize(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15 || s.size() - digits > 1) return std::nullopt;
  uint64_t v = std::stoull(s.substr(0, digits));
  if (digits == s.size()) return v;
  switch (s.back()) {
    case 'k': case 'K': return v << 10;
    case 'm': case 'M': return v << 20;
    case 'g': case 'G': return v << 30;
    default: return std::nullopt;
  }
}

int ExitCodeFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kDataLoss: return kExitCorruptPages;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition: return kExitBadInput;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kPermissionDenied: return kExitTarget;
    case absl::StatusCode::kInvalidArgument: return kExitUsage;
    default: return kExitInternal;
  }
}

// Prints progress on stderr: every phase change and new batch, otherwise at most once a
// second (a JSON event) or five times a second (the terminal line).
class ProgressPrinter {
 public:
  ProgressPrinter(bool json, absl::Time start) : json_(json), start_(start) {}

  void operator()(const engine::PrepareProgress& p) {
    const absl::Time now = absl::Now();
    const bool step = p.phase != last_.phase || p.batch != last_.batch;
    if (!step && now - printed_ < (json_ ? absl::Seconds(1) : absl::Milliseconds(200))) return;
    printed_ = now;
    last_ = p;
    const double secs = absl::ToDoubleSeconds(now - start_);
    if (json_) {
      std::fprintf(stderr, "%s\n", engine::PrepareProgressJson(p, secs).c_str());
    } else {
      std::fprintf(stderr, "\r%s   ", engine::PrepareProgressLine(p, secs).c_str());
    }
  }

 private:
  bool json_;
  absl::Time start_;
  absl::Time printed_ = absl::InfinitePast();
  engine::PrepareProgress last_;
};

}  // namespace

CLI::App* AddPrepareCommand(CLI::App& app, PrepareFlags& f) {
  CLI::App* cmd = app.add_subcommand("prepare", "Apply a backup's redo log so a server can start on it");
  cmd->add_option("--target-dir", f.target_dir, "the backup directory, prepared in place")->required();
  cmd->add_flag("--apply-log-only", f.apply_log_only,
                "keep the backup open for incrementals (see docs/prepare.md)");
  cmd->add_option("--incremental-dir", f.incremental_dir,
                  "an incremental backup to apply to the prepared --target-dir");
  cmd->add_option("--use-memory", f.use_memory, "memory for redo and pages, e.g. 512M or 2G");
  cmd->add_option("--parallel", f.parallel, "pages applied at once (threads)")->check(CLI::Range(1, 256));
  cmd->add_option("--progress", f.progress, "auto (a live line on a terminal) or json")
      ->expected(0, 1)->default_str("auto");
  AddKeyOptions(cmd, f.key);
  cmd->add_option("--scratch-dir", f.scratch_dir,
                  "where an encoded --incremental-dir is decoded (default: next to --target-dir)");
  return cmd;
}

int RunPrepareCommand(const PrepareFlags& f) {
  const std::optional<uint64_t> memory = ParseSize(f.use_memory);
  if (!memory || *memory < (uint64_t{1} << 20)) {
    std::fprintf(stderr, "tidemark: --use-memory '%s': expected a size of at least 1M (K/M/G)\n",
                 f.use_memory.c_str());
    return kExitUsage;
  }
  // Without a key source the engine names the first encrypted file, if there is one.
  absl::StatusOr<std::optional<io::CryptKey>> key = LoadKeyIfGiven(f.key);
  if (!key.ok()) {
    std::fprintf(stderr, "tidemark: prepare failed: %s\n",
                 std::string(key.status().message()).c_str());
    return KeyErrorExitCode(f.key);
  }
  auto fs = io::NewPosixFileSystem();
  const absl::Time start = absl::Now();
  const bool json = f.progress == "json";
  const bool live = json || (f.progress == "auto" && isatty(STDERR_FILENO));
  engine::PrepareEnv env{.fs = *fs};
  ProgressPrinter printer(json, start);
  if (live) env.on_progress = [&](const engine::PrepareProgress& p) { printer(p); };
  env.on_note = NotePrinter(json, live);
  engine::PrepareOptions o{.target_dir = f.target_dir, .apply_log_only = f.apply_log_only,
                           .incremental_dir = f.incremental_dir,
                           .use_memory = *memory, .parallel = static_cast<size_t>(f.parallel),
                           .key = key->has_value() ? &**key : nullptr,
                           .scratch_dir = f.scratch_dir};
  absl::StatusOr<engine::PrepareResult> r = engine::RunPrepare(o, env);
  if (live && !json) std::fputc('\n', stderr);
  if (!r.ok()) {
    if (json) std::fprintf(stderr, "%s\n", engine::FailedJson(r.status()).c_str());
    std::fprintf(stderr, "tidemark: prepare failed: %s\n", std::string(r.status().message()).c_str());
    return ExitCodeFor(r.status());
  }
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  if (json) std::fprintf(stderr, "%s\n", engine::PrepareDoneJson(*r, secs).c_str());
  std::fprintf(stderr, "tidemark: %s\n", engine::PrepareSummaryLine(*r, secs).c_str());
  return kExitOk;
}

}  // namespace tidemark::tools
