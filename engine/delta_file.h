// The page deltas of an incremental backup, in the format xtrabackup and mariadb-backup write
// and read (write_filt.cc wf_incremental_*, xtrabackup.cc xtrabackup_apply_delta and
// xb_read_delta_metadata, MariaDB 10.11; ../shared/docs/INNODB_FORMATS.md §6.2, §6.3):
//
//   <file>.delta  a sequence of blocks of one page size P. A block is a header page, then up to
//                 P/4 - 1 page images. The header holds "xtra" (a block followed by another) or
//                 "XTRA" (the last block) at offset 0, the page numbers of the block's images
//                 big-endian at 4, 8, ..., and 0xFFFFFFFF after the last one when the block is
//                 not full. Every block but the last is full. A file with no changed page is one
//                 header page: "XTRA", then the terminator.
//   <file>.meta   "page_size = P\nzip_size = Z \nspace_id = N\n" (Z: the compressed page size,
//                 or 0; the blank before the second newline is the peers').
//
// The page numbers are relative to the data file the delta belongs to (each file of a
// multi-file system tablespace has its own delta, numbered from its first page).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/base/types.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr std::string_view kDeltaSuffix = ".delta";
inline constexpr std::string_view kDeltaMetaSuffix = ".meta";

struct DeltaMeta {
  uint32_t page_size = 0;            // physical page size of the tablespace
  uint32_t zip_size = 0;             // ROW_FORMAT=COMPRESSED page size, else 0
  std::optional<uint32_t> space_id;  // absent only in deltas of XtraBackup before 2.0.1

  bool operator==(const DeltaMeta&) const = default;
};

// Exactly what the peers write (see above).
std::string FormatDeltaMeta(const DeltaMeta& meta);

// Parses `key = value` tokens as xb_read_delta_metadata does (unknown keys ignored). `name` is
// used in messages. Errors, DataLoss: "'NAME': no page_size", "'NAME': page_size = 'x' is not a
// number", "'NAME': page_size 3000 is not a power of two between 1024 and 65536", "'NAME':
// zip_size 4096 does not fit page_size 16384" (zip_size must be 0 or equal page_size: a
// compressed tablespace's pages are stored at their compressed size).
absl::StatusOr<DeltaMeta> ParseDeltaMeta(std::string_view text, std::string_view name);

// Writes a .delta. Pages are buffered until their block is complete (at most P/4 - 1 pages,
// 64 MiB for 16 KiB pages), then written with one Append. Not thread-safe.
class DeltaWriter {
 public:
  // `out` must outlive the writer; it is not closed by it.
  DeltaWriter(io::WritableFile& out, uint32_t page_size);

  // Adds the image of page `page_no` (relative to the data file). Pages must come in strictly
  // ascending order. Errors: InvalidArgument for a wrong size or order; the output's.
  absl::Status Add(uint32_t page_no, ByteSpan page);
  // Writes the last block. Call once, after the last Add. Errors: the output's.
  absl::Status Finish();

  uint64_t pages() const { return pages_; }

 private:
  absl::Status WriteBlock(bool last);

  io::WritableFile& out_;
  const uint32_t page_size_;
  const uint32_t per_block_;  // page images per block: P/4 - 1
  std::vector<uint8_t> block_;
  uint32_t in_block_ = 0;
  uint64_t pages_ = 0;
  std::optional<uint32_t> last_page_;
  bool finished_ = false;
};

// One page image of a delta: its page number and where its bytes are in the .delta file.
struct DeltaEntry {
  uint32_t page_no = 0;
  uint64_t offset = 0;
};

// Reads the block headers of a whole .delta and checks its structure: every block's magic,
// full blocks before the last, the last block "XTRA", page numbers strictly ascending, and the
// file size exactly what the blocks say. `name` is used in messages. Errors, DataLoss, e.g.:
//   "'db/t.ibd.delta' block 2 (offset 67108864): bad magic 0x00000000, expected 'xtra' or 'XTRA'"
//   "'db/t.ibd.delta' block 1 (offset 0): 'xtra' block with 12 of 4095 pages (only the last
//    block may be partial)"
//   "'db/t.ibd.delta': truncated: block 1 (offset 0) lists 12 pages, ending at 212992, but the
//    file has 180224 bytes"
//   "'db/t.ibd.delta': 16384 bytes after the last block"
//   "'db/t.ibd.delta' block 1: page 7 after page 9 (page numbers must ascend)"
//   "'db/t.ibd.delta': empty file" / "'db/t.ibd.delta': size 1000 is not a multiple of the page
//    size 16384"
// and the file system's.
absl::StatusOr<std::vector<DeltaEntry>> ReadDeltaIndex(io::RandomAccessFile& file,
                                                       uint32_t page_size, std::string_view name);

}  // namespace tidemark::engine
