// Per-tablespace statistics of `tidemark inspect`, accumulated page by page: page types,
// verdicts, bad pages, LSN range and ages, per-index and undo figures (a superset of
// `innochecksum -S`), and the pages changed after a given LSN. Pure: the caller reads the
// pages and judges them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "innodb/base/endian.h"
#include "innodb/inspect/lsn_histogram.h"
#include "innodb/page/page_verdict.h"

namespace tidemark::innodb {

struct IndexStats {
  uint64_t pages = 0;       // pages in use (not marked free in the extent descriptors)
  uint64_t leaf_pages = 0;
  uint64_t records = 0;     // sum of PAGE_N_RECS over pages in use
  uint64_t data_bytes = 0;  // sum of IndexPageHeader::DataBytes() over pages in use
  uint64_t free_pages = 0;  // index pages in extents marked free
};

struct UndoStats {
  uint64_t pages = 0;
  uint64_t active = 0, cached = 0, to_purge = 0, prepared = 0, other = 0;
};

class SpaceSummary {
 public:
  // `since_lsn`: count pages whose FIL_PAGE_LSN is newer; `list_changed`: keep their numbers.
  SpaceSummary(const SpaceContext& ctx, std::optional<uint64_t> since_lsn, bool list_changed);

  // Adds one physical page. Pages must come in ascending page-number order, each extent
  // descriptor page (page_no a multiple of the physical page size) before the pages it
  // describes, as in a front-to-back scan.
  void AddPage(uint32_t page_no, ByteSpan page, PageVerdict verdict);

  uint64_t pages() const { return pages_; }
  // Page counts keyed by the server's type name (PageTypeName).
  std::map<std::string, uint64_t> page_types() const;
  const std::array<uint64_t, kPageVerdictCount>& verdicts() const { return verdicts_; }
  const std::vector<uint32_t>& corrupt_pages() const { return corrupt_pages_; }
  const std::vector<uint32_t>& corrupt_free_pages() const { return corrupt_free_pages_; }
  std::optional<uint64_t> lsn_min() const { return lsn_min_; }
  std::optional<uint64_t> lsn_max() const { return lsn_max_; }
  const LsnHistogram& lsn_histogram() const { return lsn_histogram_; }
  const std::map<uint64_t, IndexStats>& indexes() const { return indexes_; }
  const UndoStats& undo() const { return undo_; }
  std::optional<uint64_t> since_lsn() const { return since_lsn_; }
  uint64_t changed_pages() const { return changed_pages_; }
  const std::vector<uint32_t>& changed_list() const { return changed_list_; }

 private:
  bool IsFree(uint32_t page_no) const;
  void AddIndexPage(ByteSpan page, bool free);
  void AddUndoPage(ByteSpan page);
  void AddLsn(uint32_t page_no, uint64_t lsn);

  SpaceContext ctx_;
  std::optional<uint64_t> since_lsn_;
  bool list_changed_;
  std::vector<uint8_t> xdes_;  // the last extent descriptor page seen
  uint64_t pages_ = 0;
  std::map<uint16_t, uint64_t> type_counts_;  // by FIL_PAGE_TYPE value: no string per page
  std::array<uint64_t, kPageVerdictCount> verdicts_{};
  std::vector<uint32_t> corrupt_pages_;
  std::vector<uint32_t> corrupt_free_pages_;
  std::optional<uint64_t> lsn_min_, lsn_max_;
  LsnHistogram lsn_histogram_;
  std::map<uint64_t, IndexStats> indexes_;
  UndoStats undo_;
  uint64_t changed_pages_ = 0;
  std::vector<uint32_t> changed_list_;
};

}  // namespace tidemark::innodb
