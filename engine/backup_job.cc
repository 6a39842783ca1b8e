// The backup job (see header). One object per run; the steps follow the BACKUP STAGE
// sequence. Files are written through BackupTarget, whose manifest marks completion.
#include "engine/backup_job.h"

#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/backup_metadata.h"
#include "engine/backup_records.h"
#include "engine/backup_target.h"
#include "engine/changed_pages.h"
#include "engine/data_file_path.h"
#include "engine/ddl_tracker.h"
#include "engine/delta_file.h"
#include "engine/non_innodb_files.h"
#include "engine/page_tracking.h"
#include "engine/redo_copier.h"
#include "engine/redo_page_collector.h"
#include "engine/redo_probe.h"
#include "engine/tablespace_copier.h"
#include "engine/tablespace_delta.h"
#include "engine/tablespace_finder.h"
#include "engine/text_format.h"
#include "engine/version.h"
#include "engine/xbstream.h"
#include "innodb/base/status.h"
#include "innodb/redo/log_file.h"

namespace tidemark::engine {

bool IsRedoModeUnavailable(const absl::Status& status) {
  return !status.ok() && absl::StartsWith(status.message(), kRedoModeUnavailable);
}

std::string_view BackupPhaseName(BackupPhase phase) {
  static constexpr std::string_view kNames[] = {"starting",     "copying innodb", "block ddl",
                                                "block commit", "finishing",      "done"};
  return kNames[static_cast<int>(phase)];
}

namespace {

std::string RandomUuid() {
  std::random_device rd;
  std::uniform_int_distribution<uint32_t> d;
  uint32_t w[4] = {d(rd), d(rd), d(rd), d(rd)};
  w[1] = (w[1] & 0xffff0fff) | 0x4000;      // version 4
  w[2] = (w[2] & 0x3fffffff) | 0x80000000;  // variant 1
  return absl::StrFormat("%08x-%04x-%04x-%04x-%04x%08x", w[0], w[1] >> 16, w[1] & 0xffff,
                         w[2] >> 16, w[2] & 0xffff, w[3]);
}

// "10.11.19-MariaDB-0+deb12u1-log" -> "10.11.19": the creator string of the copied log.
// The manifest's options.compression: "none" or "zstd:LEVEL".
std::string CompressionName(const std::optional<io::ZstdOptions>& compress) {
  return compress ? absl::StrFormat("zstd:%d", compress->level) : "none";
}

std::string ShortVersion(std::string_view v) { return std::string(v.substr(0, v.find('-'))); }

std::string Basename(std::string_view p) {
  const size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

std::string StripDir(const std::string& path, const std::string& dir) {
  std::string d = dir;
  if (!d.empty() && d.back() != '/') d += '/';
  return path.compare(0, d.size(), d) == 0 ? path.substr(d.size()) : BackupRelativeIbdPath(path);
}

// Copies a whole non-InnoDB file. A file that vanished (a dropped table) is skipped.
absl::Status CopyPlainFile(io::FileSystem& fs, BackupTarget& target, const std::string& source,
                           const std::string& relpath, FileKind kind) {
  auto in = fs.OpenForRead(source, io::ReadOptions{});
  if (absl::IsNotFound(in.status())) return absl::OkStatus();
  if (!in.ok()) return in.status();
  TM_ASSIGN_OR_RETURN(auto out, target.OpenFile(relpath, kind));
  std::vector<uint8_t> buf(size_t{1} << 20);
  for (uint64_t off = 0;;) {
    TM_ASSIGN_OR_RETURN(size_t n, (*in)->ReadAt(off, buf));
    if (n == 0) break;
    TM_RETURN_IF_ERROR(out->Append(ByteSpan(buf.data(), n)));
    off += n;
  }
  return out->Close();
}

// The newest checkpoint LSN in the server's log head.
absl::StatusOr<Lsn> ReadServerCheckpoint(io::FileSystem& fs, const std::string& log_path) {
  TM_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(log_path));
  std::vector<uint8_t> head(innodb::kLogStartOffset);
  TM_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, head));
  if (n < head.size()) {
    return absl::DataLossError(absl::StrFormat("redo log '%s' is shorter than its header", log_path));
  }
  TM_ASSIGN_OR_RETURN(innodb::LogFileHead h, innodb::ParseLogFileHead(head));
  return h.checkpoint.checkpoint_lsn;
}

