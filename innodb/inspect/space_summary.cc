// SpaceSummary: what innochecksum -S counts (extra/innochecksum.cc parse_page, whose
// rules on free pages and undo states are mirrored here so the figures compare), plus
// verdicts, LSN statistics and changed-page counts.
#include "innodb/inspect/space_summary.h"

#include "innodb/fsp/fsp_header.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/index_page.h"

namespace tidemark::innodb {

SpaceSummary::SpaceSummary(const SpaceContext& ctx, std::optional<uint64_t> since_lsn,
                           bool list_changed)
    : ctx_(ctx), since_lsn_(since_lsn), list_changed_(list_changed) {}

bool SpaceSummary::IsFree(uint32_t page_no) const {
  return !xdes_.empty() && XdesPageIsFree(xdes_, ctx_.flags, page_no);
}

void SpaceSummary::AddPage(uint32_t page_no, ByteSpan page, PageVerdict verdict) {
  ++pages_;
  ++verdicts_[static_cast<int>(verdict)];
  if (page_no % ctx_.flags.page_size.physical() == 0) xdes_.assign(page.begin(), page.end());
  const bool free = IsFree(page_no);
  if (IsFailure(verdict)) (free ? corrupt_free_pages_ : corrupt_pages_).push_back(page_no);
  const uint16_t type = ReadBe16(page, kFilPageType);
  ++type_counts_[type];
  // Doublewrite copies (kSkipped) belong to other tablespaces: no LSN, index or undo figures.
  if (verdict == PageVerdict::kAllZero || verdict == PageVerdict::kSkipped || IsFailure(verdict)) {
    return;
  }
  AddLsn(page_no, ReadBe64(page, kFilPageLsn));
  if (verdict == PageVerdict::kOk) {
    if (IsIndexPageType(type, ctx_.flags.flavor()) && !ctx_.encrypted) AddIndexPage(page, free);
    if (type == kPageTypeUndoLog) AddUndoPage(page);
  }
}

std::map<std::string, uint64_t> SpaceSummary::page_types() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [type, n] : type_counts_) out[PageTypeName(type, ctx_.flags.flavor())] += n;
  return out;
}

void SpaceSummary::AddLsn(uint32_t page_no, uint64_t lsn) {
  if (!lsn_min_ || lsn < *lsn_min_) lsn_min_ = lsn;
  if (!lsn_max_ || lsn > *lsn_max_) lsn_max_ = lsn;
  lsn_histogram_.Add(lsn);
  if (since_lsn_ && lsn > *since_lsn_) {
    ++changed_pages_;
    if (list_changed_) changed_list_.push_back(page_no);
  }
}

void SpaceSummary::AddIndexPage(ByteSpan page, bool free) {
  const IndexPageHeader h = IndexPageHeader::Parse(page);
  IndexStats& s = indexes_[h.index_id];
  if (free) {
    ++s.free_pages;
    return;
  }
  ++s.pages;
  if (h.is_leaf()) ++s.leaf_pages;
  s.records += h.n_recs;
  s.data_bytes += h.DataBytes();
}

void SpaceSummary::AddUndoPage(ByteSpan page) {
  ++undo_.pages;
  switch (UndoPageHeader::Parse(page).segment_state) {
    case kUndoActive: ++undo_.active; break;
    case kUndoCached: ++undo_.cached; break;
    case kUndoToPurge: ++undo_.to_purge; break;
    case kUndoPrepared: ++undo_.prepared; break;
    default: ++undo_.other; break;
  }
}

}  // namespace tidemark::innodb
