// The changed-page collector's rounds. The proofs are the redo copier's (redo_copier.cc):
//   - durable: only mtrs ending at or below what was durable before a read are taken: the
//     newest checkpoint's end_lsn (log_checkpoint_low in log0log.cc, MariaDB 10.11, writes
//     the checkpoint block after the log up to its FILE_CHECKPOINT mtr is flushed) and the
//     server's flushed LSN; past it the server rewrites its last block and a read can be torn
//     or stale yet hold whole, checksummed mtrs (MDEV-39468);
//   - not overwritten: the server never writes past its checkpoint_lsn + capacity, so when
//     the checkpoint read after a read ends below position + capacity - margin, the bytes
//     read belong to their own pass or to the one before or after; only their own pass has
//     the sequence bit an mtr needs, so every mtr that parses is genuine;
//   - same file: the header is compared on every checkpoint read and the path is reopened
//     after every round and before durable log that does not parse is judged (an online
//     resize renames a new file over ib_logfile0; the open file then lacks log the server
//     counts as flushed, which is not corruption).
#include "engine/redo_page_collector.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "innodb/redo/record.h"

namespace tidemark::engine {

namespace {

using innodb::FileRecordType;
using innodb::MtrVerdict;
using innodb::RecordKind;

constexpr size_t kAnchorSize = 4;  // the CRC-32C that ends every unencrypted mtr

uint32_t FileFlag(FileRecordType type) {
  switch (type) {
    case FileRecordType::kCreate:
      return kSpaceCreated;
    case FileRecordType::kDelete:
      return kSpaceDeleted;
    case FileRecordType::kRename:
      return kSpaceRenamed;
    case FileRecordType::kModify:  // names a space changed since the checkpoint: no flag
    case FileRecordType::kCheckpoint:
      return 0;
  }
  return 0;
}

std::string AnchorText(LsnAnchor a) {
  return a ? absl::StrFormat("0x%08x", *a) : std::string("none");
}

}  // namespace

// One read and how far its mtrs were taken.
struct RedoPageCollector::Read {
  size_t read = 0;      // bytes read
  size_t consumed = 0;  // bytes of the mtrs recorded
  bool fenced = false;  // stopped before an mtr past the fence or at the limit
  MtrVerdict verdict = MtrVerdict::kOk;
  std::string detail;
};

RedoPageCollector::RedoPageCollector(io::FileSystem& fs, io::Clock& clock,
                                     std::unique_ptr<RedoLogSource> source,
                                     RedoPageCollectorOptions options, Lsn start)
    : fs_(fs),
      clock_(clock),
      source_(std::move(source)),
      options_(std::move(options)),
      framing_{source_->geometry(), source_->encryption(), /*validate_records=*/false},
      identity_(IdentityOf(source_->head().header, source_->geometry().file_size())),
      start_(start),
      position_(start),
      durable_(source_->head().checkpoint.end_lsn),
      checkpoint_(source_->head().checkpoint),
      next_read_(std::min(options_.min_read_bytes, source_->max_read())),
      pages_(start) {}

absl::StatusOr<std::unique_ptr<RedoPageCollector>> RedoPageCollector::Open(
    io::FileSystem& fs, io::Clock& clock, std::string path, CollectStart start,
    RedoPageCollectorOptions options) {
  const std::string prefix = absl::StrFormat("track changed pages in '%s'", path);
  absl::StatusOr<std::unique_ptr<RedoLogSource>> source =
      RedoLogSource::Open(fs, path, options.max_read_bytes);
  if (!source.ok()) return Annotate(source.status(), prefix);
  if ((*source)->encryption() != innodb::LogEncryption::kNone) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: the redo log is encrypted (format 0x%08x): page ids cannot be read without the "
        "key, so pages cannot be tracked (innodb_encrypt_log=ON)",
        prefix, (*source)->head().header.format));
  }
  std::unique_ptr<RedoPageCollector> c(
      new RedoPageCollector(fs, clock, *std::move(source), std::move(options), start.lsn));
  if (absl::Status s = c->Start(start); !s.ok()) return Annotate(s, prefix);
  return c;
}

absl::StatusOr<std::unique_ptr<RedoPageCollector>> RedoPageCollector::OpenAtCheckpoint(
    io::FileSystem& fs, io::Clock& clock, std::string path, RedoPageCollectorOptions options) {
  // The checkpoint is read again by Open; reading the head twice costs 12 KiB.
  absl::StatusOr<std::unique_ptr<RedoLogSource>> source =
      RedoLogSource::Open(fs, path, size_t{64} << 10);
  if (!source.ok()) {
    return Annotate(source.status(), absl::StrFormat("track changed pages in '%s'", path));
  }
  const Lsn checkpoint = (*source)->head().checkpoint.checkpoint_lsn;
  return Open(fs, clock, std::move(path), {.lsn = checkpoint}, std::move(options));
}

