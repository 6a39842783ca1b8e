// `tidemark prepare`: makes a full backup consistent, as `mariadb-backup --prepare` does
// (xtrabackup_prepare_func in extra/mariabackup/xtrabackup.cc and crash recovery in
// log0recv.cc, MariaDB 10.11; INNODB_FORMATS.md §4, §4.1, §5.5):
//   finish an interrupted prepare (journal replay, DDL plan) -> check xtrabackup_checkpoints
//   -> resolve .del/.ren/.new -> survey the redo log from the checkpoint -> match its
//   tablespaces with the files -> set file sizes -> apply the log in memory-bounded batches,
//   pages in parallel, each group journalled before it is written in place -> write a fresh
//   12 304-byte ib_logfile0, xtrabackup_binlog_pos_innodb, and xtrabackup_checkpoints
//   (backup_type = log-applied) last.
// Killed at any point, a rerun completes it (docs/prepare.md "Crash safety").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/prepare_apply.h"
#include "innodb/base/types.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct PrepareOptions {
  std::string target_dir;
  // Keep the backup open for incrementals: without it, the prepare closes the chain
  // (tidemark_chain) and no incremental can be applied afterwards (docs/prepare.md).
  bool apply_log_only = false;
  // An incremental backup to apply to target_dir, a prepared full backup
  // (prepare_incremental.h).
  std::string incremental_dir;
  uint64_t use_memory = uint64_t{100} << 20;  // mariadb-backup's --use-memory default
  size_t parallel = 1;
  // Tests: bytes of stored redo per batch (0: derived from use_memory).
  uint64_t batch_bytes = 0;
  bool journal = true;  // the crash-safety journal; off only for benchmarks
  // A compressed or encrypted backup (docs/prepare.md "Compressed and encrypted backups"):
  // the key for its encrypted files (null: none given; an encrypted file is then refused).
  const io::CryptKey* key = nullptr;
  // Where an encoded --incremental-dir is decoded: `<scratch_dir>/tidemark-incremental`.
  // Empty: next to target_dir, as `<target_dir>.tidemark-incremental`. Removed afterwards.
  std::string scratch_dir;
};

enum class PreparePhase {
  kRecovering, kDdl, kScanning, kApplying, kFinishing, kDone, kDeltas,
  kDecoding,  // compressed or encrypted files decoded in place (only when there are some)
};
std::string_view PreparePhaseName(PreparePhase phase);

struct PrepareProgress {
  PreparePhase phase = PreparePhase::kRecovering;
  Lsn start_lsn, lsn, end_lsn;  // the log from checkpoint to end; lsn: applied up to
  uint64_t batch = 0;
  uint64_t batch_pages = 0, batch_pages_done = 0;
  uint64_t pages_written = 0;
};

struct PrepareEnv {
  io::FileSystem& fs;
  std::function<void(const PrepareProgress&)> on_progress;
  std::function<void(std::string_view)> on_note;
};

struct PrepareResult {
  bool already_prepared = false;  // backup_type was log-applied: nothing done
  bool resumed = false;           // an interrupted prepare's journal or DDL plan was finished
  Lsn checkpoint_lsn;             // where recovery started
  Lsn end_lsn;                    // where the log ends: the new log's R
  size_t ddl_steps = 0;
  size_t files_resized = 0;
  uint64_t batches = 0;
  ApplyStats stats;
  std::string binlog_file;  // xtrabackup_binlog_pos_innodb ("" and 0 when unknown)
  uint64_t binlog_offset = 0;
  bool incremental = false;     // an incremental backup was applied
  size_t delta_files = 0;
  uint64_t delta_pages = 0;     // pages written from its deltas
  bool chain_closed = false;    // prepared without --apply-log-only
  size_t decoded_files = 0;     // encoded files of target_dir decoded in place
  uint64_t decoded_bytes = 0;   // their decoded size
  size_t incremental_decoded_files = 0;  // files of an encoded incremental decoded to scratch
};

// Prepares options.target_dir in place, first decoding the encoded files it needs
// (prepare_decode.h). Errors keep their codes:
//   NotFound         the directory or its ib_logfile0 / xtrabackup_checkpoints is missing
//   FailedPrecondition an incremental backup (prepare its base, then apply it), an encrypted
//                    redo log, DDL markers that contradict the files; for --incremental-dir,
//                    a chain error (CheckChain) or an unfinished incremental of another
//                    directory
//   FailedPrecondition also: an encrypted file and no key, or a wrong key (nothing changed)
//   DataLoss         a damaged compressed or encrypted file (named; a rerun finishes what was
//                    decoded), corrupt redo (where and why the log stops), a log that ends before the
//                    backup's to_lsn/last_lsn, a tablespace with redo but no file, a page
//                    past the end of its file, a record that does not apply
//   ResourceExhausted / other I/O errors from writing the target
absl::StatusOr<PrepareResult> RunPrepare(const PrepareOptions& options, PrepareEnv& env);

}  // namespace tidemark::engine
