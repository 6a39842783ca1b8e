// Progress, events and summary of `tidemark prepare` (see the header).
#include "engine/prepare_report.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {

double PrepareLogFraction(const PrepareProgress& p) {
  if (p.end_lsn == Lsn(0)) return 0;
  if (p.end_lsn <= p.start_lsn) return 1;
  const uint64_t done = p.lsn > p.start_lsn ? p.lsn.value() - p.start_lsn.value() : 0;
  return std::min(1.0, double(done) / double(p.end_lsn.value() - p.start_lsn.value()));
}

std::string PrepareProgressLine(const PrepareProgress& p, double elapsed_seconds) {
  return absl::StrFormat("%-10s log %5.1f%%  batch %d: %d / %d pages  %d written  %.1f s",
                         PreparePhaseName(p.phase), PrepareLogFraction(p) * 100, p.batch,
                         p.batch_pages_done, p.batch_pages, p.pages_written, elapsed_seconds);
}

std::string PrepareProgressJson(const PrepareProgress& p, double elapsed_seconds) {
  nlohmann::ordered_json j{{"event", "progress"},
                           {"phase", PreparePhaseName(p.phase)},
                           {"start_lsn", p.start_lsn.value()},
                           {"lsn", p.lsn.value()},
                           {"end_lsn", p.end_lsn.value()},
                           {"log_fraction", PrepareLogFraction(p)},
                           {"batch", p.batch},
                           {"batch_pages", p.batch_pages},
                           {"batch_pages_done", p.batch_pages_done},
                           {"pages_written", p.pages_written},
                           {"elapsed_s", elapsed_seconds}};
  return j.dump();
}

std::string PrepareDoneJson(const PrepareResult& r, double elapsed_seconds) {
  nlohmann::ordered_json j{{"event", "done"},
                           {"elapsed_s", elapsed_seconds},
                           {"already_prepared", r.already_prepared},
                           {"resumed", r.resumed},
                           {"checkpoint_lsn", r.checkpoint_lsn.value()},
                           {"end_lsn", r.end_lsn.value()},
                           {"batches", r.batches},
                           {"pages_read", r.stats.pages_read},
                           {"pages_written", r.stats.pages_written},
                           {"entries_applied", r.stats.entries_applied},
                           {"entries_skipped", r.stats.entries_skipped},
                           {"ddl_steps", r.ddl_steps},
                           {"files_resized", r.files_resized},
                           {"binlog_file", r.binlog_file},
                           {"binlog_offset", r.binlog_offset},
                           {"incremental", r.incremental},
                           {"delta_files", r.delta_files},
                           {"delta_pages", r.delta_pages},
                           {"chain_closed", r.chain_closed},
                           {"decoded_files", r.decoded_files},
                           {"decoded_bytes", r.decoded_bytes},
                           {"incremental_decoded_files", r.incremental_decoded_files}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string PrepareSummaryLine(const PrepareResult& r, double elapsed_seconds) {
  const char* chain = r.chain_closed ? "; chain closed (no more incrementals)"
                                     : "; chain open for incrementals (--apply-log-only)";
  if (r.already_prepared) return absl::StrFormat("the backup is already prepared%s", chain);
  std::string decoded;
  if (r.decoded_files > 0) {
    decoded = absl::StrFormat("%d compressed or encrypted files decoded (%.1f MiB); ",
                              r.decoded_files, r.decoded_bytes / 1048576.0);
  }
  if (r.incremental_decoded_files > 0) {
    decoded += absl::StrFormat("%d files of the incremental decoded to scratch; ",
                               r.incremental_decoded_files);
  }
  const std::string deltas =
      r.incremental ? absl::StrFormat("incremental applied: %d pages from %d delta files; ",
                                      r.delta_pages, r.delta_files)
                    : "";
  return absl::StrFormat(
      "prepare complete in %.1f s: %s%sredo applied from LSN %d to %d in %d batch(es), %d pages "
      "written (%d read, %d entries applied, %d already on disk)%s%s",
      elapsed_seconds, decoded, deltas, r.checkpoint_lsn.value(), r.end_lsn.value(), r.batches,
      r.stats.pages_written, r.stats.pages_read, r.stats.entries_applied,
      r.stats.entries_skipped, r.resumed ? ", after an interrupted prepare" : "", chain);
}

}  // namespace tidemark::engine
