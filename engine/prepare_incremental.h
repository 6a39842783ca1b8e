// Applying an incremental backup to a prepared full backup, as
// `mariadb-backup --prepare --target-dir=FULL --incremental-dir=INC` does it in 10.11
// (xtrabackup_prepare_func, xtrabackup_apply_delta, xb_delta_open_matching_space,
// rm_if_not_found, prepare_handle_*_files in xtrabackup.cc; apply_log_finish in
// backup_copy.cc), so that both tools leave the same bytes, but checked first and resumable:
//
//   PlanIncremental  reads only: both backups' metadata, the chain, every .meta and .delta of
//                    INC (structure, page checksums, no page newer than INC's end), INC's own
//                    .del/.ren/.new markers applied to its deltas in memory, then the file steps
//                    in FULL (a renamed table's file moved by space id, a table recreated under
//                    an old name moved aside to db/xtrabackup_tmp_#ID, new files, the files of
//                    tables dropped since FULL removed, INC's .new files copied in);
//   ApplyDeltas      writes every delta page in place, files in parallel, each page once;
//   ReplaceNonInnodbFiles  after the redo of INC is applied: FULL's table definitions and
//                    non-InnoDB files replaced by INC's (ibx_cleanup_full_backup,
//                    ibx_copy_incremental_over_full, ibx_incremental_drop_databases).
//
// INC is never modified (mariadb-backup deletes its .delta files and moves its .new files).
// The chain of backups applied to FULL is kept in `tidemark_chain` (docs/prepare.md
// "Incremental backups").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/backup_metadata.h"
#include "engine/delta_file.h"
#include "engine/prepare_ddl.h"
#include "io/file_system.h"

namespace tidemark::engine {

// Written in FULL while an incremental is being applied: which one (a kill is finished by a
// rerun with the same --incremental-dir).
inline constexpr std::string_view kIncrementalStateName = "tidemark_prepare.incremental";
inline constexpr std::string_view kChainName = "tidemark_chain";

// One backup applied to a directory: the full backup first, then each incremental.
struct ChainLink {
  bool incremental = false;
  std::string uuid;       // the backup's id ("" when unknown)
  std::string base_uuid;  // an incremental's base, when its backup recorded it
  Lsn from_lsn, to_lsn, last_lsn;
  bool operator==(const ChainLink&) const = default;
};

struct BackupChain {
  std::vector<ChainLink> links;
  // Prepared without --apply-log-only: no incremental may be applied any more.
  bool closed = false;
  bool operator==(const BackupChain&) const = default;
};

std::string FormatChain(const BackupChain& chain);
// Errors: DataLoss naming the line.
absl::StatusOr<BackupChain> ParseChain(std::string_view text);
// The chain of `dir`: its tidemark_chain, or, when there is none, one link for the backup
// itself (from its manifest or xtrabackup_info and xtrabackup_checkpoints).
absl::StatusOr<BackupChain> ReadChain(io::FileSystem& fs, std::string_view dir,
                                      const XtrabackupCheckpoints& checkpoints);
absl::Status WriteChain(io::FileSystem& fs, std::string_view dir, const BackupChain& chain);

// The identity and metadata of a backup directory.
struct BackupIdentity {
  std::string uuid;
  std::string base_uuid;
};
BackupIdentity ReadBackupIdentity(io::FileSystem& fs, std::string_view dir);

// Checks that `inc` (an incremental with `inc_cp`) continues `full` (with `full_cp` and
// `chain`). Errors, FailedPrecondition: FULL not prepared (full-backuped) or closed; INC not
// an incremental; INC starting after FULL's end (a missing link), before it (already applied,
// or out of order); INC taken on another base (its recorded base is not the last backup of
// FULL's chain).
absl::Status CheckChain(std::string_view full_dir, const XtrabackupCheckpoints& full_cp,
                        const BackupChain& chain, std::string_view inc_dir,
                        const XtrabackupCheckpoints& inc_cp, const BackupIdentity& inc);

// One delta of INC to apply.
struct PlannedDelta {
  std::string source;  // absolute path of the .delta in INC
  std::string dest;    // the data file in FULL, relative
  DeltaMeta meta;
  std::vector<DeltaEntry> entries;
  // The system tablespace: the index of `dest` among its files (deltas of one tablespace
  // are applied in one task, in file order); -1 for other tablespaces.
  int system_file = -1;
};

struct IncrementalPlan {
  std::vector<DdlStep> steps;  // file steps in FULL before the deltas
  std::vector<PlannedDelta> deltas;
  std::vector<std::string> system_files;  // FULL's system tablespace files, in order
  uint32_t logical_page_size = 16384;
  uint64_t delta_pages = 0;
};

// Reads everything and plans (see the file comment). Errors: DataLoss for a damaged .delta
// or .meta (naming it and what is wrong) or a delta page that fails its checksum or is newer
// than INC's end; FailedPrecondition for markers or files that cannot be matched (as
// mariadb-backup refuses them); the file system's. Nothing is written. `resuming`: FULL may
// hold the files an interrupted application of INC created.
absl::StatusOr<IncrementalPlan> PlanIncremental(io::FileSystem& fs, std::string_view full_dir,
                                                std::string_view inc_dir,
                                                const XtrabackupCheckpoints& inc_cp,
                                                bool resuming = false);

// Writes every planned delta page into FULL (after plan.steps ran), up to `parallel` files at
// once; page 0 of a tablespace grows its file to FSP_SIZE pages first (never shrinks), the
// system tablespace's growing its last file. Files are synced. `on_pages` (may be empty) is
// called with the pages written so far. Errors: the file system's, annotated.
absl::Status ApplyDeltas(io::FileSystem& fs, std::string_view full_dir, const IncrementalPlan& plan,
                         size_t parallel, const std::function<void(uint64_t)>& on_pages);

// After the redo: the non-InnoDB files of FULL replaced by INC's (see the file comment).
// Idempotent. Errors: the file system's.
absl::Status ReplaceNonInnodbFiles(io::FileSystem& fs, std::string_view full_dir,
                                   std::string_view inc_dir);

}  // namespace tidemark::engine
