// The backup's redo-log copier: follows the server's live, circular ib_logfile0 from the
// start checkpoint C0 and appends every durable mini-transaction, end marker forced to
// 0x01, to the backup's linear ib_logfile0 (INNODB_FORMATS.md §5.2; xtrabackup_copy_logfile
// and log_copying_thread in extra/mariabackup/xtrabackup.cc, MariaDB 10.11, redone: only
// log the server has made durable is copied, so the tail block it keeps rewriting is never
// taken for log (MDEV-39468); corruption and an overrun are told apart and reported; DDL
// records go to an observer). docs/redo-format.md "The backup's copy".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/redo_events.h"
#include "engine/redo_log_source.h"
#include "engine/redo_probe.h"
#include "innodb/base/types.h"
#include "innodb/redo/mtr.h"
#include "io/clock.h"
#include "io/file_system.h"

namespace tidemark::engine {

// Returns the server's generated and durable LSNs (ReadServerLogPosition on a dedicated
// SqlSession). Called from the thread running the rounds: every round while the server
// has log the copy has not taken, else every probe_interval, and once per stuck frontier.
// An error stops the copier.
using ServerLogProbe = std::function<absl::StatusOr<ServerLogPosition>()>;
// Returns only the generated LSN (engine::CurrentLsn). Deprecated: it cannot tell what is
// durable, so the copy then advances only with the server's checkpoints and with WaitFor.
using ServerLsnProbe = std::function<absl::StatusOr<Lsn>()>;

// Where the copy stands; a consistent snapshot (RedoCopier::Progress).
struct RedoCopyProgress {
  Lsn start_lsn;              // C0: the server's checkpoint when the copy began
  Lsn copied_lsn;             // end of the last mtr copied (== last_lsn once stopped)
  uint64_t capacity = 0;      // the server's log capacity: file size - 12288
  uint64_t bytes_copied = 0;  // copied_lsn - start_lsn
  uint64_t mtrs_copied = 0;
  uint64_t rounds = 0;                // CopyAvailable rounds completed
  uint64_t rereads = 0;               // re-reads of durable log that did not parse
  std::optional<Lsn> server_lsn;      // the probe's last generated LSN (none without a probe)
  std::optional<Lsn> server_flushed;  // its last durable LSN (none without server_log)
  Lsn checkpoint_end_lsn;             // end_lsn of the newest server checkpoint seen
  Lsn durable_lsn;                    // the copy takes the mtrs that end at or below this LSN
  // The backlog the last round started with: server_lsn (at most probe_interval old) minus
  // copied_lsn at the round's start, or without a probe checkpoint_end_lsn minus it (a
  // lower bound); 0 when the copy was ahead. server_lsn counts log the server still holds
  // in its buffer, so under load the lag shows the server's write bursts. The copy fails
  // with an overrun once the server is capacity - kRedoOverrunMargin past its frontier.
  uint64_t lag_bytes = 0;
  double lag_fraction = 0;      // lag_bytes / capacity
  bool lag_warning = false;     // lag_fraction > RedoCopierOptions::lag_warning_fraction
  double max_lag_fraction = 0;  // the largest lag_fraction seen
  // Where the last round stopped: "ok" at the durable fence (more log was there), else the
  // verdict of the first mtr that did not parse, e.g. "end_marker".
  std::string frontier;
};

struct RedoCopierOptions {
  // The creator version written into the copy's header ("Backup 10.11.19"), e.g. the
  // server's "10.11.19". Required.
  std::string backup_version;
  // The server's log position. Needed for a copy that keeps up: without it only log below
  // the server's newest checkpoint (and below LSNs given to WaitFor) counts as durable,
  // an overrun is proven later, from checkpoints, and the lag is a lower bound.
  ServerLogProbe server_log;
  // Used only when server_log is empty (see ServerLsnProbe).
  ServerLsnProbe server_lsn;
  // Receives FILE_* records, new tablespaces and TRIM_PAGES of copied mtrs, in log order,
  // on the thread running the rounds, after the mtr is in the target. Optional.
  RedoEventSink on_event;
  // Called once, on the background thread, with the copier's first error when a background
  // round fails (the thread then ends; WaitFor and Stop return the error too): a backup can
  // abandon its data copy at once instead of at its next WaitFor. Optional.
  std::function<void(const absl::Status&)> on_failure;
  // Called (on the rounds' thread) when the lag first exceeds lag_warning_fraction of the
  // capacity, and again each time after it fell below half of that. Optional.
  std::function<void(const RedoCopyProgress&)> on_lag_warning;
  double lag_warning_fraction = 0.5;
  // Reads: each round starts with a read sized after the previous round's yield and doubles
  // while the log keeps coming, up to max_read_bytes (the read buffer: the copier's memory).
  // max_read_bytes must hold the largest mtr (1 MiB + trailer) unless the log is smaller.
  size_t min_read_bytes = size_t{64} << 10;
  size_t max_read_bytes = size_t{4} << 20;
  // Re-reads, reread_interval apart, of durable log that does not parse, before it is
  // judged corrupt or overwritten.
  int frontier_rereads = 10;
  absl::Duration reread_interval = absl::Milliseconds(1);
  // Background mode: the pause after a round that found nothing new, and after one that
  // copied or saw log it could not take yet. The server writes its log in bursts (a
  // statement's mtrs at commit): at 50 MiB/s of redo every 10 ms of pause is 0.5 MiB more
  // lag. mariadb-backup polls once a second. A busy round probes the server.
  absl::Duration poll_interval = absl::Milliseconds(10);
  absl::Duration busy_interval = absl::Milliseconds(2);
  // An idle round probes the server when its last answer is older than this.
  absl::Duration probe_interval = absl::Milliseconds(100);
};

// Bytes the server may write beyond its LSN in one write (it writes whole blocks of up to
// 4096 bytes, the last one padded with garbage: log_t::write_buf in log0log.cc); the copy
// counts as overrun once the server is within this margin of a full capacity ahead.
inline constexpr uint64_t kRedoOverrunMargin = 4096;

// True for the status the copier fails with when the server overwrote (or is about to
// overwrite) log that was not copied yet: FailedPrecondition whose message contains
// "redo log overrun: " (the marker survives Annotate prefixes). Callers map it to their own
// exit code: the fix is a larger innodb_log_file_size or less write load, not a retry as is.
bool IsRedoOverrun(const absl::Status& status);

// Copies the redo log. Only durable log is copied: mtrs that end at or below the server's
// flushed LSN (server_log, probed before the read), its newest checkpoint's end_lsn, or a
// target given to WaitFor. The server keeps rewriting the block that holds the end of its
// log, and a read of it can be torn or stale and hold whole mtrs, checksums and sequence
// bits intact, that are not the log (MDEV-39468; reproduced by the integration test with
// many small commits): an ordinary parse would copy them and then stall, or worse.
// Durable log that does not parse is re-read, then judged corrupt or overwritten. Reads
// bypass the page cache where possible (RedoLogSource).
//
// Use either foreground rounds (CopyAvailable, WaitFor) from one thread, or Start() and
// then WaitFor/Progress/status from any thread and Stop() from one. Errors are prefixed
// "copy redo log '<server log path>'" and keep their codes:
//   - FailedPrecondition "...: redo log overrun: the server overwrote its log at LSN X
//     before it was copied (copied up to LSN X, server at LSN Y, log capacity Z bytes);
//     increase innodb_log_file_size or reduce the write load during the backup"
//     (with "server past LSN Y (its checkpoint)" when proven from the checkpoint);
//   - FailedPrecondition "...: redo log '<path>' was replaced while it was being copied ...";
//   - DataLoss "...: redo log corrupt at LSN X: <verdict detail> (the server's log is
//     durable up to LSN D; N re-reads)": durable log that does not parse over re-reads
//     and is not overwritten;
//   - the target's write errors (ResourceExhausted "... write '<target>' at N: No space left
//     on device"), the source's read errors, the probe's errors.
// The first error is final: later rounds, WaitFor and Stop return it.
class RedoCopier {
 public:
  // Reads the server's head at `server_log_path` (C0 = its newest checkpoint_lsn, E0 = that
  // checkpoint's end_lsn) and writes the copy's 12288-byte head (BuildBackupLogHead) to
  // `target`, which must be empty. `fs`, `target` and `clock` must outlive the copier.
  // Errors: InvalidArgument for bad options; those of RedoLogSource::Open (FailedPrecondition
  // naming the file and the format for a pre-10.8 log, DataLoss for no valid checkpoint);
  // the target's write error.
  static absl::StatusOr<std::unique_ptr<RedoCopier>> Open(io::FileSystem& fs,
                                                          std::string server_log_path,
                                                          io::WritableFile& target,
                                                          io::Clock& clock,
                                                          RedoCopierOptions options);
  // Stops a running background thread (its error, if any, is dropped: call Stop()).
  ~RedoCopier();
  RedoCopier(const RedoCopier&) = delete;
  RedoCopier& operator=(const RedoCopier&) = delete;

