// Restore (copy-back / move-back). What goes where and what stays behind follows copy_back()
// in extra/mariabackup/backup_copy.cc (MariaDB 10.11); unlike it, restore also refuses a
// backup that is not prepared, writes files exclusively, syncs them, and sets the server's
// modes and the datadir's owner.
#include "engine/restore_job.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/prepare_incremental.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "engine/backup_metadata.h"
#include "engine/data_file_path.h"
#include "engine/encoded_file.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

// undoNNN, as copy_back's sscanf("undo%d%c") == 1 accepts it.
bool IsUndoName(std::string_view name) {
  return name.size() > 4 && name.substr(0, 4) == "undo" &&
         std::all_of(name.begin() + 4, name.end(), [](char c) { return std::isdigit(c); });
}

// Where things go: the datadir and the three InnoDB directories.
struct Destinations {
  std::string datadir, data_home, undo, log;
  std::set<std::string> system_files;  // names from innodb_data_file_path
};

// A directory option: relative to the datadir when relative (Copy_back_dst_dir).
std::string Resolve(const std::string& datadir, std::string_view d) {
  while (d.size() > 1 && d.back() == '/') d.remove_suffix(1);
  while (d.substr(0, 2) == "./") d.remove_prefix(2);
  if (d.empty() || d == ".") return datadir;
  if (d[0] == '/') return std::string(d);
  return io::JoinPath(datadir, d);
}

std::string CnfValue(const BackupMyCnf& cnf, std::string_view key) {
  for (const auto& [k, v] : cnf.plugin_variables) {
    if (k == key) return v;
  }
  return "";
}

absl::StatusOr<Destinations> DestinationsFor(io::FileSystem& fs, const RestoreOptions& o) {
  BackupMyCnf cnf;
  auto text = ReadPlainOrEncoded(fs, o.backup_dir, kBackupMyCnfName, o.key);
  if (text.ok()) {
    TM_ASSIGN_OR_RETURN(cnf, ParseBackupMyCnf(*text));
  } else if (!absl::IsNotFound(text.status())) {
    return text.status();
  }
  Destinations d;
  d.datadir = Resolve("", o.datadir);
  auto pick = [&](const std::string& flag, std::string_view key, const std::string& fallback) {
    return Resolve(d.datadir,
                   !flag.empty() ? flag : (!fallback.empty() ? fallback : CnfValue(cnf, key)));
  };
  d.data_home = pick(o.data_home_dir, "innodb_data_home_dir", "");
  d.undo = pick(o.undo_dir, "", cnf.innodb_undo_directory);
  d.log = pick(o.log_dir, "innodb_log_group_home_dir", "");
  const std::string path =
      cnf.innodb_data_file_path.empty() ? "ibdata1:12M:autoextend" : cnf.innodb_data_file_path;
  TM_ASSIGN_OR_RETURN(std::vector<DataFileSpec> files, ParseDataFilePath(path));
  for (const DataFileSpec& f : files) d.system_files.insert(std::string(io::BaseName(f.name)));
  return d;
}

absl::Status CheckBackup(io::FileSystem& fs, const std::string& dir) {
  TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(dir));
  if (info.type != io::FileType::kDirectory) {
    return absl::InvalidArgumentError(absl::StrFormat("backup '%s' is not a directory", dir));
  }
  if (fs.Stat(io::JoinPath(dir, kPrepareJournalName)).ok()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backup '%s' has an unfinished tidemark prepare (%s): run 'tidemark prepare "
        "--target-dir %s' again to finish it",
        dir, kPrepareJournalName, dir));
  }
  if (fs.Stat(io::JoinPath(dir, kIncrementalStateName)).ok()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backup '%s' has an unfinished incremental prepare (%s names the incremental): run "
        "'tidemark prepare --target-dir %s --incremental-dir ...' again to finish it",
        dir, kIncrementalStateName, dir));
  }
  TM_ASSIGN_OR_RETURN(XtrabackupCheckpoints cp, ReadXtrabackupCheckpoints(fs, dir));
  if (cp.backup_type != BackupType::kLogApplied) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backup '%s' is not prepared (%s says backup_type = %s): run 'tidemark prepare "
        "--target-dir %s' first",
        dir, kXtrabackupCheckpointsName, BackupTypeName(cp.backup_type), dir));
  }
  return absl::OkStatus();
}