// A tablespace file in the backup, recorded in the manifest with its space id and page size.
absl::StatusOr<std::unique_ptr<io::WritableFile>> OpenTablespaceOutput(
    BackupTarget& target, const std::string& relpath, const innodb::FspHeader& h) {
  TM_ASSIGN_OR_RETURN(auto f, target.OpenFile(relpath, FileKind::kInnodbTablespace,
                                              TablespaceFileInfo{.space_id = h.space_id.value(),
                                                                 .page_size = h.flags.page_size.physical()}));
  return std::unique_ptr<io::WritableFile>(std::move(f));
}

// The .meta, then the .delta of one data file of an incremental (wf_incremental_init writes
// the meta first). zip_size is the compressed page size, 0 for other tablespaces.
absl::StatusOr<std::unique_ptr<io::WritableFile>> OpenDeltaOutput(
    BackupTarget& target, const std::string& relpath, const innodb::FspHeader& h) {
  const PageSize size = h.flags.page_size;
  const DeltaMeta meta{.page_size = size.physical(),
                       .zip_size = size.is_compressed() ? size.physical() : 0,
                       .space_id = h.space_id.value()};
  TM_RETURN_IF_ERROR(target.WriteSmallFile(absl::StrFormat("%s%s", relpath, kDeltaMetaSuffix),
                                           FormatDeltaMeta(meta), FileKind::kMetadata));
  TM_ASSIGN_OR_RETURN(auto f, target.OpenFile(absl::StrFormat("%s%s", relpath, kDeltaSuffix),
                                              FileKind::kInnodbDelta,
                                              TablespaceFileInfo{.space_id = h.space_id.value(),
                                                                 .page_size = size.physical()}));
  return std::unique_ptr<io::WritableFile>(std::move(f));
}

struct InnodbItem {
  TablespaceTarget target;
  std::vector<std::string> backup_paths;  // one per file
  std::optional<SpaceId> space;           // read from page 0 at listing time
  uint64_t bytes = 0;
};

}  // namespace

class BackupJob {
 public:
  BackupJob(const BackupJobOptions& o, BackupEnv& env) : o_(o), env_(env) {}
  absl::StatusOr<BackupResult> Run();

 private:
  absl::Status Connect();
  absl::Status CheckBase();
  absl::Status StartRedoCopy();
  absl::Status FindChangedPages();
  absl::StatusOr<ChangedPages> ChangedPagesFromRedo(Lsn from, Lsn to);
  absl::Status ListInnodb();
  absl::Status CopyInnodb();
  absl::Status CopyItem(const InnodbItem& item);
  // Copies one tablespace as a whole file (full backups, .new files) or, in an incremental,
  // as deltas unless `whole`.
  absl::StatusOr<SpaceId> CopyTarget(const TablespaceTarget& t, const PageReadOptions& read,
                                     const std::vector<std::string>& relpaths, bool whole);
  absl::Status AtBlockDdl();
  absl::Status AtBlockCommit();
  absl::Status WriteMetadata();
  absl::Status WriteExtraLsnDir(const Manifest& manifest, const std::string& info);
  absl::Status CopyNonInnodb(CopyStage stage);
  absl::Status CopyNow(const std::string& server_name, const std::string& relpath, bool whole);
  absl::Status WaitForServerLsn();
  void SetPhase(BackupPhase p);
  void Note(std::string_view s) const {
    if (env_.on_note) env_.on_note(s);
  }
  void ReportLoop(std::stop_token stop);
  void WatchLockSession();
  absl::Status LockLostStatus();

  const BackupJobOptions& o_;
  BackupEnv& env_;
  std::unique_ptr<SqlSession> sql_, lock_, probe_;
  // Used only by the report thread: notices within a second that the session holding the
  // backup stage is gone (killed, timed out), instead of at the next BACKUP STAGE statement.
  std::unique_ptr<SqlSession> watch_;
  uint64_t lock_connection_id_ = 0;
  ServerInfo info_;
  std::unique_ptr<BackupTarget> target_;
  std::unique_ptr<io::HashingWritableFile> redo_out_;
  std::unique_ptr<RedoCopier> copier_;
  DdlTracker ddl_;
  std::vector<InnodbItem> items_;
  std::unique_ptr<Throttle> throttle_;
  std::atomic<uint64_t> bytes_done_{0};
  std::atomic<uint64_t> pages_scanned_{0}, pages_changed_{0};  // incremental
  std::atomic<uint64_t> spaces_listed_{0};  // redo mode: tablespaces read by the list
  // Redo mode: the pages changed in [base LSN, start_lsn), from the redo log.
  std::optional<ChangedPages> changed_;
  std::atomic<bool> cancel_{false};  // the redo copier failed or the lock is lost: stop
  uint64_t bytes_total_ = 0;
  std::atomic<int> phase_{0};
  absl::Mutex mu_;
  std::vector<SpaceId> vanished_ ABSL_GUARDED_BY(mu_);  // listed, gone before copied
  absl::Status lock_lost_ ABSL_GUARDED_BY(mu_);
  std::optional<NonInnodbListing> non_innodb_;
  BackupResult result_;
  absl::Time start_time_, commit_blocked_;
};

