// The data-file half of an incremental backup (INNODB_FORMATS.md §6.1; write_filt.cc
// wf_incremental, MariaDB 10.11): one tablespace read and judged exactly as CopyTablespace
// reads it (read-ahead, verdicts, re-reads; a page bad over re-reads fails the copy), but only
// the pages whose FIL_PAGE_LSN is greater than the base LSN are written, into .delta files
// (engine/delta_file.h). Each file of a multi-file system tablespace gets its own delta, its
// pages numbered from that file's first page (fil_cur.cc: buf_page_no = offset in the file /
// page size). Every file gets a delta, one header page when no page changed.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/changed_pages.h"
#include "engine/tablespace_copier.h"
#include "engine/tablespace_reader.h"
#include "innodb/base/types.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct DeltaCopyOptions {
  Lsn base_lsn;  // pages with FIL_PAGE_LSN > base_lsn are written
  // Which pages to read. Null: every page (scan mode). Otherwise the pages changed since the
  // base as the redo log lists them (redo mode, engine/changed_pages.h): for the space id
  // found in page 0 at copy time, page 0 and the pages `changed` lists, in ascending runs
  // (TablespaceReader::ReadListedPages), still filtered by LSN; every page when it marks
  // that space whole (created, dropped, renamed or truncated in the range). Must outlive the
  // copy; only read.
  const ChangedPages* changed = nullptr;
  // The space ids the base has, ascending (IncrementalBase::spaces), or null when unknown. A
  // space not among them, or one `changed` shows deleted in the range (DISCARD TABLESPACE
  // before an IMPORT: the same space id, new contents), gets every page that is not all zero
  // whatever its LSN: an imported tablespace's pages keep FIL_PAGE_LSN 0 until changed, so
  // the LSN alone would leave prepare a table it cannot rebuild.
  const std::vector<uint32_t>* base_spaces = nullptr;
};

struct DeltaCopyResult {
  SpaceId space;
  bool listed = false;         // read by the list of `changed`, not page by page
  bool every_page = false;     // not in the base, or re-created: LSN not looked at
  uint64_t pages_read = 0;     // pages read and judged
  uint64_t pages_written = 0;  // of those, newer than the base: in the deltas
  uint64_t bytes_read = 0;
};

// Copies the changed pages of `target` into the outputs `open_delta` returns (one per file of
// the tablespace, in order; the caller names them `<file>.delta` and writes the `.meta`). Each
// output is closed by the copy. `bytes_counter` (may be null) advances by the bytes read,
// `throttle` (may be null) limits them; `cancel` as in CopyTablespace.
// Errors: CopyTablespace's (DataLoss "page N: <verdict> (stable over R re-reads)", prefixed
// "read 'PATH'"); FailedPrecondition "... page 5 (TRX_SYS) of the system tablespace changed
// after LSN B: an incremental backup is impossible once the server was restarted with a
// different innodb_undo_tablespaces; take a full backup" (write_filt.cc refuses the same);
// the outputs' errors.
absl::StatusOr<DeltaCopyResult> CopyTablespaceDelta(
    io::FileSystem& fs, const TablespaceTarget& target, const PageReadOptions& read,
    const DeltaCopyOptions& delta, const OutputOpener& open_delta, Throttle* throttle,
    std::atomic<uint64_t>* bytes_counter, const std::atomic<bool>* cancel = nullptr);

}  // namespace tidemark::engine
