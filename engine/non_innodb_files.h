// The files a backup copies besides InnoDB tablespaces and the redo log, and the BACKUP STAGE
// each must be copied under (INNODB_FORMATS.md §2.7, §5.4; backup_files, common_engine.cc and
// aria_backup_client.cc of mariadb-backup). tidemark copies all of them once DDL is blocked,
// which captures the final state of any DDL that ran and so needs no ddl.log processing:
//   BLOCK_DDL:    table definitions and metadata (.frm .isl .TRG .TRN .opt .par) and
//                 non-transactional engines (MyISAM .MYD/.MYI, .MRG, Archive, CSV)
//   BLOCK_COMMIT: Aria (.MAI/.MAD, including mysql.* system and statistics tables) and the
//                 Aria log (aria_log_control, aria_log.N), which transactional Aria tables
//                 may still write until commits are blocked
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/file_system.h"

namespace tidemark::engine {

enum class CopyStage { kBlockDdl, kBlockCommit };

struct NonInnodbFile {
  std::string source;       // path to read
  std::string backup_path;  // where it goes in the backup: "db/t.frm", "aria_log_control"
  CopyStage stage = CopyStage::kBlockDdl;
};

struct NonInnodbListing {
  std::vector<NonInnodbFile> files;
  // Database directories holding none of the files above: the backup writes an empty
  // "db/db.opt" so that the database exists after restore.
  std::vector<std::string> empty_databases;
};

// Lists them under `datadir` (database directories are its first-level subdirectories,
// symlinks followed; names starting with '#' and lost+found are not databases) and the Aria
// log files in `aria_log_dir` (the datadir when empty). Errors: those of listing `datadir`.
absl::StatusOr<NonInnodbListing> ListNonInnodbFiles(io::FileSystem& fs, const std::string& datadir,
                                                    const std::string& aria_log_dir);

}  // namespace tidemark::engine
