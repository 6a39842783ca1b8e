// UNDO_INIT and UNDO_APPEND, ported from trx_undo_page_init (trx0undo.cc) and
// log_phys_t::undo_append (log0recv.cc) of MariaDB 10.11.
#include "innodb/apply/undo_page_apply.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/page/fil_page.h"

namespace tidemark::innodb {
namespace {
constexpr uint16_t kFirstFree = kTrxUndoPageHdr + kTrxUndoPageHdrSize;  // 56
}  // namespace

void ApplyUndoInit(MutableByteSpan frame) {
  WriteBe16(frame, kFilPageType, kPageTypeUndoLog);
  const size_t hdr = kTrxUndoPageHdr;
  WriteBe16(frame, hdr + kTrxUndoPageType, 0);
  WriteBe16(frame, hdr + kTrxUndoPageStart, kFirstFree);
  WriteBe16(frame, hdr + kTrxUndoPageFree, kFirstFree);
  // flst_zero_both without log: prev and next = {FIL_NULL, 0}.
  const size_t node = hdr + kTrxUndoPageNode;
  WriteBe32(frame, node, kFilNull);
  WriteBe16(frame, node + 4, 0);
  WriteBe32(frame, node + 6, kFilNull);
  WriteBe16(frame, node + 10, 0);
  std::fill(frame.begin() + kTrxUndoSegHdr + kTrxUndoSegHdrSize,
            frame.end() - kFilPageEndLsnOldChksum, uint8_t{0});
}

absl::Status ApplyUndoAppend(MutableByteSpan frame, ByteSpan record) {
  const size_t free_at = kTrxUndoPageHdr + kTrxUndoPageFree;
  const uint16_t free = ReadBe16(frame, free_at);
  if (free < kFirstFree || free + record.size() + 6 >= frame.size() - kFilPageEndLsnOldChksum) {
    return absl::DataLossError(absl::StrFormat(
        "undo page free offset %d out of range for a record of %d bytes", free, record.size()));
  }
  const uint16_t new_free = static_cast<uint16_t>(free + 4 + record.size());
  WriteBe16(frame, free_at, new_free);
  WriteBe16(frame, free, new_free);
  std::copy(record.begin(), record.end(), frame.begin() + free + 2);
  WriteBe16(frame, free + 2 + record.size(), free);
  return absl::OkStatus();
}

}  // namespace tidemark::innodb
