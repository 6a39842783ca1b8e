// A tracking directory: the page-set files `tidemark redo-follow` writes while it tails a
// server's redo log, each covering one LSN range, chained without holes. This file reads
// them back for a redo-mode incremental backup (LoadTrackedPages: the union of the files
// covering [from, X), continued with the live log from X) and keeps the directory bounded
// (PruneTrackedFiles). docs/page-tracking.md "The tracking directory".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/changed_pages.h"
#include "engine/redo_page_collector.h"
#include "innodb/base/types.h"
#include "io/clock.h"
#include "io/file_system.h"

namespace tidemark::engine {

// A page-set file as listed: its name gives its range.
struct TrackedFile {
  std::string name;
  std::string path;
  Lsn from;
  Lsn to;
  // From the header, by FilesNewestFirst only; InfinitePast when unreadable.
  absl::Time written = absl::InfinitePast();
};

// The page-set files of `dir` (names made by PageSetFileName; anything else is ignored),
// sorted by (from, to). Errors: ListDir's (NotFound when `dir` does not exist).
absl::StatusOr<std::vector<TrackedFile>> ListTrackedFiles(io::FileSystem& fs, std::string_view dir);

struct LoadTrackedOptions {
  std::string tracking_dir;
  // The server's live ib_logfile0, to confirm the files' history, to continue after the
  // files (and to bridge a hole in them while the log still holds it). Empty: the files
  // only, unconfirmed.
  std::string server_log_path;
  Lsn from_lsn;
  // Cover at least up to this LSN. Default: the files, then the live log up to its durable
  // end (or only the files, without a log path).
  std::optional<Lsn> to_lsn;
  RedoPageCollectorOptions collector;
  absl::Duration durable_wait = absl::Seconds(5);
  absl::Duration poll_interval = absl::Milliseconds(50);
};

struct TrackedPages {
  // Covers [pages.from_lsn(), pages.to_lsn()), with from_lsn() <= the requested from_lsn
  // (the first file may begin earlier: its earlier pages come along) and to_lsn() >= to_lsn.
  ChangedPages pages;
  std::vector<std::string> files;  // the page-set files used, in LSN order
  Lsn files_end;                   // where the files stopped (the live log took over)
  bool used_live_log = false;
  std::string files_stop;  // why the files stopped, e.g. "no page-set file starts at LSN X"
                           // (empty when they reached to_lsn)
};

// The changed pages from options.from_lsn on: a chain of page-set files that covers it
// (each starting where the previous one ended, read from the same log identity, anchors
// matching), then the live log from where the files stop. When several chains cover it (a
// server restored from a filesystem snapshot: the discarded history's files overlap the new
// chain's), the chain of the file written last is tried first, then the others by the time
// written. With a log path a chain is taken only when the live log confirms its end (same
// identity, the last file's to_anchor at its to_lsn), also when the files reach to_lsn;
// otherwise the next chain is tried. Without a log path the preferred chain is taken
// unconfirmed. Every file used is checked whole (CRC-32C).
// Errors: FailedPrecondition "page tracking in '<dir>' does not cover LSN X[ up to LSN Y]:
// <why the files stop>; <why the log cannot supply it>", e.g. "no page-set file covers LSN
// X", "'pages-...' is unusable: ...", "no page-set file starts at LSN X (the next starts at
// LSN Y)", "'pages-...' was read from a different log (...)", with the collector's reason
// (the log no longer holds LSN X, was replaced, does not continue the files' history, or no
// log path was given), or "the page-set files up to 'pages-...' reach LSN Z, but the live
// log does not confirm their history: <the collector's reason>"; each other chain tried
// adds "; another chain of page-set files: <reason>"; the live log's errors of other codes
// (probe, I/O), with the same message; ListDir's errors other than NotFound;
// InvalidArgument when to_lsn < from_lsn. When to_lsn == from_lsn the result is the empty
// set [from_lsn, from_lsn), with no files and without reading the directory or the log.
absl::StatusOr<TrackedPages> LoadTrackedPages(io::FileSystem& fs, io::Clock& clock,
                                              const LoadTrackedOptions& options);

// The page-set files of `dir` with their header's time, most recently written first (ties:
// larger to_lsn first); files whose header cannot be read come last. Files are written in
// LSN order, so the first one ends the chain a follower continues, even when a later chain
// has lower LSNs than an older one. Errors: ListDir's.
absl::StatusOr<std::vector<TrackedFile>> FilesNewestFirst(io::FileSystem& fs, std::string_view dir);

struct PruneOptions {
  absl::Duration keep_duration = absl::InfiniteDuration();  // drop files written before now - this
  int keep_files = 0;  // keep at most this many (the most recently written); 0: no limit
};

// Removes leftover "*.pageset.tmp" files of `dir`, and page-set files beyond `options`, by
// FilesNewestFirst order; never the first of them (the one a follower resumes from). A file
// whose header cannot be read counts as the oldest. Returns the names removed. Errors: the
// file system's.
absl::StatusOr<std::vector<std::string>> PruneTrackedFiles(io::FileSystem& fs, std::string_view dir,
                                                           absl::Time now,
                                                           const PruneOptions& options);

}  // namespace tidemark::engine