  const innodb::LogFileHead& server_head() const { return source_->head(); }
  Lsn start_lsn() const { return start_lsn_; }  // C0
  uint64_t capacity() const { return source_->capacity(); }

  // One round in the calling thread: copies every durable mtr beyond copied_lsn (see the
  // class comment); OK also when there was nothing new.
  // FailedPrecondition "redo copier: running in the background" after Start(), "redo
  // copier: stopped" after Stop(); the first error once one happened.
  absl::Status CopyAvailable();

  // Starts rounds on a background thread: a round, then busy_interval after a round that
  // copied something or poll_interval after one that did not, until Stop() or an error.
  // Errors as for CopyAvailable (FailedPrecondition when already started or stopped).
  absl::Status Start();

  // Blocks until copied_lsn >= target. Precondition: the server's log is durable up to
  // `target` (read it with CurrentLsn, then FLUSH ENGINE LOGS): the copier takes the mtrs
  // that end at or below it. In the background it waits for the thread; otherwise it runs
  // rounds itself, poll_interval apart. Errors: the copier's first error;
  // DeadlineExceeded "copy redo log '<path>': copied up to LSN X, not LSN T, within <timeout>"
  // when `timeout` (on the Clock) passes first; Cancelled when Stop() ends the background
  // thread first; FailedPrecondition "redo copier: stopped" when called after Stop().
  absl::Status WaitFor(Lsn target, absl::Duration timeout);

