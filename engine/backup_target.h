// BackupTarget: where a backup is written, a directory or an xbstream. It creates the
// directory, hands out files that hash themselves as they are written (io::HashingWritableFile)
// and, for a compressed or encrypted backup, pass through the zstd and encryption stages
// (data -> hash -> zstd -> encrypt -> hash -> file), keeps the list of finished files for the
// manifest, and writes the manifest last (Complete), which is what marks the backup as
// finished. A backup that fails leaves no manifest: visibly incomplete, and nothing is deleted.
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
#include "io/crypt_stage.h"
#include "io/file_system.h"
#include "io/hashing_file.h"
#include "io/zstd_stage.h"

namespace tidemark::engine {

struct BackupTargetOptions {
  // Before the manifest is written, every file of the backup is made durable with one
  // FileSystem::SyncFileSystem (syncfs) of the target: every file the manifest lists is on
  // disk before the manifest appears. Off only in tests and benchmarks.
  bool sync_files = true;
  // io::WriteOptions::write_behind_bytes for the files of the backup: writeback starts as
  // they are written and the page cache is not filled with them.
  uint64_t write_behind_bytes = uint64_t{8} << 20;
  // Compress every file but the never-encoded ones (IsNeverEncoded): `x` is stored as `x.zst`.
  std::optional<io::ZstdOptions> compress;
  // Encrypt them (after compression): `x.tmenc`, or `x.zst.tmenc` when also compressed.
  std::optional<io::CryptKey> encrypt_key;
  uint32_t crypt_chunk_size = io::kDefaultCryptChunkSize;
};

// The files a compressed or encrypted backup still stores plain: xtrabackup_checkpoints, which
// incremental backups, pipelines and mariadb-backup read without the key (as xtrabackup does).
bool IsNeverEncoded(std::string_view relpath);

// The suffix a file gets under `options`: "", ".zst", ".tmenc" or ".zst.tmenc".
std::string StoredSuffix(const BackupTargetOptions& options, std::string_view relpath);

class XbstreamWriter;  // engine/xbstream.h

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

  // A backup written into an xbstream (`tidemark backup --stream xbstream`): every file becomes
  // a stream entry under its stored name, the manifest the last one; Complete ends with
  // stream.Finish(). `name` stands for the directory in messages (e.g. "stdout"). Nothing is
  // synced (sync_files is ignored). `stream` must outlive the target.
  static std::unique_ptr<BackupTarget> CreateStream(XbstreamWriter& stream,
                                                    std::string_view name,
                                                    const BackupTargetOptions& options = {});

  // Public for std::make_unique only: Key is private, so only Create can call it.
  BackupTarget(Key, io::FileSystem* fs, XbstreamWriter* stream, std::string dir,
               const BackupTargetOptions& options, std::vector<std::string> created_dirs);
  BackupTarget(const BackupTarget&) = delete;
  BackupTarget& operator=(const BackupTarget&) = delete;
  // Leaves the directory as it is. Without a successful Complete, it has no manifest.
  ~BackupTarget();

  // The directory, as given to Create (without a trailing '/'), or the stream's name.
  const std::string& dir() const { return dir_; }

  // Creates `<dir>/<relpath><suffix>` (0640, exclusive: a path is written once; suffix is
  // StoredSuffix's) and the directories leading to it (0750), or the stream entry of that
  // name. What is written to the returned file is the plain contents; compression and
  // encryption happen inside it. When the file is closed successfully it is recorded under
  // `relpath` with the size and digest of the plain contents, the stored form (suffix, size
  // and digest of the stored bytes) when encoded, `kind` and `tablespace`; tablespace->pages
  // is set to size / page_size for kInnodbTablespace, and to the number of page images for
  // kInnodbDelta. A file whose write or close failed, or that is destroyed unclosed, is
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

  // Finishes the backup: syncs the files and the directories created, then writes the manifest
  // (WriteManifest; in a stream: the last entry, then XbstreamWriter::Finish)
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
  absl::StatusOr<std::unique_ptr<io::WritableFile>> OpenStored(const std::string& stored_path);
  void OnDone(const std::string& relpath, FileKind kind,
              const std::optional<TablespaceFileInfo>& tablespace,
              const absl::StatusOr<io::ContentHash>& result,
              std::optional<StoredForm> stored);
  absl::Status CheckCompletable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SyncCreatedDirs() const;

  absl::Status WriteStreamManifest(const Manifest& manifest);

  io::FileSystem* const fs_;         // a directory target
  XbstreamWriter* const stream_;     // a stream target
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
