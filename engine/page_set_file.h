// The page-set file: one ChangedPages for one LSN range, with what identifies the redo log
// it was read from, so that files can be chained only when they describe one log's history
// without a hole. Encoded big-endian, CRC-32C over everything, written atomically (temp file,
// fsync, rename, fsync of the directory). Format: docs/page-tracking.md "The page-set file".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/changed_pages.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr char kPageSetMagic[8] = {'T', 'M', 'P', 'G', 'S', 'E', 'T', '\x1a'};
inline constexpr uint32_t kPageSetVersion = 1;
inline constexpr size_t kPageSetHeaderSize = 160;
inline constexpr char kPageSetSuffix[] = ".pageset";

// What identifies a server's redo log file: its header block (format, first_lsn, creator,
// encryption parameters) and its size. A log that is recreated (a restore, an upgrade from an
// older format) or resized (SET GLOBAL innodb_log_file_size, a new size at restart) gets a new
// first_lsn and so a new identity; a restart on the same log keeps it.
struct LogIdentity {
  uint32_t format = 0;
  Lsn first_lsn;
  uint64_t file_size = 0;
  std::string creator;      // e.g. "MariaDB 10.11.19", at most 32 bytes
  uint32_t header_crc = 0;  // CRC-32C of the header block [0, 508) as WriteLogHeader writes it

  bool operator==(const LogIdentity&) const = default;
  // "first_lsn 12288, 16777216 bytes, 'MariaDB 10.11.19', header crc 0x1234abcd".
  std::string Describe() const;
};

// The identity of a log with header `h` and `file_size` bytes.
LogIdentity IdentityOf(const innodb::LogHeader& h, uint64_t file_size);

// The 4 bytes that end the mtr ending at an LSN (its CRC-32C): a token that proves, with
// overwhelming likelihood, that two readers saw the same log at that LSN. Absent when the
// LSN is the first of its log (no mtr ends there).
using LsnAnchor = std::optional<uint32_t>;

struct PageSetFile {
  ChangedPages pages;                // its from_lsn/to_lsn are the file's range
  LogIdentity identity;              // of the log the range was read from
  Lsn chain_start;                   // where the tracker began reading this chain of files
  LsnAnchor from_anchor;             // the mtr ending at pages.from_lsn()
  LsnAnchor to_anchor;               // the mtr ending at pages.to_lsn()
  innodb::LogCheckpoint checkpoint;  // the server's newest checkpoint when the file was made
  absl::Time written;                // when the file was made (microseconds)

  bool operator==(const PageSetFile&) const = default;
};

// The bytes of a page-set file.
std::vector<uint8_t> EncodePageSetFile(const PageSetFile& file);

// Decodes and checks a page-set file. `name` prefixes every message. Errors, all DataLoss
// "page-set file '<name>': ...": "N bytes, too short for the 160-byte header",
// "N bytes, the header says M", "bad magic", "nonzero reserved header bytes at 152",
// "unsupported version N", "checksum mismatch (stored 0x.., computed 0x..)", "truncated in
// space N", "space N listed after space M", "space N has unknown flags 0x..", "space N chunk
// H: ...", "page count N in the header, M in the sets", "from_lsn X is after to_lsn Y",
// "N bytes after the last space".
absl::StatusOr<PageSetFile> DecodePageSetFile(ByteSpan bytes, std::string_view name);

// "pages-<from>-<to>.pageset", LSNs as 20 zero-padded decimal digits so that names sort
// by LSN.
std::string PageSetFileName(Lsn from, Lsn to);
// The range in a name made by PageSetFileName; nullopt for any other name.
std::optional<std::pair<Lsn, Lsn>> ParsePageSetFileName(std::string_view name);

// Writes `file` as `dir`/PageSetFileName(range) atomically: to "<name>.tmp", synced, renamed,
// directory synced. Returns the path. Errors: the file system's, naming the path.
absl::StatusOr<std::string> WritePageSetFile(io::FileSystem& fs, std::string_view dir,
                                             const PageSetFile& file);

// Reads and decodes `path`. Errors: the file system's (NotFound ...); DataLoss as for
// DecodePageSetFile, naming `path`.
absl::StatusOr<PageSetFile> ReadPageSetFile(io::FileSystem& fs, std::string_view path);

// Only the fixed header of `path` (its range, identity and time), without the checksum
// check: for listing and pruning a directory cheaply. Errors: read errors; DataLoss for a
// short file or a bad magic/version (the header checks of DecodePageSetFile).
absl::StatusOr<PageSetFile> ReadPageSetHeader(io::FileSystem& fs, std::string_view path);

}  // namespace tidemark::engine
