// Restore of a prepared backup into an empty datadir, as `mariadb-backup --copy-back` /
// `--move-back` do it (copy_back() in extra/mariabackup/backup_copy.cc, MariaDB 10.11): the
// redo log, undo and system tablespaces go to their configured directories, everything
// else keeps its relative path under the datadir, backup metadata stays behind. Refuses a
// datadir that is not empty and a backup that is not prepared. Files are written
// exclusively (nothing existing is ever overwritten), synced, and given the server's modes
// and the datadir's owner. Files still compressed or encrypted (`x.zst`, `x.tmenc`,
// `x.zst.tmenc`, encoded_file.h) are decoded to `x` while they are copied.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::engine {

// Written by `tidemark prepare` while it runs, removed when it finishes: its presence means
// the data files are half-applied.
inline constexpr std::string_view kPrepareJournalName = "tidemark_prepare.journal";

// What the server creates (verified on 10.11.19 with umask 022: data files -rw-rw----,
// database directories drwx------; my_umask / my_umask_dir of mysys).
inline constexpr uint32_t kRestoreFileMode = 0660;
inline constexpr uint32_t kRestoreDirMode = 0700;

struct FileOwner {
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool operator==(const FileOwner&) const = default;
};

// Owner and permission bits, which io::FileSystem does not model. The POSIX implementation
// (stat/chown/chmod) lives with the tool; tests record the calls. Thread-safe.
class PathAttributes {
 public:
  virtual ~PathAttributes() = default;
  // The owner of an existing path. Errors: NotFound.
  virtual absl::StatusOr<FileOwner> OwnerOf(std::string_view path) = 0;
  // Sets owner and mode of `path` exactly (no umask).
  virtual absl::Status Apply(std::string_view path, const FileOwner& owner, uint32_t mode) = 0;
};

struct RestoreOptions {
  std::string backup_dir;  // a prepared backup (xtrabackup_checkpoints: log-applied)
  std::string datadir;     // empty or absent: created (with parents) when absent
  bool move = false;       // rename instead of copying (copy + remove across file systems)
  int parallel = 1;        // files copied at once
  bool sync = true;        // fdatasync each file and fsync each directory written
  // Where the system tablespace, undo tablespaces and ib_logfile0 go. Empty: the value of
  // innodb_data_home_dir / innodb_undo_directory / innodb_log_group_home_dir in the
  // backup's backup-my.cnf when set, else the datadir. Relative paths are relative to the
  // datadir (Copy_back_dst_dir in backup_copy.cc).
  std::string data_home_dir, undo_dir, log_dir;
  size_t buffer_bytes = 4 << 20;
  const io::CryptKey* key = nullptr;  // for encrypted files; null: none given
};

struct RestoreEnv {
  io::FileSystem& fs;
  PathAttributes* attributes = nullptr;           // null: owner and mode left as created
  std::function<void(std::string_view)> on_note;  // progress lines; may be empty
};

// One file to restore.
struct RestoreItem {
  std::string source;       // path in the backup
  std::string destination;  // full destination path
  uint64_t size = 0;        // of the source
  std::string rel;          // source relative to the backup
  std::string encoding;     // EncodingSuffix(rel): decoded while copied; "" for a plain file
};

struct RestorePlan {
  std::vector<RestoreItem> files;        // in the order they are handed to the workers
  std::vector<std::string> directories;  // to create (parents first), including empty ones
  std::vector<std::string> skipped;      // backup metadata left behind, relative paths
};

// True for a backup file that does not belong in a datadir: mariadb-backup's list
// (backup-my.cnf, xtrabackup_binary, xtrabackup_binlog_info, xtrabackup_checkpoints, *.qp,
// *.pmap, *.tmp, the buffer pool dump ib_buffer_pool) plus tidemark's own files at the
// root (tidemark_*: the manifest, a prepare journal or report).
bool SkippedOnRestore(std::string_view relative_path);

// Checks the backup and lists what goes where; an encoded file is placed and skipped by its
// decoded name. Errors: NotFound when the backup directory or its xtrabackup_checkpoints is
// missing; FailedPrecondition "backup 'B' is not prepared ...", "backup 'B' has an unfinished
// tidemark prepare ...", "backup 'B' holds both 'x' and 'x.zst'"; DataLoss for unparsable
// metadata.
absl::StatusOr<RestorePlan> PlanRestore(io::FileSystem& fs, const RestoreOptions& options);

struct RestoreResult {
  size_t files = 0;
  uint64_t bytes = 0;
  size_t renamed = 0;  // --move: files renamed rather than copied
  size_t skipped = 0;
  size_t decoded = 0;  // compressed or encrypted files decoded while restored
};

// Plans, checks the datadir and the key, and restores. Errors (each a distinct, documented
// exit code in the tool): those of PlanRestore, with DataLoss turned into FailedPrecondition
// (unusable metadata); FailedPrecondition naming an encrypted file when no key or a wrong key
// is given (checked before anything is written); DataLoss naming the file for a damaged
// compressed or encrypted file (found while restoring); AlreadyExists "datadir 'D' is not empty: it holds 'a',
// 'b' ..."; InvalidArgument "datadir 'D' is not a directory"; ResourceExhausted naming
// the file being written when the disk is full; PermissionDenied. On error the datadir is
// left as it is (incomplete); with `move`, files already moved stay moved.
absl::StatusOr<RestoreResult> RunRestore(const RestoreOptions& options, RestoreEnv& env);

}  // namespace tidemark::engine