absl::StatusOr<BackupResult> BackupJob::Run() {
  start_time_ = env_.clock.Now();
  result_.backup_uuid = RandomUuid();
  if (o_.incremental) {
    TM_ASSIGN_OR_RETURN(result_.base, ResolveIncrementalBase(env_.fs, *o_.incremental));
  }
  TM_RETURN_IF_ERROR(Connect());
  TM_RETURN_IF_ERROR(CheckBase());
  BackupTargetOptions target_options{.sync_files = o_.sync_files,
                                     .compress = o_.compress,
                                     .encrypt_key = o_.encrypt_key};
  if (o_.stream != nullptr) {
    target_ = BackupTarget::CreateStream(*o_.stream, o_.stream_name, target_options);
  } else {
    TM_ASSIGN_OR_RETURN(target_, BackupTarget::Create(env_.fs, o_.target_dir, target_options));
  }
  throttle_ = std::make_unique<Throttle>(env_.clock, o_.throttle_bytes_per_second);
  std::jthread reporter;
  absl::Status s = [&]() -> absl::Status {
    TM_RETURN_IF_ERROR(StartRedoCopy());
    TM_RETURN_IF_ERROR(FindChangedPages());
    TM_RETURN_IF_ERROR(ListInnodb());
    reporter = std::jthread([this](std::stop_token st) { ReportLoop(st); });
    TM_RETURN_IF_ERROR(EnterBackupStage(*lock_, BackupStage::kStart));
    SetPhase(BackupPhase::kCopyingInnodb);
    absl::Status copied = CopyInnodb();
    if (cancel_ && !copier_->status().ok()) return copier_->status();  // the real reason
    TM_RETURN_IF_ERROR(LockLostStatus());
    TM_RETURN_IF_ERROR(copied);
    TM_RETURN_IF_ERROR(EnterBackupStage(*lock_, BackupStage::kFlush));
    TM_RETURN_IF_ERROR(EnterBackupStage(*lock_, BackupStage::kBlockDdl));
    SetPhase(BackupPhase::kBlockDdl);
    TM_RETURN_IF_ERROR(AtBlockDdl());
    TM_RETURN_IF_ERROR(EnterBackupStage(*lock_, BackupStage::kBlockCommit));
    commit_blocked_ = env_.clock.Now();
    SetPhase(BackupPhase::kBlockCommit);
    TM_RETURN_IF_ERROR(AtBlockCommit());
    TM_RETURN_IF_ERROR(EnterBackupStage(*lock_, BackupStage::kEnd));
    result_.lock_time = env_.clock.Now() - commit_blocked_;
    SetPhase(BackupPhase::kFinishing);
    TM_RETURN_IF_ERROR(WriteMetadata());
    SetPhase(BackupPhase::kDone);
    return absl::OkStatus();
  }();
  if (!s.ok()) {
    if (copier_) auto ignored = copier_->Stop();
    lock_.reset();  // closing the session ends its BACKUP STAGE and releases the server
    target_->Abandon();
    redo_out_.reset();
    return s;
  }
  return result_;
}

absl::Status BackupJob::Connect() {
  TM_ASSIGN_OR_RETURN(sql_, env_.sql.Connect({}));
  TM_ASSIGN_OR_RETURN(info_, ReadServerInfo(*sql_));
  TM_RETURN_IF_ERROR(CheckBackupPrivileges(*sql_, info_, {.checkpoint_now = o_.checkpoint_now}));
  TM_ASSIGN_OR_RETURN(lock_, env_.sql.Connect({.lock_wait_timeout = kBackupLockWaitTimeout}));
  TM_ASSIGN_OR_RETURN(probe_, env_.sql.Connect({}));
  TM_ASSIGN_OR_RETURN(watch_, env_.sql.Connect({}));
  TM_ASSIGN_OR_RETURN(lock_connection_id_, ConnectionId(*lock_));
  if (o_.checkpoint_now) TM_RETURN_IF_ERROR(SetCheckpointNow(*sql_));
  return absl::OkStatus();
}

