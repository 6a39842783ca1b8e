// The prepare job (see the header and docs/prepare.md).
#include "engine/prepare_job.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/strings/str_format.h"
#include "engine/backup_metadata.h"
#include "engine/prepare_ddl.h"
#include "engine/prepare_decode.h"
#include "engine/prepare_incremental.h"
#include "engine/prepare_journal.h"
#include "engine/prepare_log.h"
#include "engine/prepare_spaces.h"
#include "engine/restore_test_job.h"
#include "innodb/apply/page_log_store.h"
#include "innodb/apply/recovery_scan.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

constexpr std::string_view kBinlogPosInnodbName = "xtrabackup_binlog_pos_innodb";
constexpr uint64_t kMinBatchBytes = uint64_t{1} << 20;

ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

class PrepareJob {
 public:
  PrepareJob(const PrepareOptions& o, PrepareEnv& env) : o_(o), env_(env), fs_(env.fs) {
    progress_.phase = PreparePhase::kRecovering;
  }

  absl::StatusOr<PrepareResult> Run() {
    TM_RETURN_IF_ERROR(Annotate(fs_.Stat(o_.target_dir).status(), "target directory"));
    TM_RETURN_IF_ERROR(DecodeTarget());
    SetPhase(PreparePhase::kRecovering);
    TM_RETURN_IF_ERROR(FinishInterrupted());
    TM_ASSIGN_OR_RETURN(XtrabackupCheckpoints cp, ReadCheckpoints());
    TM_ASSIGN_OR_RETURN(std::optional<std::string> pending, PendingIncremental());
    if (pending || !o_.incremental_dir.empty()) return RunIncremental(cp, pending);
    if (cp.backup_type == BackupType::kIncremental) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s' is an incremental backup: prepare its full base, then apply it to the base",
          o_.target_dir));
    }
    if (cp.backup_type == BackupType::kLogApplied) {
      TM_ASSIGN_OR_RETURN(BackupChain chain, ReadChain(fs_, o_.target_dir, cp));
      result_.already_prepared = true;
      result_.chain_closed = chain.closed;
      if (!o_.apply_log_only && !chain.closed) {
        chain.closed = true;
        TM_RETURN_IF_ERROR(WriteChain(fs_, o_.target_dir, chain));
        result_.chain_closed = true;
        Note("the backup is already prepared (backup_type = log-applied): its chain is now "
             "closed, no incremental can be applied to it any more");
        return result_;
      }
      Note("the backup is already prepared (backup_type = log-applied): nothing to do");
      return result_;
    }
    // Everything that only reads comes first, so that a damaged log or metadata is reported
    // before the backup is changed at all (docs/prepare.md "When prepare fails").
    TM_RETURN_IF_ERROR(Survey(cp));
    SetPhase(PreparePhase::kDdl);
    TM_ASSIGN_OR_RETURN(DdlResolution ddl, ResolveDdlMarkers(fs_, o_.target_dir));
    result_.ddl_steps += ddl.steps;
    TM_RETURN_IF_ERROR(Recover());
    TM_RETURN_IF_ERROR(Finish(cp));
    SetPhase(PreparePhase::kDone);
    return result_;
  }

 private:
  void Note(std::string_view s) {
    if (env_.on_note) env_.on_note(s);
  }
  // Every phase change is a note ("phase: scanning", as `tidemark backup` says it) and a
  // progress report; so is every new batch (SetPhase(kApplying) again).
  void SetPhase(PreparePhase p) {
    if (p != progress_.phase || !phase_noted_) {
      Note(absl::StrFormat("phase: %s", PreparePhaseName(p)));
      phase_noted_ = true;
    }
    progress_.phase = p;
    if (env_.on_progress) env_.on_progress(progress_);
  }

  // The encoded files prepare reads or writes, decoded in place before anything reads them
  // (prepare_decode.h): a rerun after a failure decodes what is left.
  absl::Status DecodeTarget() {
    TM_ASSIGN_OR_RETURN(DecodeFilesResult r,
                        DecodeForPrepare(fs_, o_.target_dir, o_.key, static_cast<int>(o_.parallel),
                                         [&](size_t) { SetPhase(PreparePhase::kDecoding); }));
    if (r.files == 0) return absl::OkStatus();
    result_.decoded_files = r.files;
    result_.decoded_bytes = r.bytes_out;
    Note(absl::StrFormat("decoded %d compressed or encrypted files in place (%d bytes -> %d)",
                         r.files, r.bytes_in, r.bytes_out));
    return absl::OkStatus();
  }

  // An encoded incremental is decoded into a scratch copy, which the run then reads instead;
  // INC itself is only read. Returns the directory to read INC's files from.
  absl::StatusOr<std::string> IncrementalSource() {
    const std::string& inc = o_.incremental_dir;
    TM_ASSIGN_OR_RETURN(bool encoded, HasEncodedFiles(fs_, inc));
    if (!encoded) return inc;
    TM_ASSIGN_OR_RETURN(scratch_, ScratchDir());
    // A killed run's leftover.
    if (fs_.Stat(scratch_).ok()) TM_RETURN_IF_ERROR(RemoveTree(fs_, scratch_));
    TM_ASSIGN_OR_RETURN(DecodeFilesResult r, DecodeCopy(fs_, inc, scratch_, o_.key));
    result_.incremental_decoded_files = r.files;
    Note(absl::StrFormat("decoded the %d compressed or encrypted files of '%s' into '%s'",
                         r.files, inc, scratch_));
    return scratch_;
  }

  absl::StatusOr<std::string> ScratchDir() const {
    if (!o_.scratch_dir.empty()) return io::JoinPath(o_.scratch_dir, "tidemark-incremental");
    std::string t = o_.target_dir;
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    const std::string_view base = io::BaseName(t);
    if (base.empty() || base == "." || base == ".." || t == "/") {
      return absl::InvalidArgumentError(absl::StrFormat(
          "'%s' holds an encoded incremental: give --scratch-dir for its decoded copy (the "
          "default, next to --target-dir, cannot be derived from '%s')",
          o_.incremental_dir, o_.target_dir));
    }
    return t + ".tidemark-incremental";
  }

  // A journal left by a killed prepare is replayed before anything else reads the files.
  absl::Status FinishInterrupted() {
    TM_ASSIGN_OR_RETURN(JournalRecovery j, RecoverJournal(fs_, o_.target_dir));
    if (j.replayed) {
      result_.resumed = true;
      Note(absl::StrFormat("an interrupted prepare left a journal: %d pages written again",
                           j.pages));
    } else if (j.found) {
      Note(absl::StrFormat("an interrupted prepare left an unfinished journal (%s): discarded; "
                           "its pages had not been written", j.detail));
    }
    if (fs_.Stat(io::JoinPath(o_.target_dir, kPrepareDdlPlanName)).ok()) {
      result_.resumed = true;
      Note("an interrupted prepare left DDL steps unfinished: finishing them");
    }
    return absl::OkStatus();
  }

  // xtrabackup_checkpoints that cannot be parsed is not a backup prepare can work on (exit 4),
  // not damaged redo.
  absl::StatusOr<XtrabackupCheckpoints> ReadCheckpoints() {
    absl::StatusOr<XtrabackupCheckpoints> cp = ReadXtrabackupCheckpoints(fs_, o_.target_dir);
    if (absl::IsDataLoss(cp.status())) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s: not a backup tidemark can prepare", cp.status().message()));
    }
    return cp;
  }

  absl::Status Recover() {
    TM_ASSIGN_OR_RETURN(PrepareSpaces spaces, PrepareSpaces::Discover(fs_, o_.target_dir));
    spaces_ = std::make_unique<PrepareSpaces>(std::move(spaces));
    TM_RETURN_IF_ERROR(spaces_->Resolve(scan_->survey(), *scan_, env_.on_note));
    TM_RETURN_IF_ERROR(tail_->Check(*spaces_, scan_->survey()));
    tail_.reset();
    TM_ASSIGN_OR_RETURN(result_.files_resized,
                        spaces_->ApplySizes(fs_, o_.target_dir, scan_->survey()));
    return ApplyBatches();
  }

  // The tablespaces before the DDL markers are resolved: system and undo tablespaces (which
  // markers never touch) configure the scan; the sizes of all of them bound TailPages.
  absl::StatusOr<innodb::RecoveryScanConfig> ScanConfig() {
    TM_ASSIGN_OR_RETURN(PrepareSpaces before, PrepareSpaces::Discover(fs_, o_.target_dir));
    innodb::RecoveryScanConfig config{.checkpoint = reader_->head().checkpoint};
    std::tie(config.undo_first, config.undo_count) = before.UndoRange();
    config.logical_page_size = before.logical_page_size();
    tail_ = std::make_unique<TailPages>(before.PageCounts());
    return config;
  }

  absl::Status Survey(const XtrabackupCheckpoints& cp) {
    TM_ASSIGN_OR_RETURN(reader_, BackupLogReader::Open(fs_, LogDir()));
    TM_ASSIGN_OR_RETURN(innodb::RecoveryScanConfig config, ScanConfig());
    scan_ = std::make_unique<innodb::RecoveryScan>(config);
    result_.checkpoint_lsn = config.checkpoint.checkpoint_lsn;
    SetPhase(PreparePhase::kScanning);
    const Lsn start = result_.checkpoint_lsn;
    TM_ASSIGN_OR_RETURN(LogStop stop,
                        reader_->ForEachMtr(start, Lsn(~uint64_t{0}), [&](const innodb::Mtr& m) -> absl::StatusOr<bool> {
                          TM_RETURN_IF_ERROR(scan_->Survey(m));
                          TM_RETURN_IF_ERROR(tail_->Add(m));
                          return true;
                        }));
    const std::string where = absl::StrFormat("the redo log stops at LSN %d (%s)",
                                              stop.lsn.value(), stop.Describe());
    TM_RETURN_IF_ERROR(Annotate(scan_->FinishSurvey(stop.lsn), kLogFileName));
    result_.end_lsn = stop.lsn;
    progress_.start_lsn = progress_.lsn = start;
    progress_.end_lsn = stop.lsn;
    if (stop.lsn < cp.to_lsn) {
      return absl::DataLossError(absl::StrFormat(
          "%s: the log can only be applied up to LSN %d, instead of to_lsn %d: %s", kLogFileName,
          stop.lsn.value(), cp.to_lsn.value(), where));
    }
    if (cp.last_lsn != Lsn(0) && stop.lsn < cp.last_lsn) {
      return absl::DataLossError(absl::StrFormat(
          "%s: %s, before last_lsn %d recorded in xtrabackup_checkpoints", kLogFileName, where,
          cp.last_lsn.value()));
    }
    if (!stop.end_of_file) Note(absl::StrFormat("%s, before the end of the file", where));
    return absl::OkStatus();
  }

  uint64_t BatchBudget(const ApplyOptions& apply) const {
    if (o_.batch_bytes != 0) return o_.batch_bytes;
    // What the store and the page groups do not account for: the 8 MiB log chunk, thread
    // stacks, the binary, and malloc's own overhead (measured at about a tenth of the total).
    // Only for budgets of 64 MiB and more: below that the store's 1 MiB arena chunks
    // dominate, and a reserve would leave batches of a single mtr.
    const uint64_t untracked = o_.use_memory >= (uint64_t{64} << 20)
                                   ? (uint64_t{24} << 20) + o_.use_memory / 8
                                   : 0;
    const uint64_t fixed = apply.group_bytes + scan_->survey_bytes() + untracked;
    return std::max(kMinBatchBytes, o_.use_memory > fixed ? o_.use_memory - fixed : 0);
  }

  absl::Status ApplyBatches() {
    ApplyOptions apply{.parallel = o_.parallel,
                       .group_bytes = std::max<size_t>(o_.use_memory / 4, 64 << 10),
                       .journal = o_.journal};
    const uint64_t budget = BatchBudget(apply);
    innodb::PageLogStore store;
    for (Lsn from = result_.checkpoint_lsn; from < result_.end_lsn;) {
      store.Clear();
      TM_ASSIGN_OR_RETURN(LogStop stop, reader_->ForEachMtr(from, result_.end_lsn,
                                                            [&](const innodb::Mtr& m) -> absl::StatusOr<bool> {
                                                              TM_RETURN_IF_ERROR(scan_->Store(m, store));
                                                              return store.bytes() < budget;
                                                            }));
      if (!stop.by_caller && !stop.at_limit) {
        return absl::DataLossError(absl::StrFormat(
            "ib_logfile0 changed while being prepared: it now stops at LSN %d (%s), before LSN %d",
            stop.lsn.value(), stop.Describe(), result_.end_lsn.value()));
      }
      ++result_.batches;
      progress_.batch = result_.batches;
      progress_.batch_pages = store.page_count();
      progress_.batch_pages_done = 0;
      SetPhase(PreparePhase::kApplying);
      TM_RETURN_IF_ERROR(ApplyBatch(fs_, o_.target_dir, *spaces_, store, apply, result_.stats,
                                    [&](uint64_t done) {
                                      progress_.batch_pages_done = done;
                                      progress_.pages_written = result_.stats.pages_written;
                                      if (env_.on_progress) env_.on_progress(progress_);
                                    }));
      from = stop.lsn;
      progress_.lsn = from;
    }
    return absl::OkStatus();
  }

  // The fresh log, then the binlog position InnoDB recorded.
  absl::Status WriteLogAndBinlog(const XtrabackupCheckpoints& cp) {
    SetPhase(PreparePhase::kFinishing);
    const std::string creator = PreparedLogCreator(reader_->head().header, ServerVersion());
    const std::vector<uint8_t> log = BuildPreparedLog(result_.end_lsn, creator);
    reader_.reset();
    TM_RETURN_IF_ERROR(ReplaceFileAtomically(fs_, o_.target_dir, kLogFileName, log));
    DeriveBinlogPosition();
    const std::string pos = absl::StrFormat("%s\t%d\n", result_.binlog_file, result_.binlog_offset);
    TM_RETURN_IF_ERROR(ReplaceFileAtomically(fs_, o_.target_dir, kBinlogPosInnodbName, AsBytes(pos)));
    if (cp.recover_binlog_info) {
      TM_RETURN_IF_ERROR(
          ReplaceFileAtomically(fs_, o_.target_dir, kXtrabackupBinlogInfoName, AsBytes(pos)));
    }
    return absl::OkStatus();
  }

  // xtrabackup_checkpoints (log-applied) and the chain: open for incrementals with
  // --apply-log-only, closed otherwise.
  absl::Status WriteCheckpointsAndChain(const XtrabackupCheckpoints& cp, BackupChain chain) {
    XtrabackupCheckpoints done = cp;
    done.backup_type = BackupType::kLogApplied;
    TM_RETURN_IF_ERROR(ReplaceFileAtomically(fs_, o_.target_dir, kXtrabackupCheckpointsName,
                                             AsBytes(FormatXtrabackupCheckpoints(done))));
    chain.closed = !o_.apply_log_only;
    result_.chain_closed = chain.closed;
    return WriteChain(fs_, o_.target_dir, chain);
  }

  absl::Status Finish(const XtrabackupCheckpoints& cp) {
    TM_RETURN_IF_ERROR(WriteLogAndBinlog(cp));
    TM_ASSIGN_OR_RETURN(BackupChain chain, ReadChain(fs_, o_.target_dir, cp));
    return WriteCheckpointsAndChain(cp, std::move(chain));
  }

  const std::string& LogDir() const {
    return o_.incremental_dir.empty() ? o_.target_dir : inc_src_;
  }

  // The incremental an interrupted prepare was applying (kIncrementalStateName), if any.
  absl::StatusOr<std::optional<std::string>> PendingIncremental() {
    absl::StatusOr<std::string> text =
        io::ReadFileToString(fs_, io::JoinPath(o_.target_dir, kIncrementalStateName));
    if (absl::IsNotFound(text.status())) return std::nullopt;
    TM_RETURN_IF_ERROR(text.status());
    const size_t nl = text->find('\n');
    if (text->rfind("incremental-dir\t", 0) != 0 || nl == std::string::npos) {
      return absl::DataLossError(absl::StrFormat("'%s': unexpected contents", kIncrementalStateName));
    }
    return text->substr(16, nl - 16);
  }

  absl::StatusOr<PrepareResult> RunIncremental(const XtrabackupCheckpoints& full_cp,
                                               const std::optional<std::string>& pending);
  absl::StatusOr<PrepareResult> ApplyIncremental(const XtrabackupCheckpoints& full_cp,
                                                 const std::optional<std::string>& pending);

  std::string ServerVersion() {
    auto text = io::ReadFileToString(fs_, io::JoinPath(LogDir(), kXtrabackupInfoName));
    if (!text.ok()) return "";
    auto info = ParseXtrabackupInfo(*text);
    return info.ok() ? info->server_version : "";
  }

  absl::StatusOr<std::vector<uint8_t>> ReadPage(SpaceId id, uint32_t page_no) {
    const PrepareSpace* s = spaces_->Find(id);
    if (s == nullptr) return absl::NotFoundError(absl::StrFormat("no tablespace %d", id.value()));
    const auto [file, offset] = s->Locate(page_no);
    TM_ASSIGN_OR_RETURN(auto f, fs_.OpenForRead(io::JoinPath(o_.target_dir, s->files[file])));
    std::vector<uint8_t> page(s->physical());
    TM_ASSIGN_OR_RETURN(size_t n, f->ReadAt(offset, page));
    if (n < page.size()) return absl::NotFoundError("page past the end of the file");
    return page;
  }

  void DeriveBinlogPosition() {
    absl::Status s = ReadBinlogPosition();
    if (!s.ok()) {
      Note(absl::StrFormat("binlog position recorded by InnoDB is unknown: %s", s.message()));
      result_.binlog_file.clear();
      result_.binlog_offset = 0;
    }
  }

  // trx_rseg_array_init / trx_rseg_mem_restore (trx0rseg.cc): the legacy TRX_SYS binlog
  // info, then every rollback segment header's, the greatest file name winning.
  absl::Status ReadBinlogPosition();

  const PrepareOptions& o_;
  PrepareEnv& env_;
  io::FileSystem& fs_;
  PrepareProgress progress_;
  bool phase_noted_ = false;
  PrepareResult result_;
  std::unique_ptr<BackupLogReader> reader_;
  std::unique_ptr<PrepareSpaces> spaces_;
  std::unique_ptr<innodb::RecoveryScan> scan_;
  std::unique_ptr<TailPages> tail_;  // from the survey until Recover checked it
  std::string inc_src_;  // where INC's files are read: INC, or its decoded scratch copy
  std::string scratch_;  // the scratch copy, when INC is encoded
};

