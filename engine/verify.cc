// The verify job (see header): one list of independent checks (a file against the manifest,
// a tablespace's pages, a delta, the redo copy, decoding an encoded file and checking what it
// holds), run by `parallel` workers that add what they find to one shared list of problems.
// Which form of a file is on disk and how to decode it is verify_source.h's business.
#include "engine/verify.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "engine/backup_metadata.h"
#include "engine/delta_file.h"
#include "engine/manifest.h"
#include "engine/prepare_incremental.h"
#include "engine/prepare_log.h"
#include "engine/restore_test_job.h"
#include "engine/tablespace_finder.h"
#include "engine/verify_source.h"
#include "engine/xbstream_extract.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/page_verdict.h"
#include "io/hashing_file.h"

namespace tidemark::engine {

std::string_view VerifyProblemKindName(VerifyProblemKind kind) {
  static constexpr std::string_view kNames[] = {
      "incomplete", "metadata", "missing", "extra", "size",   "hash", "unreadable", "page",
      "page-lsn",   "delta",    "redo",    "chain", "decode", "key",  "scratch",    "stream"};
  return kNames[static_cast<int>(kind)];
}

namespace {

using Kind = VerifyProblemKind;

// Page problems listed per file before the rest are only counted: a wiped file would
// otherwise print a line for each of its pages.
constexpr int kPageProblemsPerFile = 50;
// Files a wrong key is listed for before the rest are only counted: with the wrong key file,
// every encrypted file of the backup fails the same way.
constexpr uint64_t kKeyProblemsListed = 5;

// Keeps the first kKeyProblemsListed `key` problems of the sorted `problems` and puts one
// line counting the others first.
void CapKeyProblems(std::vector<VerifyProblem>& problems) {
  uint64_t seen = 0;
  std::erase_if(problems, [&](const VerifyProblem& p) {
    return p.kind == VerifyProblemKind::kKey && ++seen > kKeyProblemsListed;
  });
  if (seen <= kKeyProblemsListed) return;
  problems.insert(problems.begin(),
                  {.kind = VerifyProblemKind::kKey,
                   .detail = absl::StrFormat("the key does not open %d more encrypted files either",
                                             seen - kKeyProblemsListed)});
}

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
  // `note` ends every detail (" (decoded from 'db/t.ibd.zst')", or "").
  PageProblems(Problems& all, std::string file, std::string note = "")
      : all_(all), file_(std::move(file)), note_(std::move(note)) {}
  ~PageProblems() {
    if (dropped_ > 0) {
      all_.Add(Kind::kPage, file_,
               absl::StrFormat("%d more damaged pages not listed%s", dropped_, note_));
    }
  }
  void Add(Kind kind, uint32_t page, std::optional<uint64_t> lsn, std::string detail) {
    if (listed_ == kPageProblemsPerFile) {
      ++dropped_;
      return;
    }
    ++listed_;
    all_.Add({.kind = kind, .file = file_, .page = page, .lsn = lsn, .detail = detail + note_});
  }

