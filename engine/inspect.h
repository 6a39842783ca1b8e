// The `inspect` job: reads every page of the tablespaces it is given, front to back with
// read-ahead, judges each page, re-reads pages that fail (a running server may be writing
// them) and accumulates a SpaceSummary per tablespace. Read-only and lock-free: safe on the
// files of a running server. Tablespaces are inspected in parallel, one per worker.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tablespace_finder.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/inspect/space_summary.h"
#include "innodb/page/page_verdict.h"
#include "io/file_system.h"

namespace tidemark::engine {

// Reads and decodes page 0 of `file`. Errors: DataLoss "not a tablespace: ..." or
// "truncated: ..." when page 0 cannot be read or makes no sense; Unavailable when page 0
// is all zero (not written yet by a server creating the tablespace, or wiped).
absl::StatusOr<innodb::FspHeader> ReadSpaceHeader(io::RandomAccessFile& file);

// The verdict context of a tablespace whose page 0 decoded to `header`.
innodb::SpaceContext ContextFor(const innodb::FspHeader& header);

struct InspectOptions {
  std::optional<uint64_t> since_lsn;  // count pages changed after this LSN
  bool list_changed = false;          // and keep their numbers
  size_t parallel = 2;                // tablespaces inspected at once
  size_t chunk_bytes = 1 << 20;       // read size (a multiple of every page size)
  size_t depth = 4;                   // reads in flight per tablespace
  bool direct_io = true;              // O_DIRECT where the file system allows it
  bool drop_cache = false;            // fadvise(DONTNEED) behind the scan when buffered
  int rereads = 3;                    // re-reads of a failing page before it counts as bad
  std::function<void()> before_reread;  // e.g. a short sleep; may be empty
};

struct TablespaceReport {
  TablespaceTarget target;
  // Not OK when the tablespace could not be inspected (not a tablespace, unreadable) or
  // only partly (truncated): then `summary` holds what was read, if anything.
  absl::Status status;
  std::optional<innodb::FspHeader> header;
  innodb::SpaceContext context;
  uint64_t file_bytes = 0;
  std::optional<innodb::SpaceSummary> summary;
};

// Inspects one tablespace. Never fails as a whole: problems land in report.status.
TablespaceReport InspectTablespace(io::FileSystem& fs, const TablespaceTarget& target,
                                   const InspectOptions& options);

// Inspects every target, options.parallel at a time; reports are in target order.
std::vector<TablespaceReport> InspectTablespaces(io::FileSystem& fs,
                                                 const std::vector<TablespaceTarget>& targets,
                                                 const InspectOptions& options);

}  // namespace tidemark::engine