// Before anything is written: a base from another server's history is refused.
absl::Status BackupJob::CheckBase() {
  if (!result_.base) return absl::OkStatus();
  TM_ASSIGN_OR_RETURN(Lsn server_lsn, CurrentLsn(*sql_));
  TM_RETURN_IF_ERROR(CheckBaseAgainstServer(*result_.base, server_lsn));
  const IncrementalBase& b = *result_.base;
  Note(absl::StrFormat("incremental backup (%s mode) of the pages changed after LSN %d%s%s",
                       IncrementalModeName(b.mode), b.lsn.value(),
                       b.basedir.empty() ? "" : absl::StrFormat(", base '%s'", b.basedir),
                       b.backup_uuid.empty() ? "" : absl::StrFormat(" (%s)", b.backup_uuid)));
  return absl::OkStatus();
}

absl::Status BackupJob::StartRedoCopy() {
  const std::string log_path = info_.ResolvedLogGroupHomeDir() + "ib_logfile0";
  TM_ASSIGN_OR_RETURN(redo_out_, target_->OpenFile("ib_logfile0", FileKind::kRedo));
  RedoCopierOptions ro;
  ro.backup_version = ShortVersion(info_.version.text);
  // The flushed LSN bounds what may be copied (a torn tail block can hold stale mtrs that
  // look valid: MDEV-39468); the current LSN measures the lag and proves an overrun.
  ro.server_log = [this] { return ReadServerLogPosition(*probe_); };
  ro.on_failure = [this](const absl::Status&) { cancel_ = true; };
  ro.on_event = [this](const RedoEvent& e) { ddl_.OnRedoEvent(e); };
  ro.on_lag_warning = [this](const RedoCopyProgress& p) {
    Note(absl::StrFormat("redo copy lags the server by %.0f%% of the log capacity",
                         p.lag_fraction * 100));
  };
  TM_ASSIGN_OR_RETURN(copier_, RedoCopier::Open(env_.fs, log_path, *redo_out_, env_.clock, ro));
  result_.start_lsn = copier_->start_lsn();
  TM_RETURN_IF_ERROR(copier_->CopyAvailable());
  return copier_->Start();
}

// Redo mode: every page changed from the base LSN B up to where the redo copy starts (C0)
// must be read from the data files; changes from C0 on are in the copied log. Done before
// the copy begins, while the server's log most likely still holds B.
absl::Status BackupJob::FindChangedPages() {
  if (!result_.base) return absl::OkStatus();
  const IncrementalBase& b = *result_.base;
  result_.mode = IncrementalMode::kScan;
  if (b.mode == IncrementalMode::kScan) return absl::OkStatus();
  const absl::Time t0 = env_.clock.Now();
  absl::StatusOr<ChangedPages> pages = ChangedPagesFromRedo(b.lsn, result_.start_lsn);
  if (!pages.ok()) {
    if (b.mode == IncrementalMode::kRedo) {
      return absl::Status(pages.status().code(),
                          absl::StrFormat("%s: %s; take a scan-mode incremental "
                                          "(--incremental-mode=scan) or a full backup",
                                          kRedoModeUnavailable, pages.status().message()));
    }
    result_.redo_fallback = std::string(pages.status().message());
    Note(absl::StrFormat("redo mode is not possible (%s): reading every page (scan mode)",
                         pages.status().message()));
    return absl::OkStatus();
  }
  pages->ShrinkToFit();
  result_.mode = IncrementalMode::kRedo;
  result_.pages_listed = pages->page_count();
  Note(absl::StrFormat(
      "redo mode: %d pages in %d tablespaces changed from LSN %d to %d (%s of page sets, "
      "found in %.1f s)",
      pages->page_count(), pages->space_count(), b.lsn.value(), result_.start_lsn.value(),
      HumanBytes(pages->memory_bytes()), absl::ToDoubleSeconds(env_.clock.Now() - t0)));
  changed_ = std::move(*pages);
  return absl::OkStatus();
}

