// The `verify` job: checks a backup directory without restoring it and collects every problem
// it finds (not only the first): each file against tidemark_manifest.json (present, size,
// XXH3-128, no extra files), every page of every InnoDB data file (checksum verdict, no LSN
// beyond the backup's end), the structure and pages of an incremental's .delta files, the redo
// copy from its checkpoint to last_lsn, and an incremental's link to its base (docs/verify.md).
// A compressed or encrypted backup is checked in whatever form each file is on disk (stored,
// or after decompress/decrypt); data, delta and redo files are decoded into a scratch directory
// for their page checks. VerifyStream does the same for an xbstream, extracted first.
// Read-only. Files are checked in parallel, one per worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tablespace_reader.h"
#include "innodb/base/types.h"
#include "io/byte_stream.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::engine {

enum class VerifyProblemKind {
  kIncomplete,  // no manifest: the backup did not finish
  kMetadata,    // manifest or xtrabackup_checkpoints unreadable or inconsistent
  kMissing,     // listed in the manifest, not on disk
  kExtra,       // on disk, not in the manifest
  kSize,        // size differs from the manifest
  kHash,        // XXH3-128 differs from the manifest
  kUnreadable,  // a read failed
  kPage,        // a page's verdict is a failure, or a tablespace is truncated / not one
  kPageLsn,     // a page's LSN is newer than the backup's end
  kDelta,       // a .delta/.meta is malformed, or a delta page is wrong
  kRedo,        // the redo copy breaks before last_lsn
  kChain,       // an incremental does not follow its base
  kDecode,   // a compressed or encrypted file does not decode (damaged chunk or frame, truncated)
  kKey,      // the key does not open an encrypted file (wrong key)
  kScratch,  // a decoded copy cannot be written to the scratch directory (file not checked)
  kStream,   // the xbstream is corrupt, truncated or unreadable (nothing else checked)
};
// "incomplete", "metadata", "missing", "extra", "size", "hash", "unreadable", "page",
// "page-lsn", "delta", "redo", "chain", "decode", "key", "scratch", "stream".
std::string_view VerifyProblemKindName(VerifyProblemKind kind);

struct VerifyProblem {
  VerifyProblemKind kind;
  std::string file;              // relative to the backup directory ("" for the backup itself)
  std::optional<uint32_t> page;  // page number, when about one page
  std::optional<uint64_t> lsn;   // the LSN the problem is about (page LSN, where redo breaks)
  std::string detail;            // lowercase, no trailing period

  bool operator==(const VerifyProblem&) const = default;
};

struct VerifyOptions {
  std::string target_dir;
  std::string incremental_basedir;  // "" unless the chain link is to be checked
  size_t parallel = 1;              // files checked at once
  PageReadOptions read;             // rereads, chunk size, direct I/O
  // Decrypts `.tmenc` files (not owned; null: encrypted files are checked only against their
  // stored size and hash, and a note says so).
  const io::CryptKey* key = nullptr;
  // Where decoded copies of data, delta and redo files go for their page checks: verify makes
  // a private directory in it (0700, files 0600) when it first needs one and removes it at the
  // end. "": such files are checked without their pages, and a note says so.
  std::string scratch_dir;
};

struct VerifyResult {
  std::string backup_type;  // xtrabackup_checkpoints' backup_type, or the manifest's kind
  bool prepared = false;    // log-applied: prepare rewrote data and redo files
  Lsn to_lsn, last_lsn;
  Lsn page_lsn_bound;       // no page may be newer (last_lsn, or to_lsn when there is none)
  uint64_t files_checked = 0;       // files whose presence, size and hash were checked
  uint64_t tablespaces_checked = 0;
  uint64_t pages_checked = 0;       // tablespace pages and delta pages
  uint64_t deltas_checked = 0;
  uint64_t files_decoded = 0;  // compressed or encrypted files decoded whole
  bool redo_checked = false;
  std::vector<std::string> notes;       // what was not checked, and why
  std::vector<VerifyProblem> problems;  // sorted by file, then page

  bool ok() const { return problems.empty(); }
};

// Verifies the backup in options.target_dir. Problems found in the backup are data in the
// result, not errors. Errors (the directory is not a backup at all): NotFound "backup 'DIR'
// does not exist"; FailedPrecondition "'DIR' is not a backup: neither tidemark_manifest.json
// nor xtrabackup_checkpoints can be read (...)"; FailedPrecondition for a manifest newer
// than this tidemark reads; NotFound / FailedPrecondition for an --incremental-basedir that
// is not a backup.
absl::StatusOr<VerifyResult> VerifyBackup(io::FileSystem& fs, const VerifyOptions& options);

// Extracts the xbstream `in` into options.target_dir (which must not exist yet; created), then
// verifies it as VerifyBackup. The caller removes the directory. A stream that is corrupt,
// truncated or unreadable is a kStream problem named after in.name() (with the extract error:
// the file and the byte of the stream), and nothing else is checked. Errors: the target's
// (tagged XbstreamErrorKind::kTarget: the directory cannot be written, disk full);
// VerifyBackup's.
absl::StatusOr<VerifyResult> VerifyStream(io::FileSystem& fs, io::ByteSource& in,
                                          const VerifyOptions& options);

}  // namespace tidemark::engine
