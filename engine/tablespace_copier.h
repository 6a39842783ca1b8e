// Copies one InnoDB tablespace into a backup: every page read through a TablespaceReader
// (read-ahead, verdicts, re-reads of pages a running server was writing), written in large
// sequential appends, at most `bytes_per_second` when throttled. A page whose failure is
// stable over re-reads fails the copy with the file and page named: a backup never holds a
// page it knows to be bad. The system tablespace's files go to one output each.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tablespace_reader.h"
#include "io/clock.h"
#include "io/file_system.h"

namespace tidemark::engine {

// Limits the bytes per second of all copies sharing it (a token bucket refilled by the
// clock). Thread-safe. 0 = unlimited.
class Throttle {
 public:
  Throttle(io::Clock& clock, uint64_t bytes_per_second);
  // Blocks until `bytes` may pass.
  void Acquire(uint64_t bytes);

 private:
  io::Clock& clock_;
  const uint64_t rate_;
  std::atomic<int64_t> next_free_ns_{0};  // when the bucket is empty again
};

struct TablespaceCopyResult {
  SpaceId space;
  uint32_t pages = 0;
  uint64_t bytes = 0;
};

// Opens the output for file `index` of the tablespace (0 for single-file tablespaces);
// `header` is the tablespace's page 0 (space id, page size) as read for this copy.
using OutputOpener = std::function<absl::StatusOr<std::unique_ptr<io::WritableFile>>(
    size_t index, const innodb::FspHeader& header)>;

// The whole pages of each file of `target` now (file size / `page_size`): where a multi-file
// system tablespace's files begin in its page numbering. Errors: Stat's, e.g. NotFound.
absl::StatusOr<std::vector<uint64_t>> PagesPerFile(io::FileSystem& fs,
                                                   const TablespaceTarget& target,
                                                   uint32_t page_size);

// Copies `target` (opened as a TablespaceReader with `read`) into the outputs `open_output`
// returns, `bytes_counter` (may be null) advancing as bytes are written. For the multi-file
// system tablespace, file k receives the pages that lie in it (sizes taken when it starts).
// `cancel` (may be null) is checked before each write: once it is true the copy stops with
// Cancelled "copy cancelled" (e.g. the redo copy failed and the backup cannot complete).
// Errors: DataLoss "backup 'PATH' page N: <verdict> (stable over R re-reads)"; those of
// reading (prefixed "read 'PATH'") and writing (naming the output).
absl::StatusOr<TablespaceCopyResult> CopyTablespace(io::FileSystem& fs, const TablespaceTarget& target,
                                                    const PageReadOptions& read,
                                                    const OutputOpener& open_output,
                                                    Throttle* throttle,
                                                    std::atomic<uint64_t>* bytes_counter,
                                                    const std::atomic<bool>* cancel = nullptr);

}  // namespace tidemark::engine
