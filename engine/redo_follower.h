// The engine of `tidemark redo-follow`: tails a server's live redo log with a
// RedoPageCollector and writes the pages it changed to a tracking directory as page-set
// files, one per LSN range (closed after file_duration or file_bytes of log), each starting
// where the previous one ended. On start it continues the chain of the file written last
// (FilesNewestFirst) when the log
// still holds its end (same log identity, same anchor); otherwise, and whenever the chain
// breaks (the server overran the follower, the log was replaced), it keeps what was proven,
// and starts a new chain at the server's current checkpoint: the hole stays visible as a
// gap between LSN ranges, which LoadTrackedPages refuses to cross. docs/page-tracking.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/changed_pages.h"
#include "engine/page_set_file.h"
#include "engine/page_tracking.h"
#include "engine/redo_page_collector.h"
#include "io/clock.h"
#include "io/file_system.h"

namespace tidemark::engine {

enum class RedoFollowEventKind : uint8_t {
  kResumed,      // continuing the chain of the newest file (or after a recoverable error)
  kNewChain,     // a new chain starts at the server's checkpoint; `detail` says why
  kFileWritten,  // a page-set file [from, to) was written to `path`
  kChainBroken,  // the collector failed; what it had proven was kept; `detail` is the error
  kRetry,        // the log or the server could not be reached; the next round tries again
  kPruned,       // `path` was removed by the keep rules
};

struct RedoFollowEvent {
  RedoFollowEventKind kind = RedoFollowEventKind::kResumed;
  Lsn from;
  Lsn to;
  uint64_t pages = 0;
  std::string path;
  std::string detail;
};

struct RedoFollowerOptions {
  std::string tracking_dir;     // created when missing
  std::string server_log_path;  // the server's ib_logfile0
  RedoPageCollectorOptions collector;
  // The longest pause between rounds (idle); after a round that advanced, busy_interval.
  // Without collector.server_log, log becomes readable with the server's checkpoints.
  absl::Duration interval = absl::Seconds(1);
  absl::Duration busy_interval = absl::Milliseconds(10);
  // A file is written once this much time passed since the previous one, or this much log
  // accumulated, whichever comes first (and at Finish).
  absl::Duration file_duration = absl::Minutes(5);
  uint64_t file_bytes = uint64_t{256} << 20;
  PruneOptions keep;
  // Receives events on the thread running rounds. Optional.
  std::function<void(const RedoFollowEvent&)> on_event;
};

// Not thread-safe: Run (or Round and Finish) on one thread. One follower per directory.
class RedoFollower {
 public:
  // Creates the directory, removes leftover temporary files, and resumes the newest chain or
  // starts a new one. Errors: the file system's; DataLoss naming the newest page-set file
  // when it is damaged (move it away to start over); the collector's errors other than
  // FailedPrecondition (which start a new chain) when opening the log.
  static absl::StatusOr<std::unique_ptr<RedoFollower>> Open(io::FileSystem& fs, io::Clock& clock,
                                                            RedoFollowerOptions options);

  // One round: reads what the log made durable, writes a file when one is due. A broken
  // chain (FailedPrecondition: overrun, replaced log) or an unreachable log/server is
  // handled (events), not returned. Errors: writing the tracking directory; DataLoss for a
  // corrupt log (after writing what was proven before it).
  absl::Status Round();
  // Rounds until `stop`, then Finish(). Errors: the first of Round's or Finish's.
  absl::Status Run(std::stop_token stop);
  // Writes the pending range as a file when it is not empty.
  absl::Status Finish();

  Lsn position() const { return pending_.to_lsn(); }
  Lsn chain_start() const { return chain_start_; }
  const ChangedPages& pending() const { return pending_; }

 private:
  RedoFollower(io::FileSystem& fs, io::Clock& clock, RedoFollowerOptions options);
  absl::Status Resume();
  absl::Status StartNewChain(std::string why);
  absl::Status Reopen();
  absl::Status HandleBroken(const absl::Status& error);
  absl::Status WriteFile();
  void Adopt(std::unique_ptr<RedoPageCollector> c);
  void Emit(RedoFollowEvent e) const;

  io::FileSystem& fs_;
  io::Clock& clock_;
  const RedoFollowerOptions options_;
  std::unique_ptr<RedoPageCollector> collector_;  // null while the log cannot be opened
  ChangedPages pending_;                          // [file start, position): not written yet
  LogIdentity identity_;                          // of the chain
  Lsn chain_start_;
  LsnAnchor pending_anchor_;          // the anchor at pending_.from_lsn()
  LsnAnchor anchor_;                  // the anchor at position()
  innodb::LogCheckpoint checkpoint_;  // the newest the collector saw
  absl::Time file_started_;
  bool has_chain_ = false;
  std::string last_retry_;  // the reason of the last kRetry event, to report each once
};

}  // namespace tidemark::engine