absl::Status RedoPageCollector::Start(const CollectStart& start) {
  if (start.identity && *start.identity != identity_) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the log is not the one the page-set files were read from (files: %s; log now: %s): "
        "it was recreated or resized since",
        start.identity->Describe(), identity_.Describe()));
  }
  if (options_.server_log) TM_RETURN_IF_ERROR(Probe());
  durable_ = std::max(durable_, server_ ? server_->flushed : Lsn());
  TM_RETURN_IF_ERROR(CheckInLog(position_, checkpoint_.end_lsn));
  TM_RETURN_IF_ERROR(CheckBeyondEnd());
  // The anchor: the CRC of the mtr ending at the start. Readable once durable there (a
  // start past the durable end, e.g. the flushed LSN an earlier run saw, waits for Advance).
  if (position_ <= durable_) {
    TM_ASSIGN_OR_RETURN(anchor_, ReadAnchor(position_));
    if (start.anchor && start.anchor != anchor_) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the log at LSN %d does not continue the tracked history: the mtr ending there has "
          "checksum %s, the page-set files recorded %s (was the server restored from a copy?)",
          position_.value(), AnchorText(anchor_), AnchorText(start.anchor)));
    }
  } else {
    anchor_ = start.anchor;
    pending_anchor_ = start.anchor.has_value();
  }
  return absl::OkStatus();
}

absl::StatusOr<LsnAnchor> RedoPageCollector::ReadAnchor(Lsn at) {
  const Lsn first = source_->geometry().first_lsn();
  if (at.value() < first.value() + kAnchorSize) return LsnAnchor();
  const Lsn from(at.value() - kAnchorSize);
  TM_ASSIGN_OR_RETURN(MutableByteSpan bytes, source_->Read(from, kAnchorSize));
  const uint32_t anchor = ReadBe32(bytes, 0);
  TM_ASSIGN_OR_RETURN(const innodb::LogCheckpoint ck, source_->ReadCheckpoint());
  TM_RETURN_IF_ERROR(CheckInLog(from, ck.end_lsn));
  return LsnAnchor(anchor);
}

// ------------------------------------------------------------------------------ rounds

absl::Status RedoPageCollector::Advance(std::optional<Lsn> limit) {
  if (!status_.ok()) return status_;
  absl::Status s = Round(limit);
  if (s.ok()) return s;
  status_ = Annotate(s, absl::StrFormat("track changed pages in '%s'", source_->path()));
  return status_;
}

absl::Status RedoPageCollector::Round(std::optional<Lsn> limit) {
  if (options_.server_log) TM_RETURN_IF_ERROR(Probe());
  TM_ASSIGN_OR_RETURN(checkpoint_, source_->ReadCheckpoint());
  durable_ = std::max({durable_, checkpoint_.end_lsn, server_ ? server_->flushed : Lsn()});
  TM_RETURN_IF_ERROR(CheckBeyondEnd());
  TM_RETURN_IF_ERROR(CheckInLog(position_, checkpoint_.end_lsn));
  if (pending_anchor_ && durable_ >= position_) {
    TM_ASSIGN_OR_RETURN(const LsnAnchor now, ReadAnchor(position_));
    if (now != anchor_) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the log at LSN %d does not continue the tracked history: the mtr ending there has "
          "checksum %s, the page-set files recorded %s (was the server restored from a copy?)",
          position_.value(), AnchorText(now), AnchorText(anchor_)));
    }
    pending_anchor_ = false;
  }
  Lsn fence = durable_;
  size_t want = next_read_;
  int rereads = 0;
  const Lsn round_start = position_;
  while (position_ < fence && !(limit && position_ >= *limit) && !pending_anchor_) {
    TM_ASSIGN_OR_RETURN(Read r, ReadAndParse(want, fence, limit));
    if (r.consumed > 0) rereads = 0;
    if (r.fenced || position_ >= fence) {  // what lies beyond is not durable log (yet)
      if (durable_ <= fence || (limit && position_ >= *limit)) break;
      fence = durable_;  // the checkpoint read after the data moved: read on
      continue;
    }
    if (r.verdict == MtrVerdict::kOk || (r.verdict == MtrVerdict::kIncomplete && r.consumed > 0)) {
      want = std::clamp<size_t>(2 * r.consumed, options_.min_read_bytes, source_->max_read());
      continue;  // the read ended at or inside an mtr: read on from it
    }
    if (r.verdict == MtrVerdict::kIncomplete && r.read < source_->max_read()) {
      want = std::min(2 * r.read, source_->max_read());
      continue;  // an mtr longer than the read
    }
    // Durable log that does not parse: rule out a replaced file (no re-read helps) and a
    // torn read, then judge.
    if (rereads == 0) TM_RETURN_IF_ERROR(source_->CheckUnchanged(fs_));
    if (rereads == options_.frontier_rereads) return Judge(r, rereads);
    ++rereads;
    ++stats_.rereads;
    want = r.read;
    clock_.SleepFor(options_.reread_interval);
  }
  next_read_ = std::clamp<size_t>(2 * (position_.value() - round_start.value()),
                                  options_.min_read_bytes, source_->max_read());
  return source_->CheckUnchanged(fs_);
}

