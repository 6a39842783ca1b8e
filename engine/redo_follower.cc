// The follower's rounds, file rotation and chain recovery. The collector proves what it
// records; the follower only decides when to write a file and what to do when the collector
// fails: keep the proven part, try to continue at the same LSN (same log, same anchor), and
// only when the log cannot continue it start a new chain, which leaves a visible gap.
#include "engine/redo_follower.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

// Errors after which the log may come back (a server restarting, a connection lost): the
// next round tries again. FailedPrecondition breaks the chain instead; the rest is fatal.
bool Retryable(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kResourceExhausted:
      return false;
    default:
      return true;
  }
}

}  // namespace

RedoFollower::RedoFollower(io::FileSystem& fs, io::Clock& clock, RedoFollowerOptions options)
    : fs_(fs), clock_(clock), options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<RedoFollower>> RedoFollower::Open(io::FileSystem& fs,
                                                                 io::Clock& clock,
                                                                 RedoFollowerOptions options) {
  TM_RETURN_IF_ERROR(io::CreateDirs(fs, options.tracking_dir));
  // Leftover temporary files of a follower that was killed while writing.
  TM_RETURN_IF_ERROR(PruneTrackedFiles(fs, options.tracking_dir, clock.Now(), {}).status());
  std::unique_ptr<RedoFollower> f(new RedoFollower(fs, clock, std::move(options)));
  TM_RETURN_IF_ERROR(f->Resume());
  return f;
}

absl::Status RedoFollower::Resume() {
  TM_ASSIGN_OR_RETURN(const std::vector<TrackedFile> files,
                      FilesNewestFirst(fs_, options_.tracking_dir));
  if (files.empty()) return StartNewChain("no page-set files yet");
  const TrackedFile& newest = files.front();  // the end of the chain written last
  TM_ASSIGN_OR_RETURN(const PageSetFile last, ReadPageSetFile(fs_, newest.path));
  absl::StatusOr<std::unique_ptr<RedoPageCollector>> c = RedoPageCollector::Open(
      fs_, clock_, options_.server_log_path,
      {.lsn = last.pages.to_lsn(), .identity = last.identity, .anchor = last.to_anchor},
      options_.collector);
  if (!c.ok() && c.status().code() == absl::StatusCode::kFailedPrecondition) {
    return StartNewChain(absl::StrFormat("the chain ending at LSN %d cannot be continued: %s",
                                         last.pages.to_lsn().value(), c.status().message()));
  }
  if (!c.ok()) return c.status();
  identity_ = last.identity;
  chain_start_ = last.chain_start;
  Adopt(*std::move(c));
  Emit({.kind = RedoFollowEventKind::kResumed,
        .from = position(),
        .to = position(),
        .path = newest.path});
  return absl::OkStatus();
}

absl::Status RedoFollower::StartNewChain(std::string why) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RedoPageCollector> c,
                      RedoPageCollector::OpenAtCheckpoint(fs_, clock_, options_.server_log_path,
                                                          options_.collector));
  has_chain_ = false;  // the pending range starts over at the checkpoint
  identity_ = c->identity();
  chain_start_ = c->position();
  Adopt(std::move(c));
  Emit({.kind = RedoFollowEventKind::kNewChain,
        .from = position(),
        .to = position(),
        .detail = std::move(why)});
  return absl::OkStatus();
}

void RedoFollower::Adopt(std::unique_ptr<RedoPageCollector> c) {
  anchor_ = c->anchor();
  checkpoint_ = c->checkpoint();
  if (!has_chain_ || pending_.to_lsn() != c->position()) {
    pending_ = ChangedPages(c->position());
    pending_anchor_ = anchor_;
    file_started_ = clock_.Now();
  }
  has_chain_ = true;
  collector_ = std::move(c);
  last_retry_.clear();
}

absl::Status RedoFollower::Round() {
  if (!collector_) {
    TM_RETURN_IF_ERROR(Reopen());
    if (!collector_) return absl::OkStatus();
  }
  const absl::Status s = collector_->Advance();
  // What the collector proved, also when it then failed.
  TM_RETURN_IF_ERROR(pending_.Append(collector_->TakePages()));
  anchor_ = collector_->anchor();
  checkpoint_ = collector_->checkpoint();
  if (!s.ok()) TM_RETURN_IF_ERROR(HandleBroken(s));
  const uint64_t bytes = pending_.to_lsn().value() - pending_.from_lsn().value();
  const bool due =
      clock_.Now() - file_started_ >= options_.file_duration || bytes >= options_.file_bytes;
  if (bytes > 0 && due) TM_RETURN_IF_ERROR(WriteFile());
  return absl::OkStatus();
}