// Every regular file (relative path -> size) and every directory without files under it.
absl::Status WalkBackup(io::FileSystem& fs, const std::string& root, const std::string& rel,
                        std::map<std::string, uint64_t>& files,
                        std::vector<std::string>& empty_dirs) {
  const std::string dir = rel.empty() ? root : io::JoinPath(root, rel);
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  if (entries.empty() && !rel.empty()) empty_dirs.push_back(rel);
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
    const std::string path = io::JoinPath(dir, e.name);
    const io::FileType type = io::FollowedType(fs, path, e);
    if (type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(WalkBackup(fs, root, child, files, empty_dirs));
    } else if (type == io::FileType::kRegular) {
      TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(path));
      files[child] = info.size;
    }
  }
  return absl::OkStatus();
}

// The destination of backup file `rel` (a decoded name); an .ibd with an .isl beside it goes
// where the .isl points (copy_or_move_file, read_link_file). `files`: decoded names.
absl::StatusOr<std::string> DestinationOf(io::FileSystem& fs, const RestoreOptions& o,
                                          const Destinations& d, const std::string& rel,
                                          const std::map<std::string, std::string>& files) {
  const bool root = rel.find('/') == std::string::npos;
  if (root && rel == "ib_logfile0") return io::JoinPath(d.log, rel);
  if (root && IsUndoName(rel)) return io::JoinPath(d.undo, rel);
  if (root && d.system_files.count(rel)) return io::JoinPath(d.data_home, rel);
  if (rel.ends_with(".ibd")) {
    const std::string isl = rel.substr(0, rel.size() - 3) + "isl";
    if (files.count(isl)) {
      TM_ASSIGN_OR_RETURN(std::string target,
                          ReadPlainOrEncoded(fs, o.backup_dir, isl, o.key));
      while (!target.empty() && std::isspace(static_cast<unsigned char>(target.back())))
        target.pop_back();
      if (!target.empty() && target[0] == '/') return target;
    }
  }
  return io::JoinPath(d.datadir, rel);
}

// The files of the backup by decoded name (-> stored name). Errors: FailedPrecondition when
// two stored files decode to one name.
absl::StatusOr<std::map<std::string, std::string>> DecodedNames(
    const std::string& dir, const std::map<std::string, uint64_t>& files) {
  std::map<std::string, std::string> out;
  for (const auto& [rel, size] : files) {
    auto [it, inserted] = out.emplace(std::string(WithoutEncoding(rel)), rel);
    if (!inserted) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "backup '%s' holds both '%s' and '%s': remove the one that is not the file", dir,
          std::min(it->second, rel), std::max(it->second, rel)));
    }
  }
  return out;
}

}  // namespace

bool SkippedOnRestore(std::string_view rel) {
  const std::string_view name = io::BaseName(rel);
  for (std::string_view suffix : {"backup-my.cnf", "xtrabackup_binary", "xtrabackup_binlog_info",
                                  "xtrabackup_checkpoints", ".qp", ".pmap", ".tmp"}) {
    if (name.ends_with(suffix)) return true;
  }
  const bool root = rel.find('/') == std::string_view::npos;
  return root && (name == "ib_buffer_pool" || name.substr(0, 9) == "tidemark_");
}

absl::StatusOr<RestorePlan> PlanRestore(io::FileSystem& fs, const RestoreOptions& o) {
  TM_RETURN_IF_ERROR(CheckBackup(fs, o.backup_dir));
  TM_ASSIGN_OR_RETURN(Destinations d, DestinationsFor(fs, o));
  std::map<std::string, uint64_t> files;
  std::vector<std::string> empty_dirs;
  TM_RETURN_IF_ERROR(WalkBackup(fs, o.backup_dir, "", files, empty_dirs));
  TM_ASSIGN_OR_RETURN(auto decoded, DecodedNames(o.backup_dir, files));
  RestorePlan plan;
  std::set<std::string> dirs = {d.datadir, d.data_home, d.undo, d.log};
  for (const std::string& e : empty_dirs) dirs.insert(io::JoinPath(d.datadir, e));
  for (const auto& [name, rel] : decoded) {
    if (SkippedOnRestore(name)) {
      plan.skipped.push_back(rel);
      continue;
    }
    TM_ASSIGN_OR_RETURN(std::string dest, DestinationOf(fs, o, d, name, decoded));
    for (std::string p = DirName(dest);
         p.size() > d.datadir.size() && absl::StartsWith(p, d.datadir + "/"); p = DirName(p)) {
      dirs.insert(p);
    }
    dirs.insert(DirName(dest));
    plan.files.push_back({.source = io::JoinPath(o.backup_dir, rel),
                          .destination = dest,
                          .size = files[rel],
                          .rel = rel,
                          .encoding = std::string(EncodingSuffix(rel))});
  }
  // Largest first, so parallel workers finish together.
  std::stable_sort(plan.files.begin(), plan.files.end(),
                   [](const RestoreItem& x, const RestoreItem& y) { return x.size > y.size; });
  plan.directories.assign(dirs.begin(), dirs.end());  // sorted: parents before children
  return plan;
}