absl::StatusOr<RedoPageCollector::Read> RedoPageCollector::ReadAndParse(size_t want, Lsn fence,
                                                                        std::optional<Lsn> limit) {
  Read r;
  r.read = std::min(want, source_->max_read());
  TM_ASSIGN_OR_RETURN(MutableByteSpan data, source_->Read(position_, r.read));
  ++stats_.reads;
  // The newest checkpoint after the read bounds where the server was writing during it.
  TM_ASSIGN_OR_RETURN(const innodb::LogCheckpoint ck, source_->ReadCheckpoint());
  checkpoint_ = std::max(checkpoint_, ck, [](const auto& a, const auto& b) {
    return a.checkpoint_lsn < b.checkpoint_lsn;
  });
  TM_RETURN_IF_ERROR(CheckInLog(position_, ck.end_lsn));
  innodb::MtrReader reader(innodb::LogView(position_, data), framing_);
  for (;;) {
    if (limit && position_ >= *limit) {
      r.fenced = true;
      break;
    }
    innodb::MtrResult m = reader.Read();
    if (!m.ok()) {
      r.verdict = m.verdict;
      r.detail = std::move(m.detail);
      break;
    }
    if (m.mtr.end_lsn() > fence) {
      r.fenced = true;
      break;
    }
    TM_RETURN_IF_ERROR(Record(m.mtr));
    r.consumed += m.mtr.size();
  }
  durable_ = std::max(durable_, ck.end_lsn);  // known before the next read
  return r;
}

absl::Status RedoPageCollector::Record(const innodb::Mtr& mtr) {
  innodb::RecordReader reader(mtr.records().Contiguous(scratch_), framing_.encryption);
  bool have_last = false;
  innodb::RedoPageId last;
  for (innodb::RedoRecord r; reader.Next(r);) {
    if (r.kind == RecordKind::kFile) {
      pages_.AddFlags(r.page.space, FileFlag(r.file_type()));
      continue;
    }
    if (r.kind != RecordKind::kPage) continue;
    ++stats_.records;
    if (r.IsTrimPages()) {  // its page number is the new size, not a page
      pages_.AddFlags(r.page.space, kSpaceTrimmed);
      continue;
    }
    if (r.IsFirstPageInit()) pages_.AddFlags(r.page.space, kSpaceCreated);
    if (!have_last || r.page != last) pages_.AddPage(r.page.space, r.page.page);
    have_last = true;
    last = r.page;
  }
  if (!reader.status().ok()) {
    // The CRC matched, so this is what the server wrote: a corrupt log, not a torn read.
    return absl::DataLossError(absl::StrFormat("redo log corrupt at LSN %d: %s",
                                               mtr.start_lsn().value(),
                                               std::string(reader.status().message())));
  }
  position_ = mtr.end_lsn();
  const size_t n = mtr.size();
  anchor_ = (uint32_t{mtr.bytes[n - 4]} << 24) | (uint32_t{mtr.bytes[n - 3]} << 16) |
            (uint32_t{mtr.bytes[n - 2]} << 8) | uint32_t{mtr.bytes[n - 1]};
  pages_.ExtendTo(position_);
  parsed_any_ = true;
  ++stats_.mtrs;
  stats_.bytes += n;
  return absl::OkStatus();
}

