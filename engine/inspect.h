// The `inspect` job: reads every page of the tablespaces it is given through a
// TablespaceReader (read-ahead, verdicts, re-reads of failing pages) and accumulates a
// SpaceSummary per tablespace. Read-only and lock-free: safe on the files of a running
// server. Tablespaces are inspected in parallel, one per worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tablespace_finder.h"
#include "engine/tablespace_reader.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/inspect/space_summary.h"
#include "innodb/page/page_verdict.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct InspectOptions {
  std::optional<uint64_t> since_lsn;  // count pages changed after this LSN
  bool list_changed = false;          // and keep their numbers
  size_t parallel = 2;                // tablespaces inspected at once
  PageReadOptions read;               // read size, depth, direct I/O, re-reads
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
