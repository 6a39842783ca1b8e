// Changed-page tracking from the live redo log: reads the server's circular ib_logfile0 from
// an mtr boundary on, parses every mini-transaction and records the page of every page
// record and the tablespaces FILE_* / TRIM_PAGES records touch (ChangedPages). It refuses,
// never returns a partial set, when the log no longer holds the start, was replaced, or does
// not continue what the caller expects. Only durable log is read, as the backup's copier
// does (a torn or stale tail block can hold whole, checksummed mtrs that are not the log:
// MDEV-39468), and a read counts only when the newest checkpoint read after it proves that
// the server had not overwritten the bytes (engine/redo_copier.h). docs/page-tracking.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/changed_pages.h"
#include "engine/page_set_file.h"
#include "engine/redo_copier.h"
#include "engine/redo_log_source.h"
#include "innodb/base/types.h"
#include "innodb/redo/mtr.h"
#include "io/clock.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct RedoPageCollectorOptions {
  // The server's log position (ReadServerLogPosition on a dedicated session), optional.
  // With it, log up to the server's flushed LSN is read at once, an overrun is proven from
  // the server's LSN and a start beyond the server's end is refused. Without it, only log
  // up to the newest checkpoint's end_lsn counts as durable (the server writes a checkpoint
  // after every flush batch; an idle server may keep some log past it for a while), and a
  // start beyond that is "not yet durable" rather than refused.
  ServerLogProbe server_log;
  // Reads start at min_read_bytes and double while the log keeps coming, up to
  // max_read_bytes (the read buffer; it must hold the largest mtr, 1 MiB + trailer).
  size_t min_read_bytes = size_t{64} << 10;
  size_t max_read_bytes = size_t{4} << 20;
  // Re-reads, reread_interval apart, of durable log that does not parse, before it is
  // judged overwritten or corrupt.
  int frontier_rereads = 10;
  absl::Duration reread_interval = absl::Milliseconds(1);
};

// Where a collector must start, and what the log there must prove.
struct CollectStart {
  Lsn lsn;  // an mtr boundary (a checkpoint LSN, an mtr's end LSN, a page-set file's to_lsn)
  // When set, the log must have this identity (the page-set files being continued).
  std::optional<LogIdentity> identity;
  // When set, the mtr ending at `lsn` must end with these CRC bytes: the log is the one the
  // earlier reader saw (not a different history that reached the same LSN, e.g. a server
  // restored from a snapshot).
  LsnAnchor anchor;
};

// Statistics of a collector.
struct RedoPageCollectorStats {
  uint64_t mtrs = 0;
  uint64_t records = 0;  // page records
  uint64_t bytes = 0;    // log bytes parsed
  uint64_t reads = 0;
  uint64_t rereads = 0;
};

// Follows one redo log from a start LSN, accumulating a ChangedPages. Not thread-safe. Every
// error is prefixed "track changed pages in '<log path>'" and keeps its code:
//   - FailedPrecondition, message containing "redo log overrun: " (IsRedoOverrun is true):
//     "LSN X is no longer in the log (...)" or "the server overwrote its log at LSN X before
//     it was read (...)";
//   - FailedPrecondition "redo log '<path>' was replaced ..." (RedoLogSource), "LSN X is older
//     than the start of the log (first_lsn F) ...", "LSN X is beyond the end of the server's
//     log (the server is at LSN Y) ...", "the log is not the one the page-set files were read
//     from (...)", "the log at LSN X does not continue ... (anchor ...)", "LSN X is not the
//     start of a mini-transaction ...", "the redo log is encrypted ...";
//   - DataLoss "redo log corrupt at LSN X: ..." for durable log that does not parse, cannot
//     have been overwritten, is not at the start, and is in the file still at the path (else
//     "was replaced" above);
//   - the source's and the probe's errors.
// After an error the collector is unusable (every later call returns the first error), and
// pages() holds only what was proven before it.
class RedoPageCollector {
 public:
  // Opens the log at `path` and positions at `start` (checked as described above; the anchor
  // is checked here, the rest also on every round). `fs` and `clock` must outlive the
  // collector.
  static absl::StatusOr<std::unique_ptr<RedoPageCollector>> Open(io::FileSystem& fs,
                                                                 io::Clock& clock, std::string path,
                                                                 CollectStart start,
                                                                 RedoPageCollectorOptions options);
  // Opens at the log's newest checkpoint_lsn: the start of a new chain.
  static absl::StatusOr<std::unique_ptr<RedoPageCollector>> OpenAtCheckpoint(
      io::FileSystem& fs, io::Clock& clock, std::string path, RedoPageCollectorOptions options);