absl::Status RedoPageCollector::Judge(const Read& read, int rereads) {
  // An online resize renames a new file over the log: the open file stops receiving writes
  // while the server's flushed LSN moves on, so durable log seems not to parse in it.
  TM_RETURN_IF_ERROR(source_->CheckUnchanged(fs_));
  if (options_.server_log) TM_RETURN_IF_ERROR(Probe());
  TM_ASSIGN_OR_RETURN(checkpoint_, source_->ReadCheckpoint());
  TM_RETURN_IF_ERROR(CheckInLog(position_, checkpoint_.end_lsn));
  // Not proven overwritten. Without the server's LSN, a checkpoint past the position leaves
  // room for the server to have written up to checkpoint_lsn + capacity, beyond
  // position + capacity: the bytes may be the next pass.
  if (!server_ && checkpoint_.checkpoint_lsn > position_) {
    return OverrunError(
        absl::StrFormat("the log at LSN %d does not parse (%s) and the server may have "
                        "overwritten it",
                        position_.value(), read.detail),
        absl::StrFormat("the server's checkpoint is at LSN %d",
                        checkpoint_.checkpoint_lsn.value()));
  }
  if (!parsed_any_ && position_ == start_) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "LSN %d is not the start of a mini-transaction in the log (%s): is it an LSN of this "
        "server's log?",
        position_.value(), read.detail));
  }
  return absl::DataLossError(absl::StrFormat(
      "redo log corrupt at LSN %d: %s (the server's log is durable up to LSN %d; %d re-reads)",
      position_.value(), read.detail, durable_.value(), rereads));
}

// ------------------------------------------------------------------------------ proofs

absl::Status RedoPageCollector::Probe() {
  absl::StatusOr<ServerLogPosition> p = options_.server_log();
  if (!p.ok()) return Annotate(p.status(), "probe the server's LSN");
  if (server_) {  // the LSNs only grow; an older, larger answer is still a bound
    p->current = std::max(p->current, server_->current);
    p->flushed = std::max(p->flushed, server_->flushed);
  }
  server_ = *p;
  return absl::OkStatus();
}

absl::Status RedoPageCollector::CheckBeyondEnd() const {
  if (!server_ || position_ <= server_->current) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "LSN %d is beyond the end of the server's log (the server is at LSN %d): it does not "
      "come from this server's log",
      position_.value(), server_->current.value()));
}

absl::Status RedoPageCollector::CheckInLog(Lsn at, Lsn checkpoint_end) const {
  const Lsn first = source_->geometry().first_lsn();
  if (at < first) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "LSN %d is older than the start of the log (first_lsn %d): the log was recreated or "
        "resized since, and the log before it is gone",
        at.value(), first.value()));
  }
  const uint64_t limit = at.value() + capacity();
  const std::string what =
      at == position_ && !parsed_any_ && at == start_
          ? absl::StrFormat("LSN %d is no longer in the log", at.value())
          : absl::StrFormat("the server overwrote its log at LSN %d before it was read",
                            at.value());
  if (server_ && server_->current.value() + kRedoOverrunMargin > limit) {
    return OverrunError(what, absl::StrFormat("the server is at LSN %d", server_->current.value()));
  }
  if (checkpoint_end.value() + kRedoOverrunMargin > limit) {
    return OverrunError(
        what, absl::StrFormat("the server's checkpoint ends at LSN %d", checkpoint_end.value()));
  }
  return absl::OkStatus();
}

absl::Status RedoPageCollector::OverrunError(std::string_view what, std::string_view where) const {
  return absl::FailedPreconditionError(absl::StrFormat(
      "redo log overrun: %s (%s, the log holds %d bytes): the pages changed there can no "
      "longer be read",
      what, where, capacity()));
}

ChangedPages RedoPageCollector::TakePages() {
  ChangedPages out = std::move(pages_);
  pages_ = ChangedPages(position_);
  return out;
}

// ---------------------------------------------------------------------------- one shot

absl::Status AdvanceTo(RedoPageCollector& c, io::Clock& clock, Lsn target,
                       absl::Duration durable_wait, absl::Duration poll_interval) {
  const absl::Time deadline = clock.Now() + durable_wait;
  for (;;) {
    TM_RETURN_IF_ERROR(c.Advance(target));
    if (c.position() >= target && c.durable() >= c.position()) return absl::OkStatus();
    if (clock.Now() >= deadline) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "track changed pages in '%s': the log is durable only up to LSN %d, not LSN %d "
          "(waited %s; is LSN %d from this server?)",
          c.path(), c.durable().value(), std::max(target, c.position()).value(),
          absl::FormatDuration(durable_wait), std::max(target, c.position()).value()));
    }
    clock.SleepFor(poll_interval);
  }
}

absl::StatusOr<ChangedPages> CollectChangedPages(io::FileSystem& fs, io::Clock& clock,
                                                 const std::string& server_log_path, Lsn from_lsn,
                                                 const CollectOptions& options) {
  TM_ASSIGN_OR_RETURN(
      std::unique_ptr<RedoPageCollector> c,
      RedoPageCollector::Open(fs, clock, server_log_path, {.lsn = from_lsn}, options.collector));
  const Lsn target = std::max(options.to_lsn.value_or(c->durable()), from_lsn);
  TM_RETURN_IF_ERROR(AdvanceTo(*c, clock, target, options.durable_wait, options.poll_interval));
  return c->TakePages();
}

}  // namespace tidemark::engine