namespace {

// Restores the files of a plan. Thread-safe Run per item; the first error stops the rest.
class Restorer {
 public:
  Restorer(const RestoreOptions& o, RestoreEnv& env, FileOwner owner)
      : o_(o), env_(env), owner_(owner) {}

  // Creates each missing directory (parents first) with the server's mode and the owner.
  absl::Status CreateDirectories(const std::vector<std::string>& dirs) {
    for (const std::string& dir : dirs) {
      if (env_.fs.Stat(dir).ok()) continue;
      TM_RETURN_IF_ERROR(io::CreateDirs(env_.fs, dir, kRestoreDirMode));
      TM_RETURN_IF_ERROR(SetAttributes(dir, kRestoreDirMode));
    }
    return absl::OkStatus();
  }

  absl::Status RunAll(const std::vector<RestoreItem>& items, int parallel) {
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i = next++; i < items.size() && !failed_; i = next++) {
        absl::Status s = Restore(items[i]);
        if (!s.ok()) {
          absl::MutexLock lock(&mu_);
          if (first_error_.ok()) first_error_ = s;
          failed_ = true;
        }
      }
    };
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < std::max(1, parallel); ++t) threads.emplace_back(worker);
    }
    absl::MutexLock lock(&mu_);
    return first_error_;
  }

  RestoreResult result() const {
    return {.files = files_, .bytes = bytes_, .renamed = renamed_, .skipped = 0,
            .decoded = decoded_};
  }

 private:
  absl::Status SetAttributes(const std::string& path, uint32_t mode) {
    if (env_.attributes == nullptr) return absl::OkStatus();
    return env_.attributes->Apply(path, owner_, mode);
  }

  absl::Status Restore(const RestoreItem& item) {
    const std::string what = absl::StrFormat("restore '%s' to '%s'", item.source, item.destination);
    if (!item.encoding.empty()) return RestoreEncoded(item, what);
    if (o_.move) {
      if (env_.fs.Stat(item.destination).ok()) {
        return absl::AlreadyExistsError(absl::StrFormat("%s: destination exists", what));
      }
      absl::Status s = env_.fs.Rename(item.source, item.destination);
      if (s.ok()) {
        ++renamed_;
        return Done(item, what);
      }
      // io/ maps EXDEV (another file system) to Internal: copy, then remove the source.
      if (s.code() != absl::StatusCode::kInternal) return Annotate(s, what);
    }
    TM_RETURN_IF_ERROR(Annotate(Copy(item), what));
    if (o_.move) TM_RETURN_IF_ERROR(Annotate(env_.fs.RemoveFile(item.source), what));
    return Done(item, what);
  }

  // Decoded into the destination (written exclusively, synced like a copy); with --move the
  // stored file goes once the decoded one is whole. A damaged file leaves no destination.
  absl::Status RestoreEncoded(const RestoreItem& item, const std::string& what) {
    const EncodedFile f{item.rel, item.encoding};
    DecodeOutcome r = DecodeToFile(env_.fs, o_.backup_dir, f, o_.key, item.destination,
                                   io::WriteOptions{.mode = kRestoreFileMode, .exclusive = true},
                                   o_.sync);
    TM_RETURN_IF_ERROR(Annotate(r.status, what));
    ++decoded_;
    if (o_.move) TM_RETURN_IF_ERROR(Annotate(env_.fs.RemoveFile(item.source), what));
    return Done(item, what, r.bytes_out);
  }

  absl::Status Done(const RestoreItem& item, const std::string& what) {
    return Done(item, what, item.size);
  }
  absl::Status Done(const RestoreItem& item, const std::string& what, uint64_t bytes) {
    TM_RETURN_IF_ERROR(Annotate(SetAttributes(item.destination, kRestoreFileMode), what));
    ++files_;
    bytes_ += bytes;
    if (env_.on_note)
      env_.on_note(absl::StrFormat("%s %s", o_.move ? "moved" : "copied", item.destination));
    return absl::OkStatus();
  }

  absl::Status Copy(const RestoreItem& item) {
    TM_ASSIGN_OR_RETURN(auto in, env_.fs.OpenForRead(item.source));
    TM_ASSIGN_OR_RETURN(auto out, env_.fs.OpenForWrite(item.destination, {.mode = kRestoreFileMode,
                                                                          .exclusive = true}));
    std::vector<uint8_t> buf(std::max<size_t>(4096, o_.buffer_bytes));
    for (uint64_t off = 0;;) {
      if (failed_) return absl::CancelledError("another file failed");
      TM_ASSIGN_OR_RETURN(size_t n, in->ReadAt(off, buf));
      if (n == 0) break;
      TM_RETURN_IF_ERROR(out->Append(std::span(buf).first(n)));
      off += n;
    }
    if (o_.sync) TM_RETURN_IF_ERROR(out->Sync());
    return out->Close();
  }

  const RestoreOptions& o_;
  RestoreEnv& env_;
  const FileOwner owner_;
  std::atomic<bool> failed_{false};
  std::atomic<size_t> files_{0}, renamed_{0}, decoded_{0};
  std::atomic<uint64_t> bytes_{0};
  absl::Mutex mu_;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