 private:
  Problems& all_;
  const std::string file_;
  const std::string note_;
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
  Verifier(io::FileSystem& fs, const VerifyOptions& o)
      : fs_(fs), o_(o), scratch_(fs, o.scratch_dir) {}

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
    RemoveScratch();
    AddDecodeNotes();
    r_.problems = problems_.Take();
    std::stable_sort(r_.problems.begin(), r_.problems.end(), [](const auto& a, const auto& b) {
      return std::tie(a.file, a.page) < std::tie(b.file, b.page);
    });
    CapKeyProblems(r_.problems);
    r_.files_checked = files_checked_;
    r_.tablespaces_checked = tablespaces_checked_;
    r_.pages_checked = pages_checked_;
    r_.deltas_checked = deltas_checked_;
    r_.files_decoded = files_decoded_;
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
      for (const FileForm& form : PossibleForms(f)) listed.insert(form.rel);
      by_path_[f.path] = &f;
      tasks_.push_back([this, &f] { CheckFile(f); });
    }
    PlanDecodeChecks();
    for (const auto& [path, size] : on_disk_) {
      if (path == kManifestName || listed.contains(path)) continue;
      if (r_.prepared && WrittenByPrepare(path)) continue;
      problems_.Add(Kind::kExtra, path,
                    absl::StrFormat("not in the manifest (%d bytes)", size));
    }
  }

  // Every form of `f` on disk against the manifest: the plain one against the file's size and
  // hash, the stored one against its stored size and hash. A half-decoded form ("x.zst" of
  // "x.zst.tmenc") has no hash of its own: decoding it checks it (PlanDecodeChecks).
  void CheckFile(const ManifestFile& f) {
    const std::vector<FileForm> forms = FindForms(f, on_disk_);
    if (forms.empty()) {
      problems_.Add(
          Kind::kMissing, f.path,
          absl::StrFormat("listed in the manifest (%s, %d bytes%s), not in the backup",
                          FileKindName(f.kind), f.size,
                          f.stored ? ", stored as '" + f.path + f.stored->suffix + "'" : ""));
      return;
    }
    ++files_checked_;
    if (r_.prepared && ChangedByPrepare(f.kind)) return;
    for (const FileForm& form : forms) {
      if (form.plain()) CheckSizeAndHash(f.path, form, f.size, f.xxh3_128);
      if (form.stored(f)) CheckSizeAndHash(f.path, form, f.stored->size, f.stored->xxh3_128);
    }
  }

  void CheckSizeAndHash(const std::string& file, const FileForm& form, uint64_t size,
                        const std::string& xxh3_128) {
    const std::string in = form.plain() ? "" : absl::StrFormat("stored as '%s': ", form.rel);
    if (form.size != size) {
      problems_.Add(Kind::kSize, file,
                    absl::StrFormat("%s%d bytes, the manifest says %d%s", in, form.size, size,
                                    form.size < size ? " (truncated)" : ""));
      return;
    }
    absl::StatusOr<io::ContentHash> h = io::HashFile(fs_, io::JoinPath(o_.target_dir, form.rel));
    if (!h.ok()) {
      problems_.Add(Kind::kUnreadable, file, Shown(h.status().message()));
    } else if (h->xxh3_128 != xxh3_128) {
      problems_.Add(
          Kind::kHash, file,
          absl::StrFormat("%sxxh3-128 %s, the manifest says %s", in, h->xxh3_128, xxh3_128));
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
      tasks_.push_back([this, &t] { CheckTablespace(t, Relative(o_.target_dir, t.path)); });
    }
  }

  // The pages of `t`, reported under `rel`; `note` ends each detail (for a decoded copy).
  void CheckTablespace(const TablespaceTarget& t, const std::string& rel,
                       const std::string& note = "") {
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
      problems_.Add(Kind::kPage, rel, Shown(reader.status().message()) + note);
      return;
    }
    PageProblems found(problems_, rel, note);
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
    if (!s.ok()) problems_.Add(Kind::kPage, rel, Shown(s.message()) + note);
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
      tasks_.push_back([this, p = path] { CheckDelta(p, io::JoinPath(o_.target_dir, p)); });
    }
  }

  // The delta `rel` (its bytes at `path`: in the backup, or a decoded copy).
  void CheckDelta(const std::string& rel, const std::string& path, const std::string& note = "") {
    ++deltas_checked_;
    const std::string meta_rel = rel.substr(0, rel.size() - kDeltaSuffix.size()) +
                                 std::string(kDeltaMetaSuffix);
    absl::StatusOr<std::string> meta_text = ReadPlainText(meta_rel);
    if (!meta_text.ok()) {
      problems_.Add(
          Kind::kDelta, rel,
          absl::StrFormat("its .meta cannot be read: %s", Shown(meta_text.status().message())));
      return;
    }
    absl::StatusOr<DeltaMeta> meta = ParseDeltaMeta(*meta_text, meta_rel);
    if (!meta.ok()) {
      problems_.Add(Kind::kDelta, meta_rel, std::string(meta.status().message()));
      return;
    }
    absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> file = fs_.OpenForRead(path);
    if (!file.ok()) {
      problems_.Add(Kind::kUnreadable, rel, Shown(file.status().message()));
      return;
    }
    absl::StatusOr<std::vector<DeltaEntry>> entries =
        ReadDeltaIndex(**file, meta->page_size, rel);
    if (!entries.ok()) {
      problems_.Add(Kind::kDelta, rel, std::string(entries.status().message()) + note);
      return;
    }
    CheckDeltaPages(**file, rel, *meta, *entries, note);
  }

  void CheckDeltaPages(io::RandomAccessFile& file, const std::string& rel, const DeltaMeta& meta,
                       const std::vector<DeltaEntry>& entries, const std::string& note) {
    PageProblems found(problems_, rel, note);
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
      // The manifest check reports it as missing, and PlanDecodeChecks checks an encoded one;
      // without a manifest, it is reported here.
      if (!manifest_) problems_.Add(Kind::kMissing, name, "the redo log copy is missing");
      return;
    }
    CheckRedoIn(o_.target_dir);
  }

  // The redo copy `dir`/ib_logfile0 (the backup's, or a decoded copy).
  void CheckRedoIn(const std::string& dir, const std::string& note = "") {
    const std::string name(kLogFileName);
    absl::StatusOr<std::unique_ptr<BackupLogReader>> reader = BackupLogReader::Open(fs_, dir);
    if (!reader.ok()) {
      problems_.Add(Kind::kRedo, name, Shown(reader.status().message()) + note);
      return;
    }
    const Lsn from = (*reader)->head().checkpoint.checkpoint_lsn;
    absl::StatusOr<LogStop> stop = (*reader)->ForEachMtr(
        from, Lsn(~uint64_t{0}), [](const innodb::Mtr&) -> absl::StatusOr<bool> { return true; });
    if (!stop.ok()) {
      problems_.Add(Kind::kUnreadable, name, Shown(stop.status().message()) + note);
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
                         "checkpoint at %d)%s",
                         stop->lsn.value(), stop->Describe(), end.value(), from.value(), note)});
    } else if (!stop->end_of_file) {
      problems_.Add({.kind = Kind::kRedo,
                     .file = name,
                     .lsn = stop->lsn.value(),
                     .detail = absl::StrFormat("the log stops at LSN %d (%s), before the end of "
                                               "the file%s",
                                               stop->lsn.value(), stop->Describe(), note)});
    }
  }

  // ---------------------------------------------------------------- encoded files

  // One file to decode: its manifest entry and the form to decode (the most decoded on disk).
  struct Encoded {
    const ManifestFile* file;
    FileForm form;
  };

  // A task for every manifest file found only in an encoded form: decode it, compare the
  // plain bytes with the manifest, and check the pages, delta or redo they hold. The system
  // tablespace's files are decoded by one task, as one tablespace. Encrypted files without a
  // key are left to the stored-form check (CheckFile), and counted for a note.
  void PlanDecodeChecks() {
    std::vector<Encoded> system;
    for (const ManifestFile& f : manifest_->files) {
      const std::vector<FileForm> forms = FindForms(f, on_disk_);
      if (forms.empty() || forms[0].plain()) continue;  // missing, or checked plain
      if (r_.prepared && ChangedByPrepare(f.kind)) continue;
      if (forms[0].encrypted() && o_.key == nullptr) {
        ++not_decoded_;
        continue;
      }
      if (f.kind == FileKind::kInnodbTablespace &&
          KindFromName(io::BaseName(f.path)) == TablespaceKind::kSystem) {
        system.push_back({&f, forms[0]});
        continue;
      }
      tasks_.push_back([this, e = Encoded{&f, forms[0]}] { DecodeAndCheck({e}); });
    }
    if (!system.empty()) {
      tasks_.push_back([this, system] { DecodeAndCheck(system); });
    }
  }

  static bool HasPages(FileKind kind) {
    return kind == FileKind::kInnodbTablespace || kind == FileKind::kInnodbDelta ||
           kind == FileKind::kRedo;
  }

  // Decodes the files of `group` (one file, or the system tablespace's), into a private
  // directory of the scratch directory when they hold pages, then checks those.
  void DecodeAndCheck(const std::vector<Encoded>& group) {
    const FileKind kind = group[0].file->kind;
    std::string dir;  // "" when nothing is kept
    if (HasPages(kind) && o_.scratch_dir.empty()) {
      ++not_page_checked_;
    } else if (HasPages(kind)) {
      absl::StatusOr<std::string> d = scratch_.NewDir();
      if (d.ok()) {
        dir = *d;
      } else {
        problems_.Add(Kind::kScratch, group[0].file->path, std::string(d.status().message()));
      }
    }
    std::vector<std::string> copies;  // of the files decoded whole
    for (const Encoded& e : group) {
      const std::string out = dir.empty() ? "" : io::JoinPath(dir, e.file->path);
      if (Decode(e, out)) copies.push_back(out);
    }
    if (!dir.empty() && copies.size() == group.size()) {
      const std::string note = absl::StrFormat(" (decoded from '%s')", group[0].form.rel);
      CheckDecoded(*group[0].file, dir, copies, note);
    }
    if (!dir.empty()) (void)RemoveTree(fs_, dir);  // best effort; RemoveScratch tries again
  }

  // Decodes `e` (into the new file `out`, unless ""), and compares the plain bytes with the
  // manifest. False when it could not be decoded whole (the problem is reported).
  bool Decode(const Encoded& e, const std::string& out) {
    bool write_failed = false;
    absl::StatusOr<io::ContentHash> h;
    if (out.empty()) {
      h = DecodeForm(fs_, o_.target_dir, e.form, o_.key, [](ByteSpan) { return absl::OkStatus(); });
    } else if (absl::Status s = io::CreateDirs(fs_, io::ParentDir(out), 0700); !s.ok()) {
      write_failed = true;
      h = s;
    } else {
      h = DecodeFormToFile(fs_, o_.target_dir, e.form, o_.key, out, &write_failed);
    }
    const std::string& file = e.file->path;
    if (!h.ok()) {
      const Kind kind = write_failed                             ? Kind::kScratch
                        : absl::IsFailedPrecondition(h.status()) ? Kind::kKey
                        : absl::IsDataLoss(h.status())           ? Kind::kDecode
                                                                 : Kind::kUnreadable;
      problems_.Add(kind, file, Shown(h.status().message()));
      return false;
    }
    ++files_decoded_;
    const std::string in = absl::StrFormat("decoded from '%s': ", e.form.rel);
    if (h->size != e.file->size) {
      problems_.Add(Kind::kSize, file,
                    absl::StrFormat("%s%d bytes, the manifest says %d", in, h->size, e.file->size));
    } else if (h->xxh3_128 != e.file->xxh3_128) {
      problems_.Add(Kind::kHash, file,
                    absl::StrFormat("%sxxh3-128 %s, the manifest says %s", in, h->xxh3_128,
                                    e.file->xxh3_128));
    }
    return true;
  }

  // The checks of a plain file, on decoded copies: `copies` of `f` (and of the system
  // tablespace's other files) under `dir`, with the backup's relative paths.
  void CheckDecoded(const ManifestFile& f, const std::string& dir,
                    const std::vector<std::string>& copies, const std::string& note) {
    if (f.kind == FileKind::kInnodbTablespace) {
      TablespaceKind kind = KindFromName(io::BaseName(f.path));
      if (kind == TablespaceKind::kOther) kind = TablespaceKind::kFilePerTable;
      const TablespaceTarget t{.path = copies[0], .files = copies, .kind = kind};
      CheckTablespace(t, f.path, note);
    } else if (f.kind == FileKind::kInnodbDelta) {
      CheckDelta(f.path, copies[0], note);
    } else if (f.kind == FileKind::kRedo && f.path == kLogFileName) {
      CheckRedoIn(dir, note);
    }
  }

  // The plain contents of the small file `rel` (a .meta), in whatever form it is on disk.
  absl::StatusOr<std::string> ReadPlainText(const std::string& rel) {
    auto it = by_path_.find(rel);
    const std::vector<FileForm> forms =
        it == by_path_.end() ? std::vector<FileForm>{} : FindForms(*it->second, on_disk_);
    if (forms.empty() || forms[0].plain()) {
      return io::ReadFileToString(fs_, io::JoinPath(o_.target_dir, rel));
    }
    std::string text;
    TM_RETURN_IF_ERROR(DecodeForm(fs_, o_.target_dir, forms[0], o_.key, [&](ByteSpan data) {
                         text.append(reinterpret_cast<const char*>(data.data()), data.size());
                         return absl::OkStatus();
                       }).status());
    return text;
  }

  void AddDecodeNotes() {
    if (not_page_checked_ > 0) {
      r_.notes.push_back(absl::StrFormat(
          "no scratch directory: the pages, deltas and redo of %d encoded files were not "
          "checked (only their hashes)",
          not_page_checked_.load()));
    }
    if (not_decoded_ > 0) {
      r_.notes.push_back(absl::StrFormat(
          "%d encrypted files were checked only against their stored size and hash: their "
          "contents, pages, deltas and redo were not checked (pass --encrypt-key-file to check "
          "pages)",
          not_decoded_.load()));
    }
  }

  void RemoveScratch() {
    if (absl::Status s = scratch_.Remove(); !s.ok()) {
      r_.notes.push_back(
          absl::StrFormat("the scratch directory could not be removed: %s", s.message()));
    }
  }

  // `message` with the backup's and the scratch directory's paths cut to the backup's
  // relative paths: "decrypt 'db/t.ibd.tmenc' chunk 3: ..." rather than the full path.
  std::string Shown(absl::string_view message) const {
    const std::string m = scratch_.Shown(message);
    std::string dir = o_.target_dir;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return absl::StrReplaceAll(m, {{"'" + dir + "/", "'"}});
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
  std::map<std::string, const ManifestFile*> by_path_;
  std::vector<TablespaceTarget> targets_;
  std::vector<std::function<void()>> tasks_;
  Problems problems_;
  absl::Mutex notes_mu_;
  std::atomic<uint64_t> files_checked_{0}, tablespaces_checked_{0}, pages_checked_{0},
      deltas_checked_{0}, files_decoded_{0}, not_decoded_{0}, not_page_checked_{0};
  ScratchSpace scratch_;
  VerifyResult r_;
};

}  // namespace

absl::StatusOr<VerifyResult> VerifyBackup(io::FileSystem& fs, const VerifyOptions& options) {
  Verifier v(fs, options);
  return v.Run();
}

absl::StatusOr<VerifyResult> VerifyStream(io::FileSystem& fs, io::ByteSource& in,
                                          const VerifyOptions& options) {
  const ExtractOptions extract{.parallel = static_cast<int>(std::max<size_t>(options.parallel, 1)),
                               .sync = false};
  absl::StatusOr<ExtractSummary> x = ExtractXbstream(in, fs, options.target_dir, extract);
  if (x.ok()) return VerifyBackup(fs, options);
  const XbstreamErrorKind kind = GetXbstreamErrorKind(x.status());
  if (kind != XbstreamErrorKind::kCorrupt && kind != XbstreamErrorKind::kInput) {
    return x.status();
  }
  VerifyResult r;
  r.problems.push_back({.kind = VerifyProblemKind::kStream,
                        .file = in.name(),
                        .detail = absl::StrReplaceAll(x.status().message(),
                                                      {{"'" + options.target_dir + "/", "'"}})});
  r.notes.push_back("the stream could not be extracted whole: nothing else was checked");
  return r;
}

}  // namespace tidemark::engine
