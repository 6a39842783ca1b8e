// Applying one batch of stored redo to the data files of a backup being prepared
// (recv_sys_t::apply, apply_batch and recv_recover_page in log0recv.cc, MariaDB 10.11):
// pages are processed in groups of bounded memory; within a group, worker threads read each
// page once (or start from nothing when the log initialises it), apply its entries with the
// skip rule (entry.start_lsn < FIL_PAGE_LSN: already on the page), stamp the LSN and seal
// the checksum; then the group's changed pages go to the journal, are written in place and
// synced, and the journal is removed (prepare_journal.h), by a writer thread while the next
// group is read and applied. docs/prepare.md "Batches".
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "engine/prepare_spaces.h"
#include "innodb/apply/page_log_store.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct ApplyOptions {
  size_t parallel = 1;                  // worker threads
  // Page images held at once: a group being computed, the previous one being written (and
  // its journal copy) share it.
  size_t group_bytes = size_t{64} << 20;
  bool journal = true;                  // write the crash-safety journal before in-place writes
};

struct ApplyStats {
  uint64_t pages = 0;             // pages with stored records
  uint64_t pages_read = 0;        // read from their file (the rest were initialised by the log)
  uint64_t pages_written = 0;
  uint64_t entries_applied = 0;
  uint64_t entries_skipped = 0;   // already on the page (start LSN < page LSN)
  uint64_t groups = 0;
};

// Applies every page of `store` to the files of `spaces` under `target_dir`. A group's
// pages are written (journal, in place, sync) by a second thread while the next group is
// read and applied; every write is done when this returns. `on_group` (may be empty) is
// called after each group is computed with the pages done so far in this batch. Errors:
// DataLoss "tablespace S page P ('FILE'): ..." for a page past the end of its file that the
// log does not initialise, or a record that does not apply (the applier's message); the
// file system's, annotated. On error nothing of the failing group is written.
absl::Status ApplyBatch(io::FileSystem& fs, std::string_view target_dir,
                        const PrepareSpaces& spaces, const innodb::PageLogStore& store,
                        const ApplyOptions& options, ApplyStats& stats,
                        const std::function<void(uint64_t pages_done)>& on_group);

}  // namespace tidemark::engine