absl::StatusOr<ChangedPages> BackupJob::ChangedPagesFromRedo(Lsn from, Lsn to) {
  if (to < from) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the base LSN %d is ahead of this backup's start checkpoint %d", from.value(),
        to.value()));
  }
  // A session of its own: the copier's probe runs on another thread.
  TM_ASSIGN_OR_RETURN(std::shared_ptr<SqlSession> session, env_.sql.Connect({}));
  RedoPageCollectorOptions collector{
      .server_log = [session] { return ReadServerLogPosition(*session); }};
  const std::string log_path = info_.ResolvedLogGroupHomeDir() + "ib_logfile0";
  const std::string& dir = result_.base->page_tracking_dir;
  absl::StatusOr<ChangedPages> live =
      CollectChangedPages(env_.fs, env_.clock, log_path, from, {.collector = collector, .to_lsn = to});
  // The live log, while it holds B, gives exactly [B, C0); page-set files are taken whole, and
  // the one that straddles B can flag tablespaces created before B, which are then read whole.
  if (dir.empty() || live.ok() || !absl::IsFailedPrecondition(live.status())) return live;
  TM_ASSIGN_OR_RETURN(TrackedPages tracked,
                      LoadTrackedPages(env_.fs, env_.clock,
                                       {.tracking_dir = dir,
                                        .server_log_path = log_path,
                                        .from_lsn = from,
                                        .to_lsn = to,
                                        .collector = collector}));
  result_.tracking_files = tracked.files.size();
  Note(absl::StrFormat("page tracking: the live log no longer holds LSN %d (%s): %d page-set "
                       "file%s of '%s' from LSN %d%s",
                       from.value(), live.status().message(), tracked.files.size(),
                       tracked.files.size() == 1 ? "" : "s", dir,
                       tracked.pages.from_lsn().value(),
                       tracked.used_live_log
                           ? absl::StrFormat(", then the live log from LSN %d",
                                             tracked.files_end.value())
                           : ""));
  return std::move(tracked.pages);
}

// The system tablespace's files from innodb_data_file_path, whatever their names.
absl::StatusOr<TablespaceTarget> SystemTablespace(const ServerInfo& info) {
  TM_ASSIGN_OR_RETURN(std::vector<DataFileSpec> specs,
                      ParseDataFilePath(info.innodb_data_file_path));
  TablespaceTarget sys{.kind = TablespaceKind::kSystem};
  for (const DataFileSpec& f : specs) {
    if (f.raw) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the system tablespace uses a raw partition ('%s'): not supported", f.name));
    }
    sys.files.push_back(f.name.starts_with("/") ? f.name
                                                : io::JoinPath(info.ResolvedDataHomeDir(), f.name));
  }
  sys.path = sys.files.front();
  return sys;
}

absl::Status BackupJob::ListInnodb() {
  std::vector<std::string> dirs = {info_.datadir};
  for (const std::string& d : {info_.ResolvedDataHomeDir(), info_.ResolvedUndoDirectory()}) {
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  }
  TM_ASSIGN_OR_RETURN(TablespaceTarget system, SystemTablespace(info_));
  std::vector<TablespaceTarget> listed = {system};
  for (size_t i = 0; i < dirs.size(); ++i) {
    auto found = FindTablespaces(env_.fs, {dirs[i]});
    if (!found.ok() && absl::IsNotFound(found.status())) continue;  // the system one is listed
    TM_RETURN_IF_ERROR(found.status());
    for (TablespaceTarget& t : *found) {
      // ibdataN files found by name are the system tablespace's, or strays it does not use.
      if (t.kind == TablespaceKind::kSystem) continue;
      if (std::find(system.files.begin(), system.files.end(), t.path) != system.files.end()) {
        continue;
      }
      if (i > 0 && t.kind == TablespaceKind::kFilePerTable) continue;
      listed.push_back(std::move(t));
    }
  }
  for (TablespaceTarget& t : listed) {
    InnodbItem item{.target = std::move(t)};
    for (const std::string& f : item.target.files) {
      const bool per_table = item.target.kind == TablespaceKind::kFilePerTable;
      item.backup_paths.push_back(per_table ? StripDir(f, info_.datadir) : Basename(f));
      if (auto st = env_.fs.Stat(f); st.ok()) item.bytes += st->size;
    }
    if (auto file = env_.fs.OpenForRead(item.target.files[0]); file.ok()) {
      if (auto h = ReadSpaceHeader(**file); h.ok()) item.space = h->space_id;
    }
    bytes_total_ += item.bytes;
    items_.push_back(std::move(item));
  }
  result_.tablespaces = items_.size();
  return absl::OkStatus();
}

