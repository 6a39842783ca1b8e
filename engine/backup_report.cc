#include "engine/backup_report.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "engine/text_format.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {

std::string ProgressLine(const BackupProgress& p, double elapsed_seconds) {
  const double secs = std::max(elapsed_seconds, 1e-3);
  const double rate = p.bytes_done / secs;
  const double left =
      p.bytes_total > p.bytes_done ? (p.bytes_total - p.bytes_done) / std::max(rate, 1.0) : 0;
  return absl::StrFormat("%-14s %s / %s  %5.1f MB/s  ETA %4.0fs  redo %s, lag %s (%.0f%%)",
                         BackupPhaseName(p.phase), HumanBytes(p.bytes_done),
                         HumanBytes(p.bytes_total), rate / 1e6, left, HumanBytes(p.redo_bytes),
                         HumanBytes(p.redo_lag), p.redo_lag_fraction * 100);
}

std::string ProgressJson(const BackupProgress& p, double elapsed_seconds) {
  nlohmann::ordered_json j{{"event", "progress"},
                           {"phase", BackupPhaseName(p.phase)},
                           {"bytes_done", p.bytes_done},
                           {"bytes_total", p.bytes_total},
                           {"redo_bytes", p.redo_bytes},
                           {"redo_lag_bytes", p.redo_lag},
                           {"redo_lag_fraction", p.redo_lag_fraction},
                           {"elapsed_s", elapsed_seconds}};
  return j.dump();
}

std::string NoteJson(std::string_view message) {
  nlohmann::ordered_json j{{"event", "note"}, {"message", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string DoneJson(const BackupResult& r, double elapsed_seconds) {
  nlohmann::ordered_json j{{"event", "done"},
                           {"elapsed_s", elapsed_seconds},
                           {"tablespaces", r.tablespaces},
                           {"innodb_bytes", r.innodb_bytes},
                           {"redo_bytes", r.redo_bytes},
                           {"start_lsn", r.start_lsn.value()},
                           {"to_lsn", r.to_lsn.value()},
                           {"last_lsn", r.last_lsn.value()},
                           {"lock_time_s", absl::ToDoubleSeconds(r.lock_time)},
                           {"max_redo_lag_fraction", r.max_redo_lag_fraction}};
  if (r.base) {
    j["incremental"] = {{"from_lsn", r.base->lsn.value()},
                        {"base_backup_uuid", r.base->backup_uuid},
                        {"mode", IncrementalModeName(r.mode)},
                        {"pages_scanned", r.pages_scanned},
                        {"pages_changed", r.pages_changed}};
    if (r.mode == IncrementalMode::kRedo) {
      j["incremental"]["pages_listed"] = r.pages_listed;
      j["incremental"]["tracking_files"] = r.tracking_files;
    }
    if (!r.redo_fallback.empty()) j["incremental"]["redo_fallback"] = r.redo_fallback;
  }
  return j.dump();
}

std::string FailedJson(const absl::Status& status) {
  nlohmann::ordered_json j{{"event", "failed"}, {"message", std::string(status.message())}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// ", incremental from LSN 1 (scan mode): 30 of 4000 pages changed (0.8%), written as deltas",
// ", incremental from LSN 1 (redo mode, 35 pages listed): 41 pages read, 30 changed, written
// as deltas", or "".
std::string IncrementalPart(const BackupResult& r) {
  if (!r.base) return "";
  if (r.mode == IncrementalMode::kRedo) {
    return absl::StrFormat(
        ", incremental from LSN %d (redo mode, %d pages listed): %d pages read, %d changed, "
        "written as deltas",
        r.base->lsn.value(), r.pages_listed, r.pages_scanned, r.pages_changed);
  }
  const double percent =
      r.pages_scanned == 0 ? 0 : 100.0 * r.pages_changed / static_cast<double>(r.pages_scanned);
  return absl::StrFormat(
      ", incremental from LSN %d (scan mode): %d of %d pages changed (%.1f%%), written as deltas",
      r.base->lsn.value(), r.pages_changed, r.pages_scanned, percent);
}

}  // namespace

std::string SummaryLine(const BackupResult& r, double elapsed_seconds) {
  const double secs = std::max(elapsed_seconds, 1e-3);
  return absl::StrFormat(
      "%sbackup complete in %.1f s: %d tablespaces, %s of data (%.0f MB/s), %s of redo (LSN %d to "
      "%d), commits blocked %.2f s, max redo lag %.0f%%%s",
      r.base ? "incremental " : "", elapsed_seconds, r.tablespaces, HumanBytes(r.innodb_bytes),
      r.innodb_bytes / secs / 1e6, HumanBytes(r.redo_bytes), r.start_lsn.value(),
      r.last_lsn.value(), absl::ToDoubleSeconds(r.lock_time), r.max_redo_lag_fraction * 100,
      IncrementalPart(r));
}

}  // namespace tidemark::engine
