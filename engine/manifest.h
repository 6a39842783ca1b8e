// tidemark_manifest.json: tidemark's own record of a backup (docs/manifest.md). It lists every
// file with its size and XXH3-128, and the LSNs, versions and options of the backup. It is
// written last and atomically, so it doubles as the "backup complete" marker: a directory
// without it is an unfinished backup. Verify, incrementals and prepare read it back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/server_info.h"
#include "innodb/base/types.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr std::string_view kManifestName = "tidemark_manifest.json";
// The manifest format this tidemark writes and the newest it reads.
inline constexpr uint32_t kManifestFormatVersion = 1;

// Field-wise equality of a binlog position, for Manifest's operator== (server_info.h, which
// this file must not change, defines none; drop this once it does).
bool operator==(const BinlogPosition& a, const BinlogPosition& b);

enum class BackupKind { kFull, kIncremental };
// "full", "incremental".
std::string_view BackupKindName(BackupKind kind);

enum class FileKind {
  kInnodbTablespace,  // a copied InnoDB data file: ibdata*, undo*, *.ibd
  kInnodbDelta,       // an incremental's page delta: *.delta
  kRedo,              // ib_logfile0 as copied
  kNonInnodb,         // .frm, Aria, MyISAM, CSV, ... copied whole
  kMetadata,          // written by tidemark: xtrabackup_*, backup-my.cnf, *.meta
};
// "innodb-tablespace", "innodb-delta", "redo", "non-innodb", "metadata".
std::string_view FileKindName(FileKind kind);

// What a tablespace or delta file holds (absent for other kinds).
struct TablespaceFileInfo {
  uint32_t space_id = 0;
  uint32_t page_size = 0;  // physical bytes per page (the zip size for compressed tables)
  uint64_t pages = 0;      // pages in the file (tablespace: size / page_size; delta: data pages)

  bool operator==(const TablespaceFileInfo&) const = default;
};

// How a file of a compressed or encrypted backup is stored: as `path + suffix`, e.g.
// "db/t.ibd.zst.tmenc", with the size and digest of those stored bytes. The file's own size
// and digest stay those of its plain contents, so the manifest checks the file as it was
// written and after `tidemark decompress` / `decrypt` alike (docs/manifest.md).
struct StoredForm {
  std::string suffix;    // ".zst", ".tmenc" or ".zst.tmenc"
  uint64_t size = 0;     // of the stored file
  std::string xxh3_128;  // of the stored file

  bool operator==(const StoredForm&) const = default;
};

struct ManifestFile {
  std::string path;  // relative to the backup directory, '/'-separated, any bytes
  uint64_t size = 0;
  std::string xxh3_128;  // io::ContentHash::xxh3_128
  FileKind kind = FileKind::kNonInnodb;
  std::optional<TablespaceFileInfo> tablespace;
  std::optional<StoredForm> stored;  // absent: stored plain under `path`

  bool operator==(const ManifestFile&) const = default;
};

// The options that shaped the backup. Names only: never a key, password or key file content.
struct BackupOptions {
  uint32_t parallel = 1;             // copier threads
  std::string compression = "none";  // e.g. "none", "zstd"
  std::string encryption = "none";   // "none" or "aes-256-gcm"
  std::string format = "directory";  // "directory" or "xbstream"

  bool operator==(const BackupOptions&) const = default;
};

struct Manifest {
  uint32_t format_version = kManifestFormatVersion;  // as read; the writer always writes ours
  std::string producer;     // ProducerString() of the tool that wrote it, "tidemark 0.1.0"
  std::string backup_uuid;  // also xtrabackup_info's uuid
  BackupKind kind = BackupKind::kFull;
  std::string base_backup_uuid;  // incremental: the base's backup_uuid, if known; else ""
  std::string server_version;    // e.g. "10.11.19-MariaDB-0+deb12u1-log"
  std::string server_uuid;       // "" when the server has none (MariaDB)
  uint32_t page_size = 0;        // innodb_page_size
  Lsn start_checkpoint_lsn;      // the checkpoint the redo copy started from
  Lsn from_lsn;                  // 0 for full; the base's to_lsn for an incremental
  Lsn to_lsn;                    // as in xtrabackup_checkpoints
  Lsn last_lsn;                  // as in xtrabackup_checkpoints
  std::optional<BinlogPosition> binlog;
  absl::Time start_time;  // stored with second precision, in UTC
  absl::Time end_time;
  BackupOptions options;
  std::vector<ManifestFile> files;  // every file of the backup but the manifest itself

  bool operator==(const Manifest&) const = default;
};

// The manifest as text: JSON, one line per file, ending with "manifest_xxh3_128", the
// XXH3-128 of every byte before that member (docs/manifest.md). Deterministic.
std::string SerializeManifest(const Manifest& manifest);

// Parses SerializeManifest's output; `path` names the file in messages. Unknown members are
// ignored (later minor additions). Errors:
//   DataLoss "manifest '<path>': not valid JSON (error at byte 812: truncated or garbled)"
//   DataLoss "manifest '<path>': files[3].size: missing"
//   DataLoss "manifest '<path>': files[3].size: expected an unsigned integer"
//   DataLoss "manifest '<path>': files[3].kind: unknown 'tablespace'"
//   DataLoss "manifest '<path>': manifest_xxh3_128: stored 0123..., computed 4567..."
//   FailedPrecondition "manifest '<path>': format_version 2 is newer than this tidemark
//     reads (1)"
absl::StatusOr<Manifest> ParseManifest(std::string_view text, std::string_view path);

// Writes `manifest` as `<dir>/tidemark_manifest.json` atomically and durably: to
// `tidemark_manifest.json.tmp` (0640), synced and closed, renamed over the final name, then the
// directory synced. The caller must have synced every listed file first (BackupTarget does).
// On failure the temporary file is removed (best effort) and no manifest appears.
// Errors: the file system's, naming the file ("write 'b/tidemark_manifest.json.tmp' at 0: No
// space left on device").
absl::Status WriteManifest(io::FileSystem& fs, std::string_view dir, const Manifest& manifest);

// Reads `<dir>/tidemark_manifest.json`. Errors: NotFound "backup 'DIR' is incomplete: no
// tidemark_manifest.json (the backup did not finish)" when it is absent; ParseManifest's; the
// file system's other errors.
absl::StatusOr<Manifest> ReadManifest(io::FileSystem& fs, std::string_view dir);

}  // namespace tidemark::engine