absl::Status BackupJob::CopyInnodb() {
  std::atomic<size_t> next{0};
  absl::Mutex err_mu;
  absl::Status first_error;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < items_.size();) {
      absl::Status s = CopyItem(items_[i]);
      if (s.ok()) continue;
      absl::MutexLock lock(&err_mu);
      if (first_error.ok()) first_error = s;
      next = items_.size();  // stop the other workers
    }
  };
  {
    std::vector<std::jthread> workers;
    for (size_t i = 1; i < std::max<size_t>(1, o_.parallel); ++i) workers.emplace_back(work);
    work();
  }
  return first_error;
}

absl::StatusOr<SpaceId> BackupJob::CopyTarget(const TablespaceTarget& t,
                                              const PageReadOptions& read,
                                              const std::vector<std::string>& relpaths,
                                              bool whole) {
  if (whole || !result_.base) {
    OutputOpener open = [&](size_t i, const innodb::FspHeader& h) {
      return OpenTablespaceOutput(*target_, relpaths.at(i), h);
    };
    TM_ASSIGN_OR_RETURN(
        TablespaceCopyResult r,
        CopyTablespace(env_.fs, t, read, open, throttle_.get(), &bytes_done_, &cancel_));
    return r.space;
  }
  OutputOpener open = [&](size_t i, const innodb::FspHeader& h) {
    return OpenDeltaOutput(*target_, relpaths.at(i), h);
  };
  const DeltaCopyOptions delta{
      .base_lsn = result_.base->lsn,
      .changed = changed_ ? &*changed_ : nullptr,
      .base_spaces = result_.base->spaces ? &*result_.base->spaces : nullptr};
  TM_ASSIGN_OR_RETURN(DeltaCopyResult r, CopyTablespaceDelta(env_.fs, t, read, delta, open,
                                                             throttle_.get(), &bytes_done_,
                                                             &cancel_));
  spaces_listed_ += r.listed;
  if (r.every_page) {
    Note(absl::StrFormat("'%s': space %d is not in the base (or was re-created since): every "
                         "page written, whatever its LSN",
                         t.path, r.space.value()));
  }
  pages_scanned_ += r.pages_read;
  pages_changed_ += r.pages_written;
  return r.space;
}

absl::Status BackupJob::CopyItem(const InnodbItem& item) {
  auto r = CopyTarget(item.target, o_.read, item.backup_paths, /*whole=*/false);
  const bool per_table = item.target.kind == TablespaceKind::kFilePerTable;
  if (per_table && absl::IsNotFound(r.status())) {
    // Dropped or renamed after listing: resolved at BLOCK_DDL from the redo log.
    if (item.space) {
      absl::MutexLock lock(&mu_);
      vanished_.push_back(*item.space);
    }
    return absl::OkStatus();
  }
  if (per_table && IsPage0NotWritten(r.status())) {
    return absl::OkStatus();  // being created: its FILE_CREATE makes it a .new at BLOCK_DDL
  }
  TM_RETURN_IF_ERROR(r.status());
  if (per_table) ddl_.RecordCopied(*r, item.backup_paths[0]);
  return absl::OkStatus();
}

// The server's in-memory LSN, made durable in its log file, then copied.
absl::Status BackupJob::WaitForServerLsn() {
  TM_ASSIGN_OR_RETURN(Lsn lsn, CurrentLsn(*sql_));
  TM_RETURN_IF_ERROR(FlushEngineLogs(*sql_));
  return copier_->WaitFor(lsn, absl::Minutes(30));
}

// A tablespace copied under BLOCK_DDL: `whole` for a `.new` file (a whole copy even in an
// incremental: backup_fix_ddl copies them with wf_write_through), else as a backup_job
// item would be (a table renamed before its copy began).
absl::Status BackupJob::CopyNow(const std::string& server_name, const std::string& relpath,
                                bool whole) {
  const std::string source =
      server_name.substr(0, 2) == "./" ? info_.datadir + server_name.substr(2) : server_name;
  TablespaceTarget t{.path = source, .files = {source}, .kind = TablespaceKind::kFilePerTable};
  // DDL is blocked now: do not wait for an unwritten page 0 (its creation is in the copied
  // redo, so a raw copy is enough), and re-read failing pages without pausing.
  PageReadOptions read = o_.read;
  read.before_reread = nullptr;
  auto r = CopyTarget(t, read, {relpath}, whole);
  if (absl::IsNotFound(r.status())) return absl::OkStatus();
  if (whole && IsPage0NotWritten(r.status())) {
    // Created during the backup and page 0 not flushed yet: copy the file as it is; prepare
    // rebuilds page 0 from the FILE_CREATE/INIT_PAGE records in the copied redo log.
    return CopyPlainFile(env_.fs, *target_, source, relpath, FileKind::kInnodbTablespace);
  }
  return r.status();
}