absl::StatusOr<PrepareResult> PrepareJob::RunIncremental(const XtrabackupCheckpoints& full_cp,
                                                         const std::optional<std::string>& pending) {
  const std::string& inc = o_.incremental_dir;
  result_.incremental = true;
  if (pending && inc.empty()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s': an interrupted prepare was applying the incremental backup '%s': rerun it with "
        "--incremental-dir %s",
        o_.target_dir, *pending, *pending));
  }
  if (pending && *pending != inc) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s': an interrupted prepare was applying the incremental backup '%s', not '%s': "
        "finish that one first (--incremental-dir %s)",
        o_.target_dir, *pending, inc, *pending));
  }
  TM_RETURN_IF_ERROR(Annotate(fs_.Stat(inc).status(), "incremental directory"));
  absl::StatusOr<std::string> src = IncrementalSource();
  if (src.ok()) inc_src_ = *src;
  absl::StatusOr<PrepareResult> r = src.ok() ? ApplyIncremental(full_cp, pending)
                                             : absl::StatusOr<PrepareResult>(src.status());
  if (!scratch_.empty() && fs_.Stat(scratch_).ok()) {
    absl::Status removed = RemoveTree(fs_, scratch_);
    if (!removed.ok()) {
      Note(absl::StrFormat("could not remove the scratch copy '%s': %s", scratch_,
                           removed.message()));
    }
  }
  return r;
}