  // Ends the copy: stops and joins the background thread (a round in progress finishes
  // first; no new round starts), syncs the target and returns last_lsn, the end of the last
  // complete mtr copied. The target then holds exactly 12288 + last_lsn - C0 bytes (after
  // a failed write, e.g. a full disk, it may end inside an mtr: the error is returned).
  // Returns the first error instead when the copy failed. Later calls return the same.
  absl::StatusOr<Lsn> Stop();

  // The current position and statistics. Thread-safe.
  RedoCopyProgress Progress() const;
  Lsn copied_lsn() const;
  // The copier's first error, OK while it is healthy. Thread-safe.
  absl::Status status() const;

 private:
  struct Step;

  RedoCopier(io::FileSystem& fs, std::unique_ptr<RedoLogSource> source, io::WritableFile& target,
             io::Clock& clock, RedoCopierOptions options);

  // A round: probe, steps until the frontier or the fence, replaced-file check, progress.
  absl::Status Round(std::stop_token stop, bool& busy);
  absl::Status RoundSteps(std::stop_token stop);
  absl::StatusOr<Step> ReadStep(size_t want);
  absl::Status ParseAndAppend(MutableByteSpan data, Step& step);
  // Appends the durable mtrs of a step to the target, then reports their events.
  absl::Status Commit(ByteSpan mtrs_bytes, uint64_t mtrs);
  absl::Status JudgeStuckFrontier(const Step& step, int rereads);
  absl::Status Probe();
  absl::Status CheckOverrun(Lsn copied, std::optional<Lsn> server, Lsn checkpoint_end) const;
  absl::Status OverrunError(Lsn copied, Lsn server, bool from_checkpoint) const;
  void PublishStep();
  void PublishRound(Lsn round_start);

  absl::Status Prefixed(const absl::Status& s) const;
  // Records the first error (prefixed) and returns the one recorded.
  absl::Status Fail(const absl::Status& s);
  // OK when rounds may run: no error, not stopped, and (foreground) no thread.
  absl::Status Usable(bool foreground) const;
  void Run(std::stop_token stop);
  absl::Status RunUntil(Lsn target, absl::Time deadline);
  absl::Status AwaitThread(Lsn target, absl::Time deadline, absl::Duration timeout);

  io::FileSystem& fs_;
  const std::unique_ptr<RedoLogSource> source_;
  io::WritableFile& target_;
  io::Clock& clock_;
  const RedoCopierOptions options_;
  const Lsn start_lsn_;
  const innodb::MtrFraming framing_;
  const size_t min_read_;  // min(min_read_bytes, the source's largest read)

  // Owned by the thread running rounds (the caller's, or the background thread).
  Lsn copied_;  // next mtr boundary to copy
  std::vector<uint8_t> scratch_;
  std::vector<RedoEvent> events_;  // of one step, delivered after its append
  size_t next_read_ = 0;           // first read size of the next round
  // What is known, before the current read, of the server's durable log: it reaches at
  // least `durable_` (its flushed LSN, its checkpoint's end_lsn), so log below that must
  // parse; and mtrs ending at or below `fence_` (also: targets given to WaitFor, which the
  // caller vouches for) are taken.
  Lsn durable_;
  Lsn fence_;
  bool pending_ = false;  // the last round saw log it could not take: probe again at once
  std::optional<Lsn> server_current_;  // the probe's last answers, taken before the reads
  std::optional<Lsn> server_flushed_;
  absl::Time last_probe_ = absl::InfinitePast();
  Lsn checkpoint_end_;  // newest checkpoint end_lsn seen
  uint64_t mtrs_ = 0;
  uint64_t rereads_total_ = 0;
  innodb::MtrVerdict frontier_ = innodb::MtrVerdict::kEndMarker;
  bool lag_warned_ = false;

  // A durable target from WaitFor, for the thread running rounds.
  std::atomic<uint64_t> durable_target_{0};
  mutable absl::Mutex mu_;
  RedoCopyProgress progress_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);   // the first error, prefixed
  bool running_ ABSL_GUARDED_BY(mu_) = false;  // background thread started, not finished
  std::optional<absl::StatusOr<Lsn>> stop_result_ ABSL_GUARDED_BY(mu_);
  std::jthread thread_;  // last: joined before the members it uses are destroyed
};

}  // namespace tidemark::engine