absl::Status BackupJob::AtBlockDdl() {
  TM_RETURN_IF_ERROR(WaitForServerLsn());
  std::vector<SpaceId> vanished;
  {
    absl::MutexLock lock(&mu_);
    vanished = vanished_;
  }
  for (SpaceId space : vanished) {  // renamed before its copy began: copy it as it is now
    std::optional<std::string> name = ddl_.LiveName(space);
    if (!name) continue;
    TM_RETURN_IF_ERROR(CopyNow(*name, BackupRelativeIbdPath(*name), /*whole=*/false));
    ddl_.RecordCopied(space, BackupRelativeIbdPath(*name));
  }
  TM_ASSIGN_OR_RETURN(DdlFixes fixes, ddl_.Fixes());
  for (const DdlFixes::Marker& m : fixes.markers) {
    TM_RETURN_IF_ERROR(target_->WriteSmallFile(m.path, m.contents));
  }
  for (const DdlFixes::NewCopy& c : fixes.new_copies) {
    TM_RETURN_IF_ERROR(CopyNow(c.source, c.target, /*whole=*/true));
  }
  TM_ASSIGN_OR_RETURN(non_innodb_,
                      ListNonInnodbFiles(env_.fs, info_.datadir, info_.aria_log_dir_path));
  for (const std::string& db : non_innodb_->empty_databases) {
    TM_RETURN_IF_ERROR(target_->WriteSmallFile(db + "/db.opt", "", FileKind::kNonInnodb));
  }
  return CopyNonInnodb(CopyStage::kBlockDdl);
}

absl::Status BackupJob::CopyNonInnodb(CopyStage stage) {
  for (const NonInnodbFile& f : non_innodb_->files) {
    if (f.stage != stage) continue;
    TM_RETURN_IF_ERROR(CopyPlainFile(env_.fs, *target_, f.source, f.backup_path,
                                     FileKind::kNonInnodb));
  }
  return absl::OkStatus();
}

absl::Status BackupJob::AtBlockCommit() {
  if (info_.log_bin) {
    TM_ASSIGN_OR_RETURN(result_.binlog, ReadBinlogPosition(*sql_));
  }
  TM_ASSIGN_OR_RETURN(Lsn lsn, CurrentLsn(*sql_));
  TM_RETURN_IF_ERROR(FlushEngineLogs(*sql_));
  // to_lsn: the server's checkpoint now, the base of the next incremental (§5.6).
  TM_ASSIGN_OR_RETURN(Lsn checkpoint,
                      ReadServerCheckpoint(env_.fs, info_.ResolvedLogGroupHomeDir() + "ib_logfile0"));
  result_.to_lsn = std::max(result_.start_lsn, checkpoint);
  TM_RETURN_IF_ERROR(copier_->WaitFor(std::max(lsn, result_.to_lsn), absl::Minutes(30)));
  TM_ASSIGN_OR_RETURN(result_.last_lsn, copier_->Stop());
  result_.redo_bytes = result_.last_lsn.value() - result_.start_lsn.value();
  result_.max_redo_lag_fraction = copier_->Progress().max_lag_fraction;
  TM_RETURN_IF_ERROR(redo_out_->Close());
  TM_RETURN_IF_ERROR(CopyNonInnodb(CopyStage::kBlockCommit));
  TM_RETURN_IF_ERROR(target_->WriteSmallFile(
      "xtrabackup_checkpoints", FormatXtrabackupCheckpoints(CheckpointsRecord(result_))));
  if (result_.binlog) {
    TM_RETURN_IF_ERROR(target_->WriteSmallFile("xtrabackup_binlog_info",
                                               FormatXtrabackupBinlogInfo(*result_.binlog)));
  }
  return absl::OkStatus();
}

