// `tidemark inspect`: flags -> engine inspect job -> text or JSON Lines on stdout, errors
// on stderr, exit code from what was found.
#include "tools/tidemark/inspect_command.h"

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <thread>

#include "absl/strings/str_format.h"
#include "engine/inspect.h"
#include "engine/inspect_report.h"
#include "engine/page_dump.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

namespace {

void PrintError(const absl::Status& s) {
  std::fprintf(stderr, "tidemark: %s\n", std::string(s.message()).c_str());
}

int RunPage(io::FileSystem& fs, const InspectFlags& f) {
  if (f.paths.size() != 1) {
    std::fprintf(stderr, "tidemark: inspect --page takes exactly one tablespace file\n");
    return kExitUsage;
  }
  auto dump = engine::ReadPageDump(fs, f.paths[0], *f.page);
  if (!dump.ok()) {
    PrintError(dump.status());
    return kExitBadInput;
  }
  const std::string out =
      f.json ? engine::PageDumpJson(*dump).dump() + "\n" : engine::PageDumpText(*dump, f.hex);
  std::fputs(out.c_str(), stdout);
  return innodb::IsFailure(dump->verdict) ? kExitCorruptPages : kExitOk;
}

engine::InspectOptions OptionsFrom(const InspectFlags& f) {
  engine::InspectOptions o;
  o.since_lsn = f.since_lsn;
  o.list_changed = f.list;
  o.parallel = f.parallel > 0 ? static_cast<size_t>(f.parallel)
                             : std::max(1u, std::thread::hardware_concurrency());
  // Buffered reads with kernel read-ahead beat O_DIRECT on the storage measured so far
  // (bench/inspect_compare.sh); pages read are dropped from the page cache behind the scan
  // unless --keep-cache, so inspecting a large datadir does not flush everyone's cache.
  o.read.direct_io = f.direct;
  o.read.drop_cache = !f.direct && !f.keep_cache;
  o.read.depth = f.read_depth ? f.read_depth : (f.direct ? 8 : 4);
  o.read.chunk_bytes = f.chunk_kib * 1024;
  // A running server may be writing a page while we read it: give it time to finish.
  o.read.before_reread = [] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); };
  return o;
}

}  // namespace

CLI::App* AddInspectCommand(CLI::App& app, InspectFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Inspect the pages of tablespaces: a file, a datadir or a backup directory");
  cmd->add_option("paths", f.paths, "tablespace files, datadirs or backup directories")
      ->required();
  cmd->add_option("--page", f.page, "decode one page of a single tablespace file");
  cmd->add_flag("--hex", f.hex, "with --page: add a hex dump");
  cmd->add_option("--since-lsn", f.since_lsn, "count the pages changed after this LSN");
  cmd->add_flag("--list", f.list, "with --since-lsn: list the changed pages");
  cmd->add_flag("--json", f.json, "one JSON object per tablespace (docs/inspect-json.md)");
  cmd->add_option("--parallel", f.parallel, "tablespaces inspected at once (default: CPUs)")
      ->check(CLI::Range(0, 256));
  cmd->add_flag("--direct", f.direct, "read with O_DIRECT instead of through the page cache");
  cmd->add_flag("--keep-cache", f.keep_cache,
                "leave the pages read in the page cache (default: dropped behind the scan)");
  cmd->add_option("--read-depth", f.read_depth,
                  "reads in flight per tablespace (default 4, or 8 with --direct)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--read-size", f.chunk_kib, "KiB per read (a multiple of 64)")
      ->check(CLI::Range(64, 16384));
  return cmd;
}

namespace {

// Prints one report (text or a JSON line) and returns the exit code it calls for.
int Emit(const engine::TablespaceReport& r, bool json) {
  const std::string out = json ? engine::TablespaceReportJson(r).dump() + "\n"
                               : engine::TablespaceReportText(r);
  std::fputs(out.c_str(), stdout);
  if (!r.status.ok()) {
    PrintError(r.status);
    return kExitBadInput;
  }
  return r.summary && !r.summary->corrupt_pages().empty() ? kExitCorruptPages : kExitOk;
}

}  // namespace

int RunInspect(const InspectFlags& f) {
  std::unique_ptr<io::FileSystem> fs = io::NewPosixFileSystem();
  if (f.page) return RunPage(*fs, f);
  // Each path on its own, so that one missing path still reports the others.
  std::vector<engine::TablespaceTarget> targets;
  int code = kExitOk;
  for (const std::string& path : f.paths) {
    auto found = engine::FindTablespaces(*fs, {path});
    if (found.ok()) {
      targets.insert(targets.end(), found->begin(), found->end());
    } else {
      code = std::max(code, Emit({.target = {.path = path}, .status = found.status()}, f.json));
    }
  }
  for (const engine::TablespaceReport& r :
       engine::InspectTablespaces(*fs, targets, OptionsFrom(f))) {
    code = std::max(code, Emit(r, f.json));
  }
  return code;
}

}  // namespace tidemark::tools