// RunIncremental, with INC's files read from inc_src_.
absl::StatusOr<PrepareResult> PrepareJob::ApplyIncremental(
    const XtrabackupCheckpoints& full_cp, const std::optional<std::string>& pending) {
  const std::string& inc = o_.incremental_dir;
  const std::string& src = inc_src_;
  absl::StatusOr<XtrabackupCheckpoints> inc_cp = ReadXtrabackupCheckpoints(fs_, src);
  if (absl::IsDataLoss(inc_cp.status()) || absl::IsNotFound(inc_cp.status())) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: '%s' is not a backup tidemark can apply", inc_cp.status().message(), inc));
  }
  TM_RETURN_IF_ERROR(inc_cp.status());
  TM_ASSIGN_OR_RETURN(BackupChain chain, ReadChain(fs_, o_.target_dir, full_cp));
  const BackupIdentity id = ReadBackupIdentity(fs_, src);
  if (pending) {
    result_.resumed = true;
    Note(absl::StrFormat("an interrupted prepare was applying '%s': applying it again", inc));
    // The file steps of the interrupted run first, so that planning sees them done.
    TM_RETURN_IF_ERROR(ResolveDdlMarkers(fs_, o_.target_dir).status());
  } else {
    TM_RETURN_IF_ERROR(CheckChain(o_.target_dir, full_cp, chain, inc, *inc_cp, id));
  }
  // Everything is read and checked before the first byte of the full backup changes: INC's
  // deltas and metadata, and its redo log from end to end.
  TM_ASSIGN_OR_RETURN(IncrementalPlan plan, PlanIncremental(fs_, o_.target_dir, src, *inc_cp,
                                                                   pending.has_value()));
  TM_RETURN_IF_ERROR(Survey(*inc_cp));
  reader_.reset();
  scan_.reset();
  tail_.reset();
  if (!pending) {
    // The chain as it is before this incremental, kept for a rerun (which cannot rebuild it
    // from xtrabackup_checkpoints once that has the incremental's LSNs).
    TM_RETURN_IF_ERROR(WriteChain(fs_, o_.target_dir, chain));
    const std::string state = absl::StrFormat("incremental-dir\t%s\nfrom_lsn\t%d\nto_lsn\t%d\n", inc,
                                              inc_cp->from_lsn.value(), inc_cp->to_lsn.value());
    TM_RETURN_IF_ERROR(
        ReplaceFileAtomically(fs_, o_.target_dir, kIncrementalStateName, AsBytes(state)));
  }
  SetPhase(PreparePhase::kDdl);
  TM_RETURN_IF_ERROR(RunDdlPlan(fs_, o_.target_dir, plan.steps));
  result_.ddl_steps = plan.steps.size();
  SetPhase(PreparePhase::kDeltas);
  TM_RETURN_IF_ERROR(ApplyDeltas(fs_, o_.target_dir, plan, o_.parallel, [&](uint64_t pages) {
    progress_.pages_written = pages;
    if (env_.on_progress) env_.on_progress(progress_);
  }));
  result_.delta_files = plan.deltas.size();
  result_.delta_pages = plan.delta_pages;
  // The incremental's redo, applied to the files as the deltas left them.
  TM_RETURN_IF_ERROR(Survey(*inc_cp));
  TM_RETURN_IF_ERROR(Recover());
  XtrabackupCheckpoints cp = full_cp;
  TM_RETURN_IF_ERROR(WriteLogAndBinlog(cp));
  TM_RETURN_IF_ERROR(ReplaceNonInnodbFiles(fs_, o_.target_dir, src));
  if (cp.to_lsn < inc_cp->to_lsn) {
    cp.to_lsn = inc_cp->to_lsn;
    cp.last_lsn = inc_cp->last_lsn;
  }
  if (!pending || chain.links.empty() || chain.links.back().to_lsn != inc_cp->to_lsn) {
    chain.links.push_back({.incremental = true,
                           .uuid = id.uuid,
                           .base_uuid = id.base_uuid,
                           .from_lsn = inc_cp->from_lsn,
                           .to_lsn = inc_cp->to_lsn,
                           .last_lsn = inc_cp->last_lsn});
  }
  TM_RETURN_IF_ERROR(WriteCheckpointsAndChain(cp, std::move(chain)));
  TM_RETURN_IF_ERROR(fs_.RemoveFile(io::JoinPath(o_.target_dir, kIncrementalStateName)));
  TM_RETURN_IF_ERROR(fs_.SyncDir(o_.target_dir));
  SetPhase(PreparePhase::kDone);
  return result_;
}

