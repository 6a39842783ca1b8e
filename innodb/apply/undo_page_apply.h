// The two logical redo records of undo log pages: UNDO_INIT (trx_undo_page_init in
// trx0undo.cc) and UNDO_APPEND (log_phys_t::undo_append in log0recv.cc), MariaDB 10.11;
// INNODB_FORMATS.md §1.9, §3.7. Frames are uncompressed pages of frame.size() bytes.
#pragma once

#include "absl/status/status.h"
#include "innodb/base/endian.h"

namespace tidemark::innodb {

// Undo page header (trx0undo.h): TRX_UNDO_PAGE_HDR = FIL_PAGE_DATA, its fields relative
// to it, and the undo segment header that follows it on the first page of a segment.
inline constexpr size_t kTrxUndoPageHdr = 38;
inline constexpr size_t kTrxUndoPageType = 0;
inline constexpr size_t kTrxUndoPageStart = 2;
inline constexpr size_t kTrxUndoPageFree = 4;
inline constexpr size_t kTrxUndoPageNode = 6;
inline constexpr size_t kTrxUndoPageHdrSize = 18;  // 6 + FLST_NODE_SIZE
inline constexpr size_t kTrxUndoSegHdr = kTrxUndoPageHdr + kTrxUndoPageHdrSize;  // 56
inline constexpr size_t kTrxUndoSegHdrSize = 30;  // 4 + FSEG_HEADER_SIZE + FLST_BASE_NODE_SIZE

// UNDO_INIT: FIL_PAGE_TYPE = UNDO_LOG, page type 0, PAGE_START = PAGE_FREE = 56, an empty
// list node (FIL_NULL page, offset 0 both ways); the undo segment header (56..85) is kept
// and everything from 86 to the trailer is zeroed. Precondition: frame.size() >= 94.
void ApplyUndoInit(MutableByteSpan frame);

// UNDO_APPEND of `record` (at least 3 bytes): with f = PAGE_FREE, writes the new free
// offset f + 4 + size at f and into PAGE_FREE, the record at f + 2 and f after it.
// Returns DataLoss "undo page free offset F out of range for a record of N bytes" without
// touching the page when f < 56 or the record would reach the trailer.
absl::Status ApplyUndoAppend(MutableByteSpan frame, ByteSpan record);

}  // namespace tidemark::innodb
