// The verify job (see header): one list of independent checks (a file against the manifest,
// a tablespace's pages, a delta, the redo copy), run by `parallel` workers that add what they
// find to one shared list of problems.
#include "engine/verify.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/backup_metadata.h"
#include "engine/delta_file.h"
#include "engine/manifest.h"
#include "engine/prepare_incremental.h"
#include "engine/prepare_log.h"
#include "engine/tablespace_finder.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/page_verdict.h"
#include "io/hashing_file.h"

namespace tidemark::engine {

std::string_view VerifyProblemKindName(VerifyProblemKind kind) {
  static constexpr std::string_view kNames[] = {
      "incomplete", "metadata", "missing", "extra", "size", "hash",
      "unreadable", "page",     "page-lsn", "delta", "redo", "chain"};
  return kNames[static_cast<int>(kind)];
}

namespace {

using Kind = VerifyProblemKind;

// Page problems listed per file before the rest are only counted: a wiped file would
// otherwise print a line for each of its pages.
constexpr int kPageProblemsPerFile = 50;

class Problems {
 public:
  void Add(VerifyProblem p) {
    absl::MutexLock lock(&mu_);
    list_.push_back(std::move(p));
  }
  void Add(Kind kind, std::string file, std::string detail) {
    Add(VerifyProblem{.kind = kind, .file = std::move(file), .detail = std::move(detail)});
  }
  std::vector<VerifyProblem> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(list_);
  }

 private:
  absl::Mutex mu_;
  std::vector<VerifyProblem> list_ ABSL_GUARDED_BY(mu_);
};

// Page problems of one file, capped at kPageProblemsPerFile.
class PageProblems {
 public:
  PageProblems(Problems& all, std::string file) : all_(all), file_(std::move(file)) {}
  ~PageProblems() {
    if (dropped_ > 0) {
      all_.Add(Kind::kPage, file_,
               absl::StrFormat("%d more damaged pages not listed", dropped_));
    }
  }
  void Add(Kind kind, uint32_t page, std::optional<uint64_t> lsn, std::string detail) {
    if (listed_ == kPageProblemsPerFile) {
      ++dropped_;
      return;
    }
    ++listed_;
    all_.Add({.kind = kind, .file = file_, .page = page, .lsn = lsn, .detail = std::move(detail)});
  }

 private:
  Problems& all_;
  const std::string file_;
  int listed_ = 0;
  uint64_t dropped_ = 0;
};

std::string Relative(std::string_view dir, std::string_view path) {
  std::string d(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (path.starts_with(d) && path.size() > d.size() && path[d.size()] == '/') {
    return std::string(path.substr(d.size() + 1));
  }
  return std::string(path);
}

// Every regular file under `dir`, by path relative to it, with its size.
absl::Status ListFiles(io::FileSystem& fs, const std::string& dir, const std::string& rel,
                       std::map<std::string, uint64_t>& out) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries,
                      fs.ListDir(rel.empty() ? dir : io::JoinPath(dir, rel)));
  for (const io::FileInfo& e : entries) {
    const std::string path = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(ListFiles(fs, dir, path, out));
    } else {
      out[path] = e.size;
    }
  }
  return absl::OkStatus();
}

// Files `prepare` writes into a backup, besides rewriting data and redo files.
bool WrittenByPrepare(const std::string& path) {
  return path == kChainName || path.starts_with("tidemark_prepare") || path.ends_with(".ibd");
}

bool ChangedByPrepare(FileKind kind) {
  return kind == FileKind::kInnodbTablespace || kind == FileKind::kRedo ||
         kind == FileKind::kMetadata;
}

class Verifier {
 public:
  Verifier(io::FileSystem& fs, const VerifyOptions& o) : fs_(fs), o_(o) {}

  absl::StatusOr<VerifyResult> Run() {
    TM_RETURN_IF_ERROR(ReadMetadata());
    absl::Status listed = ListFiles(fs_, o_.target_dir, "", on_disk_);
    if (!listed.ok()) {
      return absl::FailedPreconditionError(
          absl::StrFormat("cannot list backup '%s': %s", o_.target_dir, listed.message()));
    }
    TM_RETURN_IF_ERROR(CheckChain());
    PlanFileChecks();
    PlanTablespaceChecks();
    PlanDeltaChecks();
    tasks_.push_back([this] { CheckRedo(); });
    RunTasks();
    r_.problems = problems_.Take();
    std::stable_sort(r_.problems.begin(), r_.problems.end(), [](const auto& a, const auto& b) {
      return std::tie(a.file, a.page) < std::tie(b.file, b.page);
    });
    r_.files_checked = files_checked_;
    r_.tablespaces_checked = tablespaces_checked_;
    r_.pages_checked = pages_checked_;
    r_.deltas_checked = deltas_checked_;
    return std::move(r_);
  }

