// Crash safety of prepare's in-place page writes: before a group of recovered pages is
// written into the data files, their full images go into `tidemark_prepare.journal`, which
// is synced first and removed once the data files are synced (the role the doublewrite
// buffer plays for the server). A prepare that starts and finds a complete journal writes
// its images again, so a page torn by a crash mid-write is repaired; an incomplete journal
// means the in-place writes had not started and is discarded. docs/prepare.md.
// Also: replacing a small file atomically (temp file, sync, rename, sync directory).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr std::string_view kPrepareJournalName = "tidemark_prepare.journal";

// One page image to write: `bytes` at `offset` of the file `path` (relative to the target).
struct JournalPage {
  std::string path;
  uint64_t offset = 0;
  ByteSpan bytes;
};

// The journal's bytes: "TMPJRNL1", then per page [path length u16][path][offset u64]
// [length u32][bytes], then "TMPJEND1", the page count (u32), and the CRC-32C of every byte
// before the CRC (all integers big-endian). docs/prepare.md "Journal format".
std::vector<uint8_t> EncodeJournal(std::span<const JournalPage> pages);

// The pages of a journal, pointing into `bytes`. Errors: DataLoss "incomplete journal: ..."
// when the bytes are not a whole journal with a matching CRC (a write cut short).
absl::StatusOr<std::vector<JournalPage>> DecodeJournal(ByteSpan bytes);

// Writes the journal for `pages` to <target_dir>/tidemark_prepare.journal and syncs it and
// the directory. Errors: the file system's, annotated.
absl::Status WriteJournal(io::FileSystem& fs, std::string_view target_dir,
                          std::span<const JournalPage> pages);

// Writes `pages` in place (each file opened once, without truncation) and syncs every file
// touched. Errors: the file system's, annotated with the path.
absl::Status WritePagesInPlace(io::FileSystem& fs, std::string_view target_dir,
                               std::span<const JournalPage> pages);

// Removes the journal (NotFound is fine) and syncs the directory.
absl::Status RemoveJournal(io::FileSystem& fs, std::string_view target_dir);

struct JournalRecovery {
  bool found = false;     // a journal was there
  bool replayed = false;  // it was complete and its pages were written again
  size_t pages = 0;
  std::string detail;     // why an incomplete journal was discarded
};

// What a prepare does first: a complete journal is replayed (WritePagesInPlace) and
// removed; an incomplete one is removed. Errors: the file system's.
absl::StatusOr<JournalRecovery> RecoverJournal(io::FileSystem& fs, std::string_view target_dir);

// Replaces <dir>/<name> with `contents` so that a crash leaves either the old or the new
// file: writes <name>.tidemark-tmp, syncs it, renames it over <name> and syncs `dir`.
absl::Status ReplaceFileAtomically(io::FileSystem& fs, std::string_view dir,
                                   std::string_view name, ByteSpan contents);

}  // namespace tidemark::engine