absl::Status RedoFollower::HandleBroken(const absl::Status& error) {
  Emit({.kind = RedoFollowEventKind::kChainBroken,
        .from = position(),
        .to = position(),
        .detail = std::string(error.message())});
  if (pending_.to_lsn() > pending_.from_lsn()) TM_RETURN_IF_ERROR(WriteFile());
  collector_.reset();
  // Durable log that does not parse is not a passing condition: stop, loudly.
  if (error.code() == absl::StatusCode::kDataLoss) return error;
  return Reopen();
}

// Continues the chain at position() if the log still holds it, else starts a new one; when
// neither works for a passing reason, the next round tries again.
absl::Status RedoFollower::Reopen() {
  absl::StatusOr<std::unique_ptr<RedoPageCollector>> c = RedoPageCollector::Open(
      fs_, clock_, options_.server_log_path,
      {.lsn = position(), .identity = identity_, .anchor = anchor_}, options_.collector);
  absl::Status s = c.status();
  if (c.ok()) {
    Adopt(*std::move(c));
    Emit({.kind = RedoFollowEventKind::kResumed, .from = position(), .to = position()});
    return absl::OkStatus();
  }
  if (s.code() == absl::StatusCode::kFailedPrecondition) {
    s = StartNewChain(absl::StrFormat("the chain cannot continue at LSN %d: %s", position().value(),
                                      s.message()));
    if (s.ok()) return s;
    // Even the checkpoint is refused (the log is being replaced under us): try again later.
    if (s.code() == absl::StatusCode::kFailedPrecondition) s = absl::UnavailableError(s.message());
  }
  if (!Retryable(s)) return s;
  if (s.message() != last_retry_) {  // once per distinct reason, not every round
    last_retry_ = std::string(s.message());
    Emit({.kind = RedoFollowEventKind::kRetry,
          .from = position(),
          .to = position(),
          .detail = last_retry_});
  }
  return absl::OkStatus();
}

absl::Status RedoFollower::WriteFile() {
  const absl::Time now = clock_.Now();
  const PageSetFile f{.pages = pending_,
                      .identity = identity_,
                      .chain_start = chain_start_,
                      .from_anchor = pending_anchor_,
                      .to_anchor = anchor_,
                      .checkpoint = checkpoint_,
                      .written = now};
  TM_ASSIGN_OR_RETURN(const std::string path, WritePageSetFile(fs_, options_.tracking_dir, f));
  Emit({.kind = RedoFollowEventKind::kFileWritten,
        .from = pending_.from_lsn(),
        .to = pending_.to_lsn(),
        .pages = pending_.page_count(),
        .path = path});
  pending_ = ChangedPages(pending_.to_lsn());
  pending_anchor_ = anchor_;
  file_started_ = now;
  TM_ASSIGN_OR_RETURN(const std::vector<std::string> removed,
                      PruneTrackedFiles(fs_, options_.tracking_dir, now, options_.keep));
  for (const std::string& name : removed) {
    Emit({.kind = RedoFollowEventKind::kPruned, .path = io::JoinPath(options_.tracking_dir, name)});
  }
  return absl::OkStatus();
}

absl::Status RedoFollower::Finish() {
  if (!has_chain_ || pending_.to_lsn() == pending_.from_lsn()) return absl::OkStatus();
  return WriteFile();
}

absl::Status RedoFollower::Run(std::stop_token stop) {
  absl::Status s;
  while (!stop.stop_requested()) {
    const Lsn before = position();
    s = Round();
    if (!s.ok()) break;
    const absl::Duration pause = position() > before
                                     ? std::min(options_.busy_interval, options_.interval)
                                     : options_.interval;
    if (!clock_.SleepFor(pause, stop)) break;
  }
  const absl::Status f = Finish();
  return s.ok() ? f : s;
}

void RedoFollower::Emit(RedoFollowEvent e) const {
  if (options_.on_event) options_.on_event(e);
}

}  // namespace tidemark::engine