absl::Status BackupJob::WriteMetadata() {
  result_.innodb_bytes = bytes_done_.load();
  result_.pages_scanned = pages_scanned_.load();
  result_.pages_changed = pages_changed_.load();
  result_.spaces_listed = spaces_listed_.load();
  TM_RETURN_IF_ERROR(target_->WriteSmallFile("backup-my.cnf",
                                             FormatBackupMyCnf(BackupMyCnfFromServer(info_))));
  const BackupRecordContext context{.server_version = info_.version.text,
                                    .page_size = info_.innodb_page_size,
                                    .start_time = start_time_,
                                    .end_time = env_.clock.Now(),
                                    .command_line = o_.command_line,
                                    .parallel = static_cast<uint32_t>(o_.parallel),
                                    .compression = CompressionName(o_.compress),
                                    .encryption = o_.encrypt_key ? "aes-256-gcm" : "none",
                                    .stream = o_.stream != nullptr};
  const std::string info = FormatXtrabackupInfo(InfoRecord(result_, context));
  TM_RETURN_IF_ERROR(target_->WriteSmallFile("xtrabackup_info", info));
  Manifest manifest = ManifestRecord(result_, context);
  TM_RETURN_IF_ERROR(target_->Complete(manifest));
  if (o_.extra_lsndir.empty()) return absl::OkStatus();
  // The backup is complete; a failure here only loses the copy of its records.
  manifest.files = target_->Files();
  manifest.producer = std::string(ProducerString());
  return WriteExtraLsnDir(manifest, info);
}

absl::Status BackupJob::WriteExtraLsnDir(const Manifest& manifest, const std::string& info) {
  const std::string& dir = o_.extra_lsndir;
  absl::Status s = io::CreateDirs(env_.fs, dir, 0750);
  io::WriteOptions write;
  write.mode = 0640;
  if (s.ok()) {
    s = io::WriteStringToFile(env_.fs, io::JoinPath(dir, kXtrabackupCheckpointsName),
                              FormatXtrabackupCheckpoints(CheckpointsRecord(result_)), write);
  }
  if (s.ok()) s = io::WriteStringToFile(env_.fs, io::JoinPath(dir, kXtrabackupInfoName), info, write);
  if (s.ok()) s = WriteManifest(env_.fs, dir, manifest);
  if (!s.ok()) {
    return Annotate(s, absl::StrFormat("the backup is complete, but its records could not be "
                                       "copied to --extra-lsndir '%s'",
                                       dir));
  }
  return absl::OkStatus();
}

void BackupJob::SetPhase(BackupPhase p) {
  phase_ = static_cast<int>(p);
  Note(absl::StrFormat("phase: %s", BackupPhaseName(p)));
  if (env_.on_progress) env_.on_progress(BackupProgress{.phase = p, .bytes_total = bytes_total_,
                                                        .bytes_done = bytes_done_.load()});
}

absl::Status BackupJob::LockLostStatus() {
  absl::MutexLock l(&mu_);
  return lock_lost_;
}

void BackupJob::WatchLockSession() {
  if (LockLostStatus().ok() == false) return;
  absl::StatusOr<bool> alive = ConnectionAlive(*watch_, lock_connection_id_);
  absl::Status lost;
  if (!alive.ok()) {
    lost = absl::UnavailableError(absl::StrFormat(
        "lost the connection used to watch the backup lock: %s", alive.status().message()));
  } else if (!*alive) {
    lost = absl::UnavailableError(absl::StrFormat(
        "the connection holding BACKUP STAGE (id %d) is gone: it was killed or timed out "
        "on the server; the backup cannot be made consistent",
        lock_connection_id_));
  } else {
    return;
  }
  {
    absl::MutexLock l(&mu_);
    lock_lost_ = lost;
  }
  cancel_ = true;
}

void BackupJob::ReportLoop(std::stop_token stop) {
  while (env_.clock.SleepFor(absl::Seconds(1), stop)) {
    if (static_cast<BackupPhase>(phase_.load()) == BackupPhase::kCopyingInnodb) {
      WatchLockSession();
    }
    if (!env_.on_progress) continue;
    const RedoCopyProgress r = copier_->Progress();
    env_.on_progress({.phase = static_cast<BackupPhase>(phase_.load()),
                      .bytes_total = bytes_total_,
                      .bytes_done = bytes_done_.load(),
                      .redo_bytes = r.bytes_copied,
                      .redo_lag = r.lag_bytes,
                      .redo_lag_fraction = r.lag_fraction});
  }
}

absl::StatusOr<BackupResult> RunBackup(const BackupJobOptions& options, BackupEnv& env) {
  return BackupJob(options, env).Run();
}

}  // namespace tidemark::engine