 private:
  // ------------------------------------------------------------------------------ metadata

  absl::Status ReadMetadata() {
    if (!fs_.Stat(o_.target_dir).ok()) {
      return absl::NotFoundError(absl::StrFormat("backup '%s' does not exist", o_.target_dir));
    }
    absl::StatusOr<Manifest> m = ReadManifest(fs_, o_.target_dir);
    if (absl::IsFailedPrecondition(m.status())) return m.status();
    if (m.ok()) {
      manifest_ = std::move(*m);
    } else if (absl::IsNotFound(m.status())) {
      problems_.Add(Kind::kIncomplete, std::string(kManifestName),
                    "no manifest: the backup did not finish (files cannot be checked against "
                    "their sizes and hashes)");
    } else {
      problems_.Add(Kind::kMetadata, std::string(kManifestName), std::string(m.status().message()));
    }
    absl::StatusOr<XtrabackupCheckpoints> cp = ReadXtrabackupCheckpoints(fs_, o_.target_dir);
    if (!cp.ok() && !manifest_) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s' is not a backup: neither %s nor %s can be read (%s)", o_.target_dir,
          kManifestName, kXtrabackupCheckpointsName, cp.status().message()));
    }
    if (cp.ok()) {
      cp_ = *cp;
    } else {
      problems_.Add(Kind::kMetadata, std::string(kXtrabackupCheckpointsName),
                    std::string(cp.status().message()));
      cp_.backup_type = manifest_->kind == BackupKind::kIncremental ? BackupType::kIncremental
                                                                    : BackupType::kFullBackuped;
      cp_.from_lsn = manifest_->from_lsn;
      cp_.to_lsn = manifest_->to_lsn;
      cp_.last_lsn = manifest_->last_lsn;
    }
    r_.backup_type = std::string(BackupTypeName(cp_.backup_type));
    r_.prepared = cp_.backup_type == BackupType::kLogApplied;
    r_.to_lsn = cp_.to_lsn;
    r_.last_lsn = cp_.last_lsn;
    r_.page_lsn_bound = cp_.last_lsn != Lsn(0) ? cp_.last_lsn : cp_.to_lsn;
    if (cp.ok() && manifest_ && !r_.prepared) CompareLsns();
    if (r_.prepared) {
      r_.notes.push_back(
          "the backup is prepared (log-applied): data files, the redo log and metadata were "
          "rewritten by prepare, so only their presence is checked against the manifest");
    }
    return absl::OkStatus();
  }

  void CompareLsns() {
    const std::pair<const char*, std::pair<Lsn, Lsn>> pairs[] = {
        {"from_lsn", {cp_.from_lsn, manifest_->from_lsn}},
        {"to_lsn", {cp_.to_lsn, manifest_->to_lsn}},
        {"last_lsn", {cp_.last_lsn, manifest_->last_lsn}}};
    for (const auto& [name, v] : pairs) {
      if (v.first == v.second) continue;
      problems_.Add(Kind::kMetadata, std::string(kXtrabackupCheckpointsName),
                    absl::StrFormat("%s %d, but the manifest says %d", name, v.first.value(),
                                    v.second.value()));
    }
  }

  // ------------------------------------------------------------------------------- chain

  absl::Status CheckChain() {
    if (cp_.backup_type != BackupType::kIncremental) {
      if (!o_.incremental_basedir.empty()) {
        problems_.Add(Kind::kChain, std::string(kXtrabackupCheckpointsName),
                      absl::StrFormat("--incremental-basedir given, but the backup is %s, not "
                                      "an incremental",
                                      BackupTypeName(cp_.backup_type)));
      }
      return absl::OkStatus();
    }
    if (manifest_ && manifest_->base_backup_uuid.empty()) {
      r_.notes.push_back("the manifest does not name the base backup (base_backup_uuid)");
    }
    if (o_.incremental_basedir.empty()) {
      r_.notes.push_back("no --incremental-basedir: the link to the base was not checked");
      return absl::OkStatus();
    }
    const std::string& base = o_.incremental_basedir;
    if (!fs_.Stat(base).ok()) {
      return absl::NotFoundError(absl::StrFormat("base backup '%s' does not exist", base));
    }
    absl::StatusOr<XtrabackupCheckpoints> base_cp = ReadXtrabackupCheckpoints(fs_, base);
    if (!base_cp.ok()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s' is not a backup: %s", base, base_cp.status().message()));
    }
    if (cp_.from_lsn != base_cp->to_lsn) {
      problems_.Add({.kind = Kind::kChain,
                     .file = std::string(kXtrabackupCheckpointsName),
                     .lsn = cp_.from_lsn.value(),
                     .detail = absl::StrFormat(
                         "from_lsn %d does not continue the base '%s', whose to_lsn is %d",
                         cp_.from_lsn.value(), base, base_cp->to_lsn.value())});
    }
    const BackupIdentity base_id = ReadBackupIdentity(fs_, base);
    if (manifest_ && !manifest_->base_backup_uuid.empty() && !base_id.uuid.empty() &&
        manifest_->base_backup_uuid != base_id.uuid) {
      problems_.Add(Kind::kChain, std::string(kManifestName),
                    absl::StrFormat("base_backup_uuid %s, but the base '%s' is backup %s",
                                    manifest_->base_backup_uuid, base, base_id.uuid));
    }
    return absl::OkStatus();
  }

  // ----------------------------------------------------------------- files vs manifest

  void PlanFileChecks() {
    if (!manifest_) return;
    std::set<std::string> listed;
    for (const ManifestFile& f : manifest_->files) {
      listed.insert(f.path);
      tasks_.push_back([this, &f] { CheckFile(f); });
    }
    for (const auto& [path, size] : on_disk_) {
      if (path == kManifestName || listed.contains(path)) continue;
      if (r_.prepared && WrittenByPrepare(path)) continue;
      problems_.Add(Kind::kExtra, path,
                    absl::StrFormat("not in the manifest (%d bytes)", size));
    }
  }

  void CheckFile(const ManifestFile& f) {
    auto it = on_disk_.find(f.path);
    if (it == on_disk_.end()) {
      problems_.Add(Kind::kMissing, f.path,
                    absl::StrFormat("listed in the manifest (%s, %d bytes), not in the backup",
                                    FileKindName(f.kind), f.size));
      return;
    }
    ++files_checked_;
    if (r_.prepared && ChangedByPrepare(f.kind)) return;
    if (it->second != f.size) {
      problems_.Add(Kind::kSize, f.path,
                    absl::StrFormat("%d bytes, the manifest says %d%s", it->second, f.size,
                                    it->second < f.size ? " (truncated)" : ""));
      return;
    }
    absl::StatusOr<io::ContentHash> h = io::HashFile(fs_, io::JoinPath(o_.target_dir, f.path));
    if (!h.ok()) {
      problems_.Add(Kind::kUnreadable, f.path, std::string(h.status().message()));
    } else if (h->xxh3_128 != f.xxh3_128) {
      problems_.Add(Kind::kHash, f.path,
                    absl::StrFormat("xxh3-128 %s, the manifest says %s", h->xxh3_128,
                                    f.xxh3_128));
    }
  }

  // -------------------------------------------------------------------------- tablespaces

  void PlanTablespaceChecks() {
    absl::StatusOr<std::vector<TablespaceTarget>> found = FindTablespaces(fs_, {o_.target_dir});
    if (found.ok()) {
      targets_ = std::move(*found);
    } else if (!absl::IsNotFound(found.status())) {
      problems_.Add(Kind::kUnreadable, "", std::string(found.status().message()));
    }
    // Tablespaces created during the copy are stored whole as "db/t.new" (ddl_tracker.h),
    // which the finder does not look for.
    for (const auto& [path, size] : on_disk_) {
      if (!path.ends_with(".new")) continue;
      const std::string full = io::JoinPath(o_.target_dir, path);
      targets_.push_back({.path = full, .files = {full}, .kind = TablespaceKind::kFilePerTable});
    }
    for (const TablespaceTarget& t : targets_) {
      tasks_.push_back([this, &t] { CheckTablespace(t); });
    }
  }

  void CheckTablespace(const TablespaceTarget& t) {
    const std::string rel = Relative(o_.target_dir, t.path);
    if (!t.status.ok()) {
      problems_.Add(Kind::kPage, rel, std::string(t.status.message()));
      return;
    }
    ++tablespaces_checked_;
    absl::StatusOr<std::unique_ptr<TablespaceReader>> reader =
        TablespaceReader::Open(fs_, t, o_.read);
    if (!reader.ok()) {
      // A tablespace created during the copy may not have had page 0 written yet: the copied
      // redo log creates and fills it at prepare, as it does for the server after a crash.
      if (rel.ends_with(".new") && IsPage0NotWritten(reader.status())) {
        absl::MutexLock lock(&notes_mu_);
        r_.notes.push_back(absl::StrFormat(
            "'%s': created during the backup, page 0 not written yet (prepare rebuilds it from "
            "the redo log): pages not checked",
            rel));
        return;
      }
      problems_.Add(Kind::kPage, rel, std::string(reader.status().message()));
      return;
    }
    PageProblems found(problems_, rel);
    const Lsn bound = r_.page_lsn_bound;
    absl::Status s = (*reader)->ReadPages([&](uint32_t no, ByteSpan page, innodb::PageVerdict v) {
      ++pages_checked_;
      if (innodb::IsFailure(v)) {
        found.Add(Kind::kPage, no, std::nullopt,
                  std::string(innodb::PageVerdictName(v)));
      } else if (v != innodb::PageVerdict::kAllZero && v != innodb::PageVerdict::kSkipped) {
        CheckPageLsn(found, no, page, bound);
      }
      return absl::OkStatus();
    });
    if (!s.ok()) problems_.Add(Kind::kPage, rel, std::string(s.message()));
  }

  static void CheckPageLsn(PageProblems& found, uint32_t no, ByteSpan page, Lsn bound) {
    const uint64_t lsn = ReadBe64(page, innodb::kFilPageLsn);
    if (bound == Lsn(0) || lsn <= bound.value()) return;
    found.Add(Kind::kPageLsn, no, lsn,
              absl::StrFormat("page LSN %d is newer than the backup's end (last_lsn %d)", lsn,
                              bound.value()));
  }

  // ------------------------------------------------------------------------------- deltas

  void PlanDeltaChecks() {
    for (const auto& [path, size] : on_disk_) {
      if (!path.ends_with(kDeltaSuffix)) continue;
      tasks_.push_back([this, p = path] { CheckDelta(p); });
    }
  }

  void CheckDelta(const std::string& rel) {
    ++deltas_checked_;
    const std::string meta_rel = rel.substr(0, rel.size() - kDeltaSuffix.size()) +
                                 std::string(kDeltaMetaSuffix);
    absl::StatusOr<std::string> meta_text =
        io::ReadFileToString(fs_, io::JoinPath(o_.target_dir, meta_rel));
    if (!meta_text.ok()) {
      problems_.Add(Kind::kDelta, rel,
                    absl::StrFormat("its .meta cannot be read: %s", meta_text.status().message()));
      return;
    }
    absl::StatusOr<DeltaMeta> meta = ParseDeltaMeta(*meta_text, meta_rel);
    if (!meta.ok()) {
      problems_.Add(Kind::kDelta, meta_rel, std::string(meta.status().message()));
      return;
    }
    absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> file =
        fs_.OpenForRead(io::JoinPath(o_.target_dir, rel));
    if (!file.ok()) {
      problems_.Add(Kind::kUnreadable, rel, std::string(file.status().message()));
      return;
    }
    absl::StatusOr<std::vector<DeltaEntry>> entries =
        ReadDeltaIndex(**file, meta->page_size, rel);
    if (!entries.ok()) {
      problems_.Add(Kind::kDelta, rel, std::string(entries.status().message()));
      return;
    }
    CheckDeltaPages(**file, rel, *meta, *entries);
  }

  void CheckDeltaPages(io::RandomAccessFile& file, const std::string& rel, const DeltaMeta& meta,
                       const std::vector<DeltaEntry>& entries) {
    PageProblems found(problems_, rel);
    std::optional<innodb::SpaceContext> ctx;
    std::vector<uint8_t> page(meta.page_size);
    for (const DeltaEntry& e : entries) {
      absl::StatusOr<size_t> n = file.ReadAt(e.offset, page);
      if (!n.ok() || *n != page.size()) {
        problems_.Add(Kind::kUnreadable, rel,
                      n.ok() ? absl::StrFormat("short read at %d", e.offset)
                             : std::string(n.status().message()));
        return;
      }
      ++pages_checked_;
      if (e.page_no == 0 && meta.space_id && !ctx) {
        if (auto h = innodb::ParseFspHeader(page); h.ok()) {
          ctx = innodb::SpaceContext{.flags = h->flags, .space_id = SpaceId(*meta.space_id)};
        }
      }
      CheckDeltaPage(found, meta, ctx, e.page_no, page);
    }
    if (!ctx && !entries.empty()) {
      absl::MutexLock lock(&notes_mu_);
      r_.notes.push_back(absl::StrFormat(
          "'%s': no page 0 in the delta: page checksums not checked (only space ids and LSNs)",
          rel));
    }
  }

  void CheckDeltaPage(PageProblems& found, const DeltaMeta& meta,
                      const std::optional<innodb::SpaceContext>& ctx, uint32_t no,
                      ByteSpan page) {
    if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; })) return;
    const uint32_t page_space = ReadBe32(page, innodb::kFilPageArchLogNoOrSpaceId);
    if (meta.space_id && *meta.space_id != 0 && page_space != *meta.space_id) {
      found.Add(Kind::kDelta, no, std::nullopt,
                absl::StrFormat("space id %d, but the .meta says %d", page_space,
                                *meta.space_id));
      return;
    }
    if (ctx) {
      const innodb::PageVerdict v = innodb::ValidatePage(page, *ctx, no);
      // The system tablespace's doublewrite slots hold copies of other pages.
      const bool doublewrite = ctx->space_id == SpaceId(0) && v == innodb::PageVerdict::kBadHeader;
      if (innodb::IsFailure(v) && !doublewrite) {
        found.Add(Kind::kDelta, no, std::nullopt, std::string(innodb::PageVerdictName(v)));
        return;
      }
    }
    CheckPageLsn(found, no, page, r_.page_lsn_bound);
  }

  // --------------------------------------------------------------------------------- redo

  void CheckRedo() {
    const std::string name(kLogFileName);
    if (!on_disk_.contains(name)) {
      // The manifest check reports it as missing; without a manifest, it is reported here.
      if (!manifest_) problems_.Add(Kind::kMissing, name, "the redo log copy is missing");
      return;
    }
    absl::StatusOr<std::unique_ptr<BackupLogReader>> reader =
        BackupLogReader::Open(fs_, o_.target_dir);
    if (!reader.ok()) {
      problems_.Add(Kind::kRedo, name, std::string(reader.status().message()));
      return;
    }
    const Lsn from = (*reader)->head().checkpoint.checkpoint_lsn;
    absl::StatusOr<LogStop> stop = (*reader)->ForEachMtr(
        from, Lsn(~uint64_t{0}), [](const innodb::Mtr&) -> absl::StatusOr<bool> { return true; });
    if (!stop.ok()) {
      problems_.Add(Kind::kUnreadable, name, std::string(stop.status().message()));
      return;
    }
    r_.redo_checked = true;
    const Lsn end = r_.prepared ? Lsn(0) : cp_.last_lsn;
    if (stop->lsn < end) {
      problems_.Add({.kind = Kind::kRedo,
                     .file = name,
                     .lsn = stop->lsn.value(),
                     .detail = absl::StrFormat(
                         "the log breaks at LSN %d (%s), before last_lsn %d (read from the "
                         "checkpoint at %d)",
                         stop->lsn.value(), stop->Describe(), end.value(), from.value())});
    } else if (!stop->end_of_file) {
      problems_.Add({.kind = Kind::kRedo,
                     .file = name,
                     .lsn = stop->lsn.value(),
                     .detail = absl::StrFormat("the log stops at LSN %d (%s), before the end of "
                                               "the file",
                                               stop->lsn.value(), stop->Describe())});
    }
  }

  // -------------------------------------------------------------------------------- tasks

  void RunTasks() {
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < tasks_.size();) tasks_[i]();
    };
    const size_t n = std::max<size_t>(1, std::min(o_.parallel, tasks_.size()));
    std::vector<std::jthread> workers;
    for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
    work();
  }

  io::FileSystem& fs_;
  const VerifyOptions& o_;
  std::optional<Manifest> manifest_;
  XtrabackupCheckpoints cp_;
  std::map<std::string, uint64_t> on_disk_;
  std::vector<TablespaceTarget> targets_;
  std::vector<std::function<void()>> tasks_;
  Problems problems_;
  absl::Mutex notes_mu_;
  std::atomic<uint64_t> files_checked_{0}, tablespaces_checked_{0}, pages_checked_{0},
      deltas_checked_{0};
  VerifyResult r_;
};

}  // namespace

absl::StatusOr<VerifyResult> VerifyBackup(io::FileSystem& fs, const VerifyOptions& options) {
  Verifier v(fs, options);
  return v.Run();
}

}  // namespace tidemark::engine
