// `tidemark prepare`: flags -> engine::RunPrepare -> progress on stderr, a summary, and an
// exit code per outcome (docs/exit-codes.md).
#include "tools/tidemark/prepare_command.h"

#include <unistd.h>

#include <cstdio>
#include <optional>

#include "absl/strings/str_format.h"
#include "engine/prepare_job.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

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

void PrintProgress(const PrepareFlags& f, const engine::PrepareProgress& p) {
  const uint64_t span = p.end_lsn.value() - p.start_lsn.value();
  const double fraction = span == 0 ? 1.0 : double(p.lsn.value() - p.start_lsn.value()) / span;
  if (f.progress == "json") {
    nlohmann::ordered_json j{{"event", "progress"}, {"phase", engine::PreparePhaseName(p.phase)},
                             {"start_lsn", p.start_lsn.value()}, {"lsn", p.lsn.value()},
                             {"end_lsn", p.end_lsn.value()}, {"batch", p.batch},
                             {"batch_pages", p.batch_pages}, {"batch_pages_done", p.batch_pages_done},
                             {"pages_written", p.pages_written}};
    std::fprintf(stderr, "%s\n", j.dump().c_str());
    return;
  }
  std::fprintf(stderr, "\r%-10s log %5.1f%%  batch %llu: %llu / %llu pages   ",
               std::string(engine::PreparePhaseName(p.phase)).c_str(), fraction * 100,
               static_cast<unsigned long long>(p.batch),
               static_cast<unsigned long long>(p.batch_pages_done),
               static_cast<unsigned long long>(p.batch_pages));
}

}  // namespace

CLI::App* AddPrepareCommand(CLI::App& app, PrepareFlags& f) {
  CLI::App* cmd = app.add_subcommand("prepare", "Apply a backup's redo log so a server can start on it");
  cmd->add_option("--target-dir", f.target_dir, "the backup directory, prepared in place")->required();
  cmd->add_flag("--apply-log-only", f.apply_log_only,
                "apply the redo but leave xtrabackup_checkpoints unchanged (see docs/prepare.md)");
  cmd->add_option("--use-memory", f.use_memory, "memory for redo and pages, e.g. 512M or 2G");
  cmd->add_option("--parallel", f.parallel, "pages applied at once (threads)")->check(CLI::Range(1, 256));
  cmd->add_option("--progress", f.progress, "auto (a live line on a terminal) or json")
      ->expected(0, 1)->default_str("auto");
  return cmd;
}

int RunPrepareCommand(const PrepareFlags& f) {
  const std::optional<uint64_t> memory = ParseSize(f.use_memory);
  if (!memory || *memory < (uint64_t{1} << 20)) {
    std::fprintf(stderr, "tidemark: --use-memory '%s': expected a size of at least 1M (K/M/G)\n",
                 f.use_memory.c_str());
    return kExitUsage;
  }
  auto fs = io::NewPosixFileSystem();
  const bool live = f.progress == "json" || (f.progress == "auto" && isatty(STDERR_FILENO));
  engine::PrepareEnv env{.fs = *fs};
  if (live) env.on_progress = [&](const engine::PrepareProgress& p) { PrintProgress(f, p); };
  env.on_note = [&](std::string_view note) {
    if (f.progress == "json") {
      std::fprintf(stderr, "%s\n", nlohmann::ordered_json{{"event", "note"}, {"message", note}}.dump().c_str());
    } else {
      std::fprintf(stderr, "%stidemark: %.*s\n", live ? "\n" : "", static_cast<int>(note.size()),
                   note.data());
    }
  };
  engine::PrepareOptions o{.target_dir = f.target_dir, .apply_log_only = f.apply_log_only,
                           .use_memory = *memory, .parallel = static_cast<size_t>(f.parallel)};
  absl::StatusOr<engine::PrepareResult> r = engine::RunPrepare(o, env);
  if (live && f.progress != "json") std::fputc('\n', stderr);
  if (!r.ok()) {
    std::fprintf(stderr, "tidemark: prepare failed: %s\n", std::string(r.status().message()).c_str());
    return ExitCodeFor(r.status());
  }
  if (r->already_prepared) return kExitOk;
  std::fprintf(stderr,
               "tidemark: prepare complete: redo applied from LSN %llu to %llu in %llu batch(es), "
               "%llu pages written (%llu read, %llu entries applied, %llu already on disk)%s\n",
               static_cast<unsigned long long>(r->checkpoint_lsn.value()),
               static_cast<unsigned long long>(r->end_lsn.value()),
               static_cast<unsigned long long>(r->batches),
               static_cast<unsigned long long>(r->stats.pages_written),
               static_cast<unsigned long long>(r->stats.pages_read),
               static_cast<unsigned long long>(r->stats.entries_applied),
               static_cast<unsigned long long>(r->stats.entries_skipped),
               f.apply_log_only ? "; xtrabackup_checkpoints left unchanged (--apply-log-only)" : "");
  return kExitOk;
}

}  // namespace tidemark::tools
