// The full hot backup of a running MariaDB 10.11 server (INNODB_FORMATS.md §5), in the layout
// and with the metadata `mariadb-backup --backup` writes, so that `mariadb-backup --prepare`
// and the tools around it accept it:
//   connect, read settings, check privileges -> open the server's redo log and copy it from
//   its latest checkpoint in a background thread -> BACKUP STAGE START -> copy every InnoDB
//   tablespace in parallel, every page validated -> FLUSH -> BLOCK_DDL: redo caught up,
//   DDL that ran resolved into .del/.ren/.new, table definitions and non-transactional files
//   copied -> BLOCK_COMMIT: binlog position, end LSN, redo copied to it, Aria copied ->
//   END -> metadata files, and the manifest last.
// A failure leaves the target without a manifest (visibly incomplete) and releases the
// server's backup locks by closing the lock connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/incremental_base.h"
#include "engine/server_info.h"
#include "engine/sql_session.h"
#include "engine/tablespace_reader.h"
#include "innodb/base/types.h"
#include "io/clock.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"
#include "io/zstd_stage.h"

namespace tidemark::engine {

class XbstreamWriter;  // engine/xbstream.h

struct BackupJobOptions {
  std::string target_dir;  // unused with `stream`
  // Write the backup into this xbstream instead of target_dir (`--stream xbstream`); the
  // writer must outlive the job. `stream_name` names it in messages.
  XbstreamWriter* stream = nullptr;
  std::string stream_name = "stdout";
  // Every file but xtrabackup_checkpoints compressed (`x.zst`) and/or encrypted (`x.tmenc`,
  // `x.zst.tmenc`); see BackupTargetOptions.
  std::optional<io::ZstdOptions> compress;
  std::optional<io::CryptKey> encrypt_key;
  // When set, xtrabackup_checkpoints, xtrabackup_info and the manifest are also written here
  // (plain), once the backup is complete: the base of a later incremental, e.g. of a stream.
  std::string extra_lsndir;
  size_t parallel = 1;               // tablespaces copied at once
  uint64_t throttle_bytes_per_second = 0;  // 0: unlimited
  PageReadOptions read;              // data-file reads (O_DIRECT by default)
  bool checkpoint_now = false;       // SET GLOBAL innodb_log_checkpoint_now=ON first
  std::vector<std::string> command_line;  // for xtrabackup_info's tool_command (masked)
  bool sync_files = true;            // fdatasync each file before the manifest
  // An incremental backup relative to this base (engine/incremental_base.h); a full backup
  // when absent.
  std::optional<IncrementalOptions> incremental;
};

enum class BackupPhase { kStarting, kCopyingInnodb, kBlockDdl, kBlockCommit, kFinishing, kDone };
std::string_view BackupPhaseName(BackupPhase phase);

struct BackupProgress {
  BackupPhase phase = BackupPhase::kStarting;
  uint64_t bytes_total = 0;  // InnoDB bytes to copy (sizes at the start)
  uint64_t bytes_done = 0;
  uint64_t redo_bytes = 0;   // redo copied so far
  uint64_t redo_lag = 0;     // server LSN - copied LSN
  double redo_lag_fraction = 0;
};

// What a backup needs from outside: files, time, SQL connections, and where progress goes.
struct BackupEnv {
  io::FileSystem& fs;
  io::Clock& clock;
  SqlSessionFactory& sql;
  // Called from a reporting thread about once a second, and at each phase change.
  std::function<void(const BackupProgress&)> on_progress;
  // Human-readable notes (phase changes, warnings such as a growing redo lag).
  std::function<void(std::string_view)> on_note;
};

struct BackupResult {
  std::string backup_uuid;  // also in xtrabackup_info and the manifest
  Lsn start_lsn;  // the checkpoint the redo copy started from
  Lsn to_lsn;
  Lsn last_lsn;
  std::optional<BinlogPosition> binlog;
  uint64_t innodb_bytes = 0;
  uint64_t redo_bytes = 0;
  size_t tablespaces = 0;
  absl::Duration lock_time;  // time commits were blocked
  double max_redo_lag_fraction = 0;
  // Incremental backups only: the base, the pages read from the data files copied as deltas,
  // and how many of them were newer than the base (written to the deltas).
  std::optional<IncrementalBase> base;
  uint64_t pages_scanned = 0;
  uint64_t pages_changed = 0;
  // How the changed pages were found: kScan (every page read) or kRedo (the pages the redo
  // log lists from the base LSN to start_lsn, pages_listed of them, read in spaces_listed
  // tablespaces; the others, created or renamed in between, were read whole).
  IncrementalMode mode = IncrementalMode::kScan;
  uint64_t pages_listed = 0;
  uint64_t spaces_listed = 0;
  size_t tracking_files = 0;  // page-set files of --page-tracking-dir used
  std::string redo_fallback;  // --incremental-mode=auto: why redo mode was not possible
};

// The start of the message of a redo-mode incremental that cannot be taken (the log and the
// tracking directory do not cover the base LSN, or the log cannot be read).
inline constexpr char kRedoModeUnavailable[] = "redo-mode incremental impossible";
// True for those errors (their code is the tracker's: FailedPrecondition, DataLoss, ...).
bool IsRedoModeUnavailable(const absl::Status& status);

// Runs a backup into options.target_dir (which must not exist or be empty): a full one, or
// with options.incremental an incremental one, which differs only in the InnoDB data files:
// each is read as in a full backup but written as `<file>.delta` + `<file>.meta` holding the
// pages newer than the base (tablespaces created during the backup still become whole `.new`
// copies, as in mariadb-backup's backup_fix_ddl).
// Errors keep their codes: PermissionDenied (missing privileges), FailedPrecondition
// (unsupported server, target not empty, redo log overrun — see IsRedoOverrun — or DDL that
// cannot be resolved), DataLoss (a page bad over re-reads, corrupt redo), ResourceExhausted
// (disk full), Unavailable (server connection lost); for an incremental, before anything is
// written, ResolveIncrementalBase's and CheckBaseAgainstServer's (see IsIncrementalBaseError),
// and with --incremental-mode=redo, before any data file is read, IsRedoModeUnavailable ones
// (--incremental-mode=auto falls back to scan instead).
absl::StatusOr<BackupResult> RunBackup(const BackupJobOptions& options, BackupEnv& env);

}  // namespace tidemark::engine