absl::Status PrepareJob::ReadBinlogPosition() {
  constexpr size_t kTrxSys = 38, kRsegs = 18, kSlot = 8, kNRsegs = 128;
  constexpr uint32_t kLegacyMagic = 873422344;
  constexpr size_t kNameLen = 512;
  TM_ASSIGN_OR_RETURN(std::vector<uint8_t> sys, ReadPage(SpaceId(0), 5));
  const size_t page_size = sys.size();
  std::string file;
  uint64_t offset = 0;
  bool legacy = false;
  const size_t legacy_at = kTrxSys + page_size - 1000;
  if (legacy_at + 12 + kNameLen <= page_size && ReadBe32(sys, legacy_at) == kLegacyMagic) {
    const char* name = reinterpret_cast<const char*>(sys.data() + legacy_at + 12);
    file.assign(name, strnlen(name, kNameLen));
    offset = ReadBe64(sys, legacy_at + 4);
    legacy = true;
  }
  const size_t max_trx_id = 34 + page_size / 16 * 4;  // TRX_RSEG_MAX_TRX_ID
  for (size_t i = 0; i < kNRsegs; ++i) {
    const uint32_t space = ReadBe32(sys, kTrxSys + kRsegs + i * kSlot);
    const uint32_t page_no = ReadBe32(sys, kTrxSys + kRsegs + i * kSlot + 4);
    if (page_no == kFilNull) continue;
    TM_ASSIGN_OR_RETURN(std::vector<uint8_t> rseg, ReadPage(SpaceId(space), page_no));
    if (rseg.size() < kTrxSys + max_trx_id + 16 + kNameLen || ReadBe32(rseg, kTrxSys) != 0) continue;
    const char* name = reinterpret_cast<const char*>(rseg.data() + kTrxSys + max_trx_id + 16);
    const std::string rname(name, strnlen(name, kNameLen));
    if (rname.empty()) continue;
    const int cmp = !file.empty() && !legacy ? rname.compare(file) : 1;
    if (cmp < 0) continue;
    const uint64_t roff = ReadBe64(rseg, kTrxSys + max_trx_id + 8);
    if (cmp > 0) {
      file = rname;
      offset = roff;
    } else {
      offset = std::max(offset, roff);
    }
    legacy = false;
  }
  result_.binlog_file = file;
  result_.binlog_offset = offset;
  return absl::OkStatus();
}

}  // namespace

std::string_view PreparePhaseName(PreparePhase phase) {
  switch (phase) {
    case PreparePhase::kRecovering: return "recovering";
    case PreparePhase::kDdl: return "ddl";
    case PreparePhase::kScanning: return "scanning";
    case PreparePhase::kApplying: return "applying";
    case PreparePhase::kFinishing: return "finishing";
    case PreparePhase::kDone: return "done";
    case PreparePhase::kDeltas: return "deltas";
    case PreparePhase::kDecoding: return "decoding";
  }
  return "unknown";
}

absl::StatusOr<PrepareResult> RunPrepare(const PrepareOptions& options, PrepareEnv& env) {
  PrepareJob job(options, env);
  return job.Run();
}

}  // namespace tidemark::engine