// The datadir must be empty (directory_exists_and_empty in backup_copy.cc) or absent.
// Returns the owner restored files get: the datadir's, or its nearest existing ancestor's.
absl::StatusOr<FileOwner> CheckDatadir(RestoreEnv& env, const std::string& datadir) {
  auto info = env.fs.Stat(datadir);
  std::string owner_path = datadir;
  if (info.ok()) {
    if (info->type != io::FileType::kDirectory) {
      return absl::InvalidArgumentError(
          absl::StrFormat("datadir '%s' is not a directory", datadir));
    }
    TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, env.fs.ListDir(datadir));
    if (!entries.empty()) {
      std::vector<std::string> names;
      for (size_t i = 0; i < entries.size() && i < 5; ++i)
        names.push_back("'" + entries[i].name + "'");
      const std::string more =
          entries.size() > 5 ? absl::StrFormat(" and %zu more", entries.size() - 5) : "";
      return absl::AlreadyExistsError(absl::StrFormat("datadir '%s' is not empty: it holds %s%s",
                                                      datadir, absl::StrJoin(names, ", "), more));
    }
  } else if (absl::IsNotFound(info.status())) {
    do {
      owner_path = DirName(owner_path);
    } while (owner_path != "/" && owner_path != "." && !env.fs.Stat(owner_path).ok());
  } else {
    return info.status();
  }
  if (env.attributes == nullptr) return FileOwner{};
  return env.attributes->OwnerOf(owner_path);
}

absl::Status SyncDirectories(io::FileSystem& fs, const RestorePlan& plan) {
  std::set<std::string> dirs(plan.directories.begin(), plan.directories.end());
  for (const RestoreItem& item : plan.files) dirs.insert(DirName(item.destination));
  for (const std::string& dir : dirs) TM_RETURN_IF_ERROR(fs.SyncDir(dir));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestoreResult> RunRestore(const RestoreOptions& o, RestoreEnv& env) {
  if (o.datadir.empty()) return absl::InvalidArgumentError("no datadir given");
  absl::StatusOr<RestorePlan> planned = PlanRestore(env.fs, o);
  if (absl::IsDataLoss(planned.status())) {
    // Unusable metadata is bad input (exit 4); DataLoss is kept for damaged data found
    // while restoring (exit 3).
    return absl::FailedPreconditionError(planned.status().message());
  }
  TM_RETURN_IF_ERROR(planned.status());
  RestorePlan plan = *std::move(planned);
  const std::string datadir = Resolve("", o.datadir);
  TM_ASSIGN_OR_RETURN(FileOwner owner, CheckDatadir(env, datadir));
  std::vector<EncodedFile> encoded;
  for (const RestoreItem& item : plan.files) {
    if (!item.encoding.empty()) encoded.push_back({item.rel, item.encoding});
  }
  TM_RETURN_IF_ERROR(CheckKey(env.fs, o.backup_dir, encoded, o.key).status);
  Restorer restorer(o, env, owner);
  TM_RETURN_IF_ERROR(restorer.CreateDirectories(plan.directories));
  TM_RETURN_IF_ERROR(restorer.RunAll(plan.files, o.parallel));
  if (o.sync) TM_RETURN_IF_ERROR(SyncDirectories(env.fs, plan));
  RestoreResult r = restorer.result();
  r.skipped = plan.skipped.size();
  return r;
}

}  // namespace tidemark::engine
