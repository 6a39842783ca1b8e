// The redo copier's rounds: read ahead from the copy's frontier, check from the server's
// checkpoint that the bytes cannot belong to a later pass, append the mtrs that end below
// the durable fence with their end markers forced to 0x01, and judge where the parse
// stopped: the end of the durable log, corruption or an overrun. Why each check is sound
// is explained next to it, from log0log.cc (log_t::write_buf, set_capacity), buf0flu.cc
// (log_checkpoint) and MDEV-39468 (MariaDB 10.11).
#include "engine/redo_copier.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "innodb/redo/backup_log.h"

namespace tidemark::engine {

using innodb::LogView;
using innodb::MtrReader;
using innodb::MtrResult;
using innodb::MtrVerdict;

namespace {

constexpr char kOverrunMarker[] = "redo log overrun: ";
// Records below 1 MiB plus end marker, nonce and CRC: the read buffer must hold one mtr.
constexpr size_t kLargestMtr = innodb::kMtrSizeMax + 64;

absl::Status CheckOptions(const RedoCopierOptions& o) {
  if (o.backup_version.empty()) {
    return absl::InvalidArgumentError("redo copier: backup_version is required");
  }
  if (o.min_read_bytes == 0 || o.min_read_bytes > o.max_read_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("redo copier: min_read_bytes %d must be in [1, max_read_bytes %d]",
                        o.min_read_bytes, o.max_read_bytes));
  }
  if (o.frontier_rereads < 1) {
    return absl::InvalidArgumentError("redo copier: frontier_rereads must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsRedoOverrun(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         absl::StrContains(status.message(), kOverrunMarker);
}

// One read from the frontier and what came of it.
struct RedoCopier::Step {
  size_t read = 0;           // bytes read from copied_ (before the step)
  size_t consumed = 0;       // bytes of complete, durable mtrs appended to the target
  bool fenced = false;       // the parse stopped at an mtr that ends beyond the durable fence
  bool fence_moved = false;  // the checkpoint read after the data raised the fence
  MtrVerdict verdict = MtrVerdict::kOk;  // else where and why it stopped
  std::string detail;
  innodb::LogCheckpoint checkpoint;  // the server's newest, read after the data
};

RedoCopier::RedoCopier(io::FileSystem& fs, std::unique_ptr<RedoLogSource> source,
                       io::WritableFile& target, io::Clock& clock, RedoCopierOptions options)
    : fs_(fs),
      source_(std::move(source)),
      target_(target),
      clock_(clock),
      options_(std::move(options)),
      start_lsn_(source_->head().checkpoint.checkpoint_lsn),
      framing_{source_->geometry(), source_->encryption(), /*validate_records=*/false},
      min_read_(std::min(options_.min_read_bytes, source_->max_read())),
      copied_(start_lsn_),
      next_read_(min_read_),
      durable_(source_->head().checkpoint.end_lsn),
      fence_(durable_),
      checkpoint_end_(source_->head().checkpoint.end_lsn) {
  progress_.start_lsn = progress_.copied_lsn = start_lsn_;
  progress_.capacity = source_->capacity();
  progress_.checkpoint_end_lsn = checkpoint_end_;
}

RedoCopier::~RedoCopier() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::unique_ptr<RedoCopier>> RedoCopier::Open(io::FileSystem& fs,
                                                             std::string server_log_path,
                                                             io::WritableFile& target,
                                                             io::Clock& clock,
                                                             RedoCopierOptions options) {
  TM_RETURN_IF_ERROR(CheckOptions(options));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RedoLogSource> source,
                      RedoLogSource::Open(fs, std::move(server_log_path), options.max_read_bytes));
  if (source->capacity() >= kLargestMtr && options.max_read_bytes < kLargestMtr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("redo copier: max_read_bytes %d cannot hold the largest mtr (%d bytes)",
                        options.max_read_bytes, kLargestMtr));
  }
  const std::vector<uint8_t> head = innodb::BuildBackupLogHead(
      source->head().header, source->head().checkpoint, options.backup_version);
  TM_RETURN_IF_ERROR(target.Append(head));
  return std::unique_ptr<RedoCopier>(
      new RedoCopier(fs, std::move(source), target, clock, std::move(options)));
}

// ------------------------------------------------------------------------------ a round

absl::Status RedoCopier::Round(std::stop_token stop, bool& busy) {
  // The probe, taken before anything is read: its flushed LSN is a fence for this round's
  // reads. Asked every round while log waits for it, else every probe_interval.
  const bool waiting = pending_ && options_.server_log;
  if (waiting || clock_.Now() - last_probe_ >= options_.probe_interval) {
    TM_RETURN_IF_ERROR(Probe());
  }
  durable_ = std::max({durable_, checkpoint_end_, server_flushed_.value_or(Lsn())});
  fence_ = std::max({fence_, durable_, Lsn(durable_target_.load())});
  const Lsn round_start = copied_;
  TM_RETURN_IF_ERROR(RoundSteps(stop));
  // The generated LSN may count log still in the server's buffer, so it says nothing about
  // the file until the round has taken all it could: if the server was then nearly a
  // capacity ahead of the frontier, the bytes there are overwritten. (The frontier cannot
  // be unwritten log that far behind: the server keeps its LSN within 0.81 capacity of its
  // checkpoint, log_t::set_capacity.)
  if (!stop.stop_requested()) {
    TM_RETURN_IF_ERROR(CheckOverrun(copied_, server_current_, checkpoint_end_));
  }
  TM_RETURN_IF_ERROR(source_->CheckUnchanged(fs_));
  busy = copied_ > round_start || pending_;
  next_read_ = std::clamp<size_t>(2 * (copied_.value() - round_start.value()), min_read_,
                                  source_->max_read());
  PublishRound(round_start);
  return absl::OkStatus();
}

absl::Status RedoCopier::RoundSteps(std::stop_token stop) {
  size_t want = next_read_;
  int rereads = 0;
  pending_ = false;
  while (!stop.stop_requested()) {
    TM_ASSIGN_OR_RETURN(Step step, ReadStep(want));
    if (step.consumed > 0) rereads = 0;
    if (step.verdict == MtrVerdict::kIncomplete && step.consumed > 0) {
      want = std::clamp<size_t>(2 * step.consumed, min_read_, source_->max_read());
      continue;  // the read ended inside an mtr: read on from it
    }
    if (step.fenced && step.fence_moved) continue;  // the checkpoint just read moved it
    if (step.fenced || durable_ <= copied_) {
      // Beyond the durable log: the server's tail, possibly torn or stale. Next round.
      pending_ = step.fenced || (server_current_ && *server_current_ > copied_);
      frontier_ = step.fenced ? MtrVerdict::kOk : step.verdict;
      return absl::OkStatus();
    }
    if (step.verdict == MtrVerdict::kIncomplete && step.read < source_->max_read()) {
      want = std::min(2 * step.read, source_->max_read());
      continue;  // an mtr longer than the read
    }
    // Durable log that does not parse: re-read to rule out a torn read, then judge.
    if (rereads == options_.frontier_rereads) return JudgeStuckFrontier(step, rereads);
    ++rereads;
    ++rereads_total_;
    want = step.read;
    if (!clock_.SleepFor(options_.reread_interval, stop)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<RedoCopier::Step> RedoCopier::ReadStep(size_t want) {
  Step step;
  step.read = std::min(want, source_->max_read());
  TM_ASSIGN_OR_RETURN(MutableByteSpan data, source_->Read(copied_, step.read));
  // The checkpoint read after the data bounds the server's write position W at the time of
  // the data read: the server never overwrites log past its durable checkpoint, so
  // W <= checkpoint_lsn + capacity <= end_lsn + capacity. When end_lsn + margin <=
  // copied + capacity, every byte read is from the pass of its LSN or from the one before
  // or after; those carry the other sequence bit, so a complete mtr with the right bit and
  // CRC is genuine. Otherwise a pass two ahead could pose as valid log: an overrun.
  TM_ASSIGN_OR_RETURN(step.checkpoint, source_->ReadCheckpoint());
  checkpoint_end_ = std::max(checkpoint_end_, step.checkpoint.end_lsn);
  if (step.checkpoint.end_lsn.value() + kRedoOverrunMargin > copied_.value() + capacity()) {
    return CheckOverrun(copied_, server_current_, step.checkpoint.end_lsn);  // best evidence
  }
  TM_RETURN_IF_ERROR(ParseAndAppend(data, step));
  // Known before the next read: durable log, and a fence for it.
  durable_ = std::max(durable_, step.checkpoint.end_lsn);
  step.fence_moved = durable_ > fence_;
  fence_ = std::max(fence_, durable_);
  return step;
}

absl::Status RedoCopier::ParseAndAppend(MutableByteSpan data, Step& step) {
  MtrReader reader(LogView(copied_, data), framing_);
  events_.clear();
  uint64_t mtrs = 0;
  for (;;) {
    MtrResult r = reader.Read();
    if (!r.ok()) {
      step.verdict = r.verdict;
      step.detail = std::move(r.detail);
      break;
    }
    // Only durable log: past the fence the server may still rewrite the block, and a torn
    // or stale image of it can hold whole, checksummed mtrs that are not the log.
    if (copied_.value() + step.consumed + r.mtr.size() > fence_.value()) {
      step.fenced = true;
      break;
    }
    if (absl::Status s = CollectRedoEvents(r.mtr, framing_.encryption, scratch_, events_);
        !s.ok()) {
      step.verdict = MtrVerdict::kMalformed;
      step.detail = std::string(s.message());
      break;
    }
    // The copy never wraps: every mtr gets the first pass's sequence bit (the CRC does
    // not cover it), as CopyMtrToBackupLog does, here in place in the read buffer.
    data[step.consumed + r.mtr.end_marker_pos()] = 1;
    step.consumed += r.mtr.size();
    ++mtrs;
  }
  return Commit(data.subspan(0, step.consumed), mtrs);
}

absl::Status RedoCopier::Commit(ByteSpan mtrs_bytes, uint64_t mtrs) {
  if (mtrs_bytes.empty()) return absl::OkStatus();
  TM_RETURN_IF_ERROR(target_.Append(mtrs_bytes));
  copied_ = Lsn(copied_.value() + mtrs_bytes.size());
  mtrs_ += mtrs;
  PublishStep();
  if (options_.on_event) {
    for (const RedoEvent& e : events_) options_.on_event(e);
  }
  return absl::OkStatus();
}
absl::Status RedoCopier::JudgeStuckFrontier(const Step& step, int rereads) {
  TM_RETURN_IF_ERROR(Probe());
  TM_RETURN_IF_ERROR(CheckOverrun(copied_, server_current_, checkpoint_end_));
  // An overrun needs W > copied + capacity, and the server keeps W below its checkpoint +
  // 0.81 capacity (log_t::set_capacity): with the checkpoint still past copied_, only the
  // generated LSN can rule it out. Undecided: the next rounds' checkpoints will tell.
  if (!server_current_ && step.checkpoint.checkpoint_lsn > copied_) {
    frontier_ = step.verdict;
    return absl::OkStatus();
  }
  return absl::DataLossError(absl::StrFormat(
      "redo log corrupt at LSN %d: %s (the server's log is durable up to LSN %d; %d "
      "re-reads)",
      copied_.value(), step.detail, durable_.value(), rereads));
}

// ------------------------------------------------------------------------------ overrun

absl::Status RedoCopier::Probe() {
  last_probe_ = clock_.Now();
  // The LSNs only grow; an older, larger answer is still a valid bound.
  const auto keep_max = [](std::optional<Lsn>& mine, Lsn seen) {
    mine = mine ? std::max(*mine, seen) : seen;
  };
  if (options_.server_log) {
    absl::StatusOr<ServerLogPosition> p = options_.server_log();
    if (!p.ok()) return Annotate(p.status(), "probe the server's LSN");
    keep_max(server_current_, p->current);
    keep_max(server_flushed_, p->flushed);
  } else if (options_.server_lsn) {
    absl::StatusOr<Lsn> lsn = options_.server_lsn();
    if (!lsn.ok()) return Annotate(lsn.status(), "probe the server's LSN");
    keep_max(server_current_, *lsn);
  }
  return absl::OkStatus();
}

absl::Status RedoCopier::CheckOverrun(Lsn copied, std::optional<Lsn> server,
                                      Lsn checkpoint_end) const {
  // The bytes of `copied` are overwritten once the server writes the block holding
  // copied + capacity; it writes whole blocks of up to 4 KiB beyond its LSN.
  const uint64_t limit = copied.value() + capacity();
  if (server && server->value() + kRedoOverrunMargin > limit) {
    return OverrunError(copied, *server, /*from_checkpoint=*/false);
  }
  if (checkpoint_end.value() + kRedoOverrunMargin > limit) {
    return OverrunError(copied, checkpoint_end, /*from_checkpoint=*/true);
  }
  return absl::OkStatus();
}

absl::Status RedoCopier::OverrunError(Lsn copied, Lsn server, bool from_checkpoint) const {
  return absl::FailedPreconditionError(absl::StrFormat(
      "%sthe server overwrote its log at LSN %d before it was copied (copied up to LSN %d, "
      "server %s LSN %d%s, log capacity %d bytes); increase innodb_log_file_size or reduce "
      "the write load during the backup",
      kOverrunMarker, copied.value(), copied.value(), from_checkpoint ? "past" : "at",
      server.value(), from_checkpoint ? " (its checkpoint)" : "", capacity()));
}

// ----------------------------------------------------------------------------- progress

void RedoCopier::PublishStep() {
  absl::MutexLock lock(&mu_);
  progress_.copied_lsn = copied_;
  progress_.bytes_copied = copied_.value() - start_lsn_.value();
  progress_.mtrs_copied = mtrs_;
  progress_.rereads = rereads_total_;
  progress_.checkpoint_end_lsn = checkpoint_end_;
}

void RedoCopier::PublishRound(Lsn round_start) {
  PublishStep();
  RedoCopyProgress snapshot;
  {
    absl::MutexLock lock(&mu_);
    RedoCopyProgress& p = progress_;
    ++p.rounds;
    p.frontier = std::string(innodb::MtrVerdictName(frontier_));
    p.server_lsn = server_current_;
    p.server_flushed = server_flushed_;
    p.durable_lsn = fence_;
    // The backlog the round faced: what decides how close the copy came to an overrun.
    const Lsn ahead = server_current_ ? *server_current_ : checkpoint_end_;
    p.lag_bytes = ahead > round_start ? ahead.value() - round_start.value() : 0;
    p.lag_fraction = static_cast<double>(p.lag_bytes) / static_cast<double>(p.capacity);
    p.max_lag_fraction = std::max(p.max_lag_fraction, p.lag_fraction);
    p.lag_warning = p.lag_fraction > options_.lag_warning_fraction;
    if (p.lag_warning == lag_warned_) return;
    if (!p.lag_warning && p.lag_fraction > options_.lag_warning_fraction / 2) return;
    lag_warned_ = p.lag_warning;
    if (!lag_warned_ || !options_.on_lag_warning) return;
    snapshot = p;
  }
  options_.on_lag_warning(snapshot);
}

RedoCopyProgress RedoCopier::Progress() const {
  absl::MutexLock lock(&mu_);
  return progress_;
}

absl::Status RedoCopier::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

Lsn RedoCopier::copied_lsn() const {
  absl::MutexLock lock(&mu_);
  return progress_.copied_lsn;
}

// --------------------------------------------------------------------- modes and results

absl::Status RedoCopier::Prefixed(const absl::Status& s) const {
  return Annotate(s, absl::StrFormat("copy redo log '%s'", source_->path()));
}

absl::Status RedoCopier::Fail(const absl::Status& s) {
  absl::MutexLock lock(&mu_);
  if (status_.ok()) status_ = Prefixed(s);
  return status_;
}

absl::Status RedoCopier::Usable(bool foreground) const {
  absl::MutexLock lock(&mu_);
  if (!status_.ok()) return status_;
  if (stop_result_) return absl::FailedPreconditionError("redo copier: stopped");
  if (foreground && running_) {
    return absl::FailedPreconditionError("redo copier: running in the background");
  }
  return absl::OkStatus();
}

absl::Status RedoCopier::CopyAvailable() {
  TM_RETURN_IF_ERROR(Usable(/*foreground=*/true));
  bool busy = false;
  absl::Status s = Round(std::stop_token(), busy);
  return s.ok() ? s : Fail(s);
}

absl::Status RedoCopier::Start() {
  TM_RETURN_IF_ERROR(Usable(/*foreground=*/true));
  {
    absl::MutexLock lock(&mu_);
    running_ = true;
  }
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  return absl::OkStatus();
}

void RedoCopier::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    bool busy = false;
    if (absl::Status s = Round(stop, busy); !s.ok()) {
      const absl::Status first = Fail(s);  // recorded for WaitFor and Stop
      if (options_.on_failure) options_.on_failure(first);
      break;
    }
    const absl::Duration pause = busy ? options_.busy_interval : options_.poll_interval;
    if (!clock_.SleepFor(pause, stop)) break;
  }
  absl::MutexLock lock(&mu_);
  running_ = false;
}

absl::Status RedoCopier::WaitFor(Lsn target, absl::Duration timeout) {
  const absl::Time deadline = clock_.Now() + timeout;
  // The caller vouches that the log is durable up to `target`: a fence for later rounds.
  uint64_t fence = durable_target_.load();
  while (fence < target.value() && !durable_target_.compare_exchange_weak(fence, target.value())) {
  }
  bool background = false;
  {
    absl::MutexLock lock(&mu_);
    background = running_;
  }
  absl::Status s = background ? AwaitThread(target, deadline, timeout) : RunUntil(target, deadline);
  if (!s.ok()) return s;
  const Lsn copied = copied_lsn();
  if (copied >= target) return absl::OkStatus();
  return Prefixed(absl::DeadlineExceededError(
      absl::StrFormat("copied up to LSN %d, not LSN %d, within %s", copied.value(), target.value(),
                      absl::FormatDuration(timeout))));
}

absl::Status RedoCopier::RunUntil(Lsn target, absl::Time deadline) {
  for (;;) {
    TM_RETURN_IF_ERROR(CopyAvailable());
    if (copied_lsn() >= target || clock_.Now() >= deadline) return absl::OkStatus();
    clock_.SleepFor(options_.poll_interval);
  }
}

absl::Status RedoCopier::AwaitThread(Lsn target, absl::Time deadline, absl::Duration timeout) {
  struct Wait {
    RedoCopier* self;
    Lsn target;
    absl::Time deadline;
    static bool Done(Wait* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {  // called with mu_ held
      const RedoCopier& c = *w->self;
      return c.progress_.copied_lsn >= w->target || !c.status_.ok() || !c.running_ ||
             c.clock_.Now() >= w->deadline;
    }
  } wait{this, target, deadline};
  // Time on a FakeClock moves with the thread's sleeps, and each round re-evaluates the
  // condition; the real-time bound only matters when the thread makes no rounds.
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&Wait::Done, &wait), timeout);
  if (!status_.ok()) return status_;
  if (progress_.copied_lsn < target && !running_) {
    return Prefixed(absl::CancelledError(absl::StrFormat(
        "stopped at LSN %d before reaching LSN %d", progress_.copied_lsn.value(), target.value())));
  }
  return absl::OkStatus();
}

absl::StatusOr<Lsn> RedoCopier::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_result_) return *stop_result_;
  }
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  absl::Status s = Usable(/*foreground=*/false);
  if (s.ok()) s = target_.Sync();
  if (!s.ok()) s = Fail(s);
  absl::MutexLock lock(&mu_);
  stop_result_ = s.ok() ? absl::StatusOr<Lsn>(copied_) : absl::StatusOr<Lsn>(s);
  return *stop_result_;
}

}  // namespace tidemark::engine
