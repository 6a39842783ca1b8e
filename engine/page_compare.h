// Page-by-page comparison of two prepared backups (or datadirs): the check that tidemark's
// own redo apply leaves the same bytes as `mariadb-backup --prepare` (TESTING.md, restore
// check 4). Tablespace files are paired by relative path and compared page by page with
// only the masks of docs/compare.md applied; ib_logfile0 and every other file are compared
// too but reported apart, because they are not the pages a restored server reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/file_system.h"

namespace tidemark::engine {

// How a file is compared, from its path relative to the directory compared.
enum class CompareClass {
  kTablespace,  // ibdataN, undoNNN (root level), any *.ibd: page by page
  kRedoLog,     // ib_logfileN (root level)
  kIgnored,     // ibtmp1: the temporary tablespace is recreated at every server start
  kOther,       // everything else: byte by byte
};
CompareClass ClassifyForCompare(std::string_view relative_path);

struct ByteRange {
  uint32_t begin = 0;  // offset within the page, inclusive
  uint32_t end = 0;    // exclusive
  bool operator==(const ByteRange&) const = default;
};

// One page whose bytes differ after masking.
struct PageDifference {
  std::string file;      // relative path of the file holding the page
  uint32_t page_no = 0;  // page number in its tablespace (continuing across ibdata files)
  uint16_t type_a = 0, type_b = 0;  // FIL_PAGE_TYPE of each side
  // Names of the header and trailer fields that differ ("FIL_PAGE_LSN", "PAGE_N_RECS",
  // "FSP_SIZE"...), in page order; "body" when bytes outside every named field differ.
  std::vector<std::string> fields;
  std::vector<ByteRange> ranges;  // the first kMaxRanges differing ranges, in order
  uint32_t differing_bytes = 0;   // all of them, not only those in `ranges`
  static constexpr size_t kMaxRanges = 8;
};

// A file of one class present on both sides with different sizes.
struct SizeDifference {
  std::string file;
  uint64_t size_a = 0, size_b = 0;
  // Tablespaces: true when every page beyond the shorter side is all zero on the longer.
  bool tail_all_zero = false;
};

// A non-InnoDB file whose bytes differ (same size; sizes are in size_differences).
struct ByteDifference {
  std::string file;
  uint64_t first_offset = 0;  // first differing byte
};

// ib_logfile0 of each side: prepare writes a new one (INNODB_FORMATS.md §4.1).
struct RedoComparison {
  bool present_a = false, present_b = false;
  uint64_t size_a = 0, size_b = 0;
  bool bytes_equal = false;
  // Parsed header and checkpoint (0 / "" when the side has none or it does not parse).
  uint64_t checkpoint_lsn_a = 0, checkpoint_lsn_b = 0;
  uint64_t end_lsn_a = 0, end_lsn_b = 0;
  std::string creator_a, creator_b;
};

struct CompareReport {
  uint64_t tablespace_files = 0;  // tablespace files present on both sides
  uint64_t pages_compared = 0;
  uint64_t differing_pages = 0;  // all of them; `pages` holds the first max_report
  std::vector<PageDifference> pages;
  // Pages whose only differences are masked fields (FIL_PAGE_FILE_FLUSH_LSN of the system
  // tablespace's page 0 and, with it, the checksum); counted, not listed.
  uint64_t masked_field_pages = 0;
  // Pages free in the extent descriptors of both sides whose bytes differ: masked (nothing
  // reads a free page), counted, and the first max_report listed for the curious.
  uint64_t differing_free_pages = 0;
  std::vector<PageDifference> free_pages;
  std::vector<std::string> tablespaces_only_in_a, tablespaces_only_in_b;
  std::vector<SizeDifference> tablespace_size_differences;

  uint64_t other_files = 0;  // non-InnoDB files present on both sides
  std::vector<std::string> other_only_in_a, other_only_in_b;
  std::vector<SizeDifference> other_size_differences;
  std::vector<ByteDifference> other_differences;

  RedoComparison redo;

  // No unmasked page difference, no tablespace file on one side only, no size difference
  // between tablespace files. Redo log and other files do not count.
  bool TablespacesEqual() const {
    return differing_pages == 0 && tablespaces_only_in_a.empty() && tablespaces_only_in_b.empty() &&
           tablespace_size_differences.empty();
  }
  bool OtherFilesEqual() const {
    return other_only_in_a.empty() && other_only_in_b.empty() && other_size_differences.empty() &&
           other_differences.empty();
  }
};

struct CompareOptions {
  size_t max_report = 100;  // entries kept in each list of pages
  int parallel = 2;         // tablespaces compared at once
  size_t chunk_bytes = 1 << 20;
};

// Compares directory `dir_a` with `dir_b` (each a prepared backup or a datadir).
// Errors: NotFound / InvalidArgument "'X' is not a directory" for a bad argument; the file
// system's error (prefixed "compare 'FILE'") when a file cannot be read; never for content,
// which is what the report is for.
absl::StatusOr<CompareReport> CompareDirectories(io::FileSystem& fs, const std::string& dir_a,
                                                 const std::string& dir_b,
                                                 const CompareOptions& options = {});

// Compares one pair of same-sized physical pages of a tablespace with FSP_SPACE_FLAGS
// `flags`: the differing ranges and field names, with `mask` ranges ignored. Exposed for
// tests and for `tidemark compare` of single pages.
PageDifference DiffPage(ByteSpan a, ByteSpan b, uint32_t flags,
                        const std::vector<ByteRange>& mask = {});

}  // namespace tidemark::engine