  // Reads every durable mtr from position() on and records its pages, stopping at the
  // durable end known when the round began, or at the first mtr boundary >= `limit`. OK
  // also when nothing was new.
  absl::Status Advance(std::optional<Lsn> limit = std::nullopt);

  // The next mtr boundary to read; pages() covers [start, position()).
  Lsn position() const { return position_; }
  // The log durable as far as the last round knew: max(checkpoint end_lsn, flushed LSN).
  Lsn durable() const { return durable_; }
  const ChangedPages& pages() const { return pages_; }
  // Hands over the set [from, position()) and starts a new one at position().
  ChangedPages TakePages();
  const LogIdentity& identity() const { return identity_; }
  // The CRC bytes of the mtr ending at position() (none at the log's first LSN).
  LsnAnchor anchor() const { return anchor_; }
  // The newest checkpoint seen.
  const innodb::LogCheckpoint& checkpoint() const { return checkpoint_; }
  uint64_t capacity() const { return source_->capacity(); }
  const std::string& path() const { return source_->path(); }
  const RedoPageCollectorStats& stats() const { return stats_; }

 private:
  struct Read;

  RedoPageCollector(io::FileSystem& fs, io::Clock& clock, std::unique_ptr<RedoLogSource> source,
                    RedoPageCollectorOptions options, Lsn start);
  absl::Status Start(const CollectStart& start);
  absl::Status Round(std::optional<Lsn> limit);
  absl::StatusOr<Read> ReadAndParse(size_t want, Lsn fence, std::optional<Lsn> limit);
  absl::Status Record(const innodb::Mtr& mtr);
  absl::Status Judge(const Read& read, int rereads);
  absl::Status Probe();
  absl::Status CheckBeyondEnd() const;
  absl::Status CheckInLog(Lsn at, Lsn checkpoint_end) const;
  absl::Status OverrunError(std::string_view what, std::string_view where) const;
  absl::StatusOr<LsnAnchor> ReadAnchor(Lsn at);

  io::FileSystem& fs_;
  io::Clock& clock_;
  const std::unique_ptr<RedoLogSource> source_;
  const RedoPageCollectorOptions options_;
  const innodb::MtrFraming framing_;
  const LogIdentity identity_;
  const Lsn start_;
  Lsn position_;
  LsnAnchor anchor_;
  bool pending_anchor_ = false;  // anchor_ is the expected one, to check once durable
  Lsn durable_;
  innodb::LogCheckpoint checkpoint_;
  std::optional<ServerLogPosition> server_;
  bool parsed_any_ = false;  // an mtr was parsed since Open: position_ is a proven boundary
  size_t next_read_ = 0;
  ChangedPages pages_;
  std::vector<uint8_t> scratch_;
  RedoPageCollectorStats stats_;
  absl::Status status_;
};

struct CollectOptions {
  RedoPageCollectorOptions collector;
  // Stop at the first mtr boundary at or after this LSN (the returned set may reach past
  // it by the rest of one mtr). Default: the durable end of the log when the call begins.
  std::optional<Lsn> to_lsn;
  // How long to wait for the log to become durable up to to_lsn (or up to from_lsn) before
  // giving up with FailedPrecondition "... is durable only up to LSN X ...".
  absl::Duration durable_wait = absl::Seconds(5);
  absl::Duration poll_interval = absl::Milliseconds(50);
};

// Reads the live log at `server_log_path` from `from_lsn` (an mtr boundary: a checkpoint LSN
// such as a backup's to_lsn, or an mtr's end LSN) up to options.to_lsn or the durable end,
// and returns every page changed in that range. Errors: those of RedoPageCollector; when the
// log is not durable far enough within durable_wait, FailedPrecondition "track changed pages
// in '<path>': the log is durable only up to LSN X, not LSN Y".
absl::StatusOr<ChangedPages> CollectChangedPages(io::FileSystem& fs, io::Clock& clock,
                                                 const std::string& server_log_path, Lsn from_lsn,
                                                 const CollectOptions& options = {});

// Runs `collector` until position() >= target, waiting (poll_interval apart, at most
// durable_wait in all) while the log is not durable that far. Errors: the collector's; the
// FailedPrecondition above.
absl::Status AdvanceTo(RedoPageCollector& collector, io::Clock& clock, Lsn target,
                       absl::Duration durable_wait, absl::Duration poll_interval);

}  // namespace tidemark::engine
