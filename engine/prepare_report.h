// What `tidemark prepare` tells a person or a pipeline while it runs and when it ends: the
// live terminal line, one JSON object per event for `--progress=json` (the "note" and
// "failed" events are backup_report.h's), and the summary. Pure formatting, so the wording
// and the JSON schema (docs/progress-json.md "prepare") are tested.
#pragma once

#include <string>

#include "engine/prepare_job.h"

namespace tidemark::engine {

// How far the log is applied, 0..1: (lsn - start_lsn) / (end_lsn - start_lsn); 0 before the
// survey knows the end, 1 for an empty log.
double PrepareLogFraction(const PrepareProgress& p);

// The live line (no carriage return or newline):
// "applying   log  42.0%  batch 3: 120 / 800 pages  1234 written  12.5 s"
std::string PrepareProgressLine(const PrepareProgress& p, double elapsed_seconds);

// {"event":"progress","phase":..,"start_lsn":..,"lsn":..,"end_lsn":..,"log_fraction":..,
//  "batch":..,"batch_pages":..,"batch_pages_done":..,"pages_written":..,"elapsed_s":..}
std::string PrepareProgressJson(const PrepareProgress& p, double elapsed_seconds);

// {"event":"done","elapsed_s":..,"already_prepared":..,"resumed":..,"checkpoint_lsn":..,
//  "end_lsn":..,"batches":..,"pages_read":..,"pages_written":..,"entries_applied":..,
//  "entries_skipped":..,"ddl_steps":..,"files_resized":..,"binlog_file":..,"binlog_offset":..}
std::string PrepareDoneJson(const PrepareResult& r, double elapsed_seconds);

// "prepare complete in 3.2 s: redo applied from LSN 1 to 2 in 4 batch(es), 10 pages written
//  (8 read, 30 entries applied, 2 already on disk)", with ", after an interrupted prepare"
// when it resumed one; "the backup is already prepared: nothing done" when nothing was.
std::string PrepareSummaryLine(const PrepareResult& r, double elapsed_seconds);

}  // namespace tidemark::engine
