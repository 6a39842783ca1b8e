// The base of an incremental backup: the LSN B whose later page versions the deltas hold
// (INNODB_FORMATS.md §6.1), and the identity of the backup it continues, so that prepare can
// check a chain. B is --incremental-lsn, or to_lsn of the base directory's
// xtrabackup_checkpoints (a full or incremental backup, prepared or not, written by tidemark or
// by mariadb-backup), as xtrabackup.cc (main, --incremental-basedir) reads it.
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "absl/status/statusor.h"
#include "innodb/base/types.h"
#include "io/file_system.h"

namespace tidemark::engine {

// How an incremental finds its changed pages. kScan reads every page and keeps those newer
// than B. kRedo reads only the pages the redo log lists as changed since B (a
// `tidemark redo-follow` tracking directory, else the live log; docs/page-tracking.md), and
// refuses when the log no longer covers B. kAuto is kRedo when possible, else kScan.
enum class IncrementalMode { kScan, kRedo, kAuto };
// "scan", "redo", "auto".
std::string_view IncrementalModeName(IncrementalMode mode);
// Errors: InvalidArgument "unknown incremental mode 'x' (expected scan, redo or auto)".
absl::StatusOr<IncrementalMode> ParseIncrementalMode(std::string_view name);

struct IncrementalOptions {
  std::string basedir;     // --incremental-basedir, or ""
  std::optional<Lsn> lsn;  // --incremental-lsn
  IncrementalMode mode = IncrementalMode::kAuto;
  // --page-tracking-dir: the page-set files of `tidemark redo-follow` (redo and auto only).
  std::string page_tracking_dir;
};

struct IncrementalBase {
  Lsn lsn;              // B: pages whose FIL_PAGE_LSN is greater go into the deltas
  std::string basedir;  // "" with --incremental-lsn
  // The id of the backup whose to_lsn is B: tidemark_manifest.json's backup_uuid, else
  // xtrabackup_info's uuid, each only when the same file records to_lsn = B (a full backup
  // that had incrementals applied keeps its own manifest but ends at the last one's to_lsn).
  // "" when unknown.
  std::string backup_uuid;
  IncrementalMode mode = IncrementalMode::kAuto;  // as requested; the backup decides kAuto
  std::string page_tracking_dir;
  // The space ids the base has (its data files' page 0, its .meta files), ascending; absent
  // with --incremental-lsn, or when a data file of the base cannot be read. A space the base
  // lacks is copied with every page that is not all zero, whatever its LSN (pages of an
  // IMPORTed tablespace keep FIL_PAGE_LSN 0).
  std::optional<std::vector<uint32_t>> spaces;
};

// The space ids of the InnoDB data files of backup directory `dir`. When `dir` has a
// tidemark manifest ending at `lsn` (the backup as written, or an --extra-lsndir copy of its
// records), the ids it lists for tablespace and delta files, plus 0: it holds them even when
// the files are compressed, encrypted or elsewhere. Otherwise from the files of `dir` and its
// database subdirectories: 0 (the system tablespace), page 0 of `*.ibd`, `*.new` and `undo*`
// files, `space_id` of `*.meta` files. nullopt when one of them cannot be read or parsed.
std::optional<std::vector<uint32_t>> BaseSpaceIds(io::FileSystem& fs, const std::string& dir,
                                                  Lsn lsn);
// The file-based part of BaseSpaceIds alone.
std::optional<std::vector<uint32_t>> BaseSpaceIds(io::FileSystem& fs, const std::string& dir);

// Checks the options and reads the base. Errors whose message starts with "incremental base"
// (see IsIncrementalBaseError), each naming the directory:
//   NotFound "incremental base 'DIR' does not exist"
//   NotFound "incremental base 'DIR': no xtrabackup_checkpoints (not a backup directory)"
//   DataLoss "incremental base 'DIR': 'DIR/xtrabackup_checkpoints' line 2: ..." (garbled)
//   DataLoss "incremental base 'DIR': manifest '...': ..." (a damaged tidemark_manifest.json)
//   NotFound "incremental base 'DIR': backup 'DIR' is incomplete: no tidemark_manifest.json
//     (the backup did not finish)" (xtrabackup_info says tidemark wrote it, no manifest)
// and, about the options: InvalidArgument "--incremental-basedir and --incremental-lsn are
// mutually exclusive", InvalidArgument "an incremental backup needs --incremental-basedir or
// --incremental-lsn", InvalidArgument "--page-tracking-dir is for --incremental-mode=redo or
// auto, not scan".
absl::StatusOr<IncrementalBase> ResolveIncrementalBase(io::FileSystem& fs,
                                                       const IncrementalOptions& options);

// A base LSN beyond the server's current LSN cannot come from this server's history.
// Errors: FailedPrecondition "incremental base 'DIR': its to_lsn 900 is ahead of the server's
// current LSN 800: the base is a backup of a different server (or of this one before its data
// was replaced); take a full backup" (for --incremental-lsn: "incremental base: LSN 900
// (--incremental-lsn) is ahead of ...").
absl::Status CheckBaseAgainstServer(const IncrementalBase& base, Lsn server_lsn);

// True for the errors above that concern the base itself (its message starts with
// "incremental base"): the base is missing, damaged or foreign.
bool IsIncrementalBaseError(const absl::Status& status);

}  // namespace tidemark::engine
