// What `tidemark backup` tells a person or a pipeline while it runs and when it ends: the
// live terminal line, one JSON object per event for `--progress=json`, and the summary.
// Pure formatting, so the wording and the JSON schema (docs/progress-json.md) are tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/backup_job.h"

namespace tidemark::engine {

// The live line (no carriage return or newline):
// "copying innodb 1.0 GiB / 2.0 GiB  210.3 MB/s  ETA    5s  redo 12.0 MiB, lag 1.0 MiB (3%)"
// The rate is bytes_done over `elapsed_seconds`; the ETA assumes that rate continues.
std::string ProgressLine(const BackupProgress& p, double elapsed_seconds);

// One line of JSON per event, each with "event" first:
//   {"event":"progress","phase":..,"bytes_done":..,"bytes_total":..,"redo_bytes":..,
//    "redo_lag_bytes":..,"redo_lag_fraction":..,"elapsed_s":..}
//   {"event":"note","message":..}
//   {"event":"done","elapsed_s":..,"tablespaces":..,"innodb_bytes":..,"redo_bytes":..,
//    "start_lsn":..,"to_lsn":..,"last_lsn":..,"lock_time_s":..,"max_redo_lag_fraction":..
//    [, "incremental":{"from_lsn":..,"base_backup_uuid":..,"pages_scanned":..,
//    "pages_changed":..}]}  (the last member only for an incremental)
//   {"event":"failed","message":..}
std::string ProgressJson(const BackupProgress& p, double elapsed_seconds);
std::string NoteJson(std::string_view message);
std::string DoneJson(const BackupResult& r, double elapsed_seconds);
std::string FailedJson(const absl::Status& status);

// "backup complete in 3.9 s: 12 tablespaces, 2.1 GiB of data (560 MB/s), 88.0 MiB of redo
//  (LSN 1 to 2), commits blocked 0.05 s, max redo lag 3%"; for an incremental
// "incremental backup complete in ...% , incremental from LSN 9: 30 of 4000 pages changed
//  (0.8%), written as deltas" (data = bytes read).
std::string SummaryLine(const BackupResult& r, double elapsed_seconds);

}  // namespace tidemark::engine
