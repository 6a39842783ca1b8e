// BackupTarget: the directory a backup is written into. It creates the directory, hands out
// files that hash themselves as they are written (io::HashingWritableFile), keeps the list of
// finished files for the manifest, and writes the manifest last (Complete), which is what marks
// the backup as finished. A backup that fails leaves the directory without a manifest:
// visibly incomplete, and nothing is deleted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/manifest.h"
#include "io/file_system.h"
#include "io/hashing_file.h"

namespace tidemark::engine {

struct BackupTargetOptions {
  // Before the manifest is written, every file of the backup is made durable with one
  // FileSystem::SyncFileSystem (syncfs) of the target: every file the manifest lists is on
  // disk before the manifest appears. Off only in tests and benchmarks.
  bool sync_files = true;
  // io::WriteOptions::write_behind_bytes for the files of the backup: writeback starts as
  // they are written and the page cache is not filled with them.
  uint64_t write_behind_bytes = uint64_t{8} << 20;
};

// Thread-safe: OpenFile, WriteSmallFile and closing the files may happen on many copier threads
// at once. The target must outlive every file it opened (their Close reports back to it):
// close or destroy all of them before destroying the target.
class BackupTarget {
  struct Key {  // see the constructor
    explicit Key() = default;
  };

 public:
  // Takes `dir` for a new backup: creates it and any missing parents (0750), or accepts an
  // existing empty directory as it is. Errors: FailedPrecondition "target directory 'DIR' is
  // not empty", FailedPrecondition "target 'DIR' exists and is not a directory"; the file
  // system's (e.g. PermissionDenied "mkdir 'DIR': Permission denied").
  static absl::StatusOr<std::unique_ptr<BackupTarget>> Create(
      io::FileSystem& fs, std::string_view dir, const BackupTargetOptions& options = {});

  // Public for std::make_unique only: Key is private, so only Create can call it.
  BackupTarget(Key, io::FileSystem& fs, std::string dir, const BackupTargetOptions& options,
               std::vector<std::string> created_dirs);
  BackupTarget(const BackupTarget&) = delete;
  BackupTarget& operator=(const BackupTarget&) = delete;
  // Leaves the directory as it is. Without a successful Complete, it has no manifest.
  ~BackupTarget();

  // The directory, as given to Create (without a trailing '/').
  const std::string& dir() const { return dir_; }

  // Creates `<dir>/<relpath>` (0640, exclusive: a path is written once) and the directories
  // leading to it (0750). When the returned file is closed successfully it is recorded with
  // its size, digest, `kind` and `tablespace`; tablespace->pages is set to size / page_size
  // for kInnodbTablespace, and to the number of page images for kInnodbDelta. A file whose write or close failed, or that is destroyed unclosed, is
  // recorded as failed, and Complete refuses to run.
  // Errors: InvalidArgument "invalid backup file path '../x': must be relative, without '.',
  // '..' or empty components", InvalidArgument "'tidemark_manifest.json' is reserved for the
  // manifest"; FailedPrecondition after Abandon or Complete; the file system's, e.g.
  // AlreadyExists "open 'DIR/db/t.ibd': File exists".
  absl::StatusOr<std::unique_ptr<io::HashingWritableFile>> OpenFile(
      std::string_view relpath, FileKind kind = FileKind::kNonInnodb,
      std::optional<TablespaceFileInfo> tablespace = std::nullopt);

  // OpenFile, Append `contents`, Close: for the metadata files (xtrabackup_checkpoints, ...).
  // Errors: OpenFile's; the write's, naming the file, e.g. ResourceExhausted
  // "write 'DIR/xtrabackup_info' at 0: No space left on device".
  absl::Status WriteSmallFile(std::string_view relpath, std::string_view contents,
                              FileKind kind = FileKind::kMetadata);

  // The files closed successfully so far, sorted by path.
  std::vector<ManifestFile> Files() const;

  // Finishes the backup: syncs the directories created, then writes the manifest (WriteManifest)
  // with `manifest.files` replaced by Files() and an empty producer set to ProducerString().
  // Afterwards no file can be opened. Errors: FailedPrecondition "backup target 'DIR': cannot
  // complete: 2 files are still open", "... cannot complete: 'db/t.ibd' was not written
  // completely (<its error>)", "backup target 'DIR' was abandoned", "backup target 'DIR' is
  // already complete"; WriteManifest's and SyncDir's, after which the target is abandoned (no
  // manifest was written; the backup has to be taken again).
  absl::Status Complete(Manifest manifest);

  // Marks the backup as failed: no more files can be opened and Complete refuses. Files already
  // written stay where they are (they may be the only copy of something the user needs to
  // inspect); the directory has no manifest, so verify and restore treat it as incomplete.
  // Files still open may be closed or destroyed as usual. Idempotent.
  void Abandon();

 private:
  absl::Status CheckOpenable() const;
  absl::Status EnsureParentDirs(std::string_view relpath);
  void OnDone(const std::string& relpath, FileKind kind,
              const std::optional<TablespaceFileInfo>& tablespace,
              const absl::StatusOr<io::ContentHash>& result);
  absl::Status CheckCompletable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SyncCreatedDirs() const;

  io::FileSystem& fs_;
  const std::string dir_;
  const BackupTargetOptions options_;

  mutable absl::Mutex mu_;
  std::vector<ManifestFile> files_ ABSL_GUARDED_BY(mu_);
  int open_files_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<std::pair<std::string, absl::Status>> first_failure_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> created_dirs_ ABSL_GUARDED_BY(mu_);  // full paths, for SyncDir
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  bool completed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace tidemark::engine
