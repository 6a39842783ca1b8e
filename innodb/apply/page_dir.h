// Record headers and the sparse page directory of uncompressed index pages, as the logical
// redo appliers (index_page_apply.cc) need them: the fixed record header fields of both
// record formats, the directory slots, and the server's slot split, slot balance and record
// freeing (page_dir_split_slot, page_dir_balance_slot, page_mem_free in page0cur.cc of
// MariaDB 10.11; INNODB_FORMATS.md §1.9, §3.7). Offsets are byte offsets in the frame.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "innodb/base/endian.h"
#include "innodb/page/index_page.h"

namespace tidemark::innodb {

inline constexpr size_t kPageDir = 8;  // FIL_PAGE_DATA_END: the directory ends here
inline constexpr size_t kPageDirSlotSize = 2;
inline constexpr uint32_t kPageDirSlotMinNOwned = 4;
inline constexpr uint32_t kPageDirSlotMaxNOwned = 8;
inline constexpr size_t kPageNewInfimum = 99;
inline constexpr size_t kPageNewSupremum = 112;
inline constexpr size_t kPageOldInfimum = 101;
inline constexpr size_t kPageOldSupremum = 116;
inline constexpr size_t kRecNOldExtraBytes = 6;  // fixed header bytes, REDUNDANT
inline constexpr size_t kRecNNewExtraBytes = 5;  // fixed header bytes, COMPACT/DYNAMIC
inline constexpr size_t kRecNext = 2;            // the next field ends at the origin
inline constexpr size_t kRecMaxNFields = 1023;   // REC_MAX_N_FIELDS
inline constexpr uint32_t kPageHeapNoUserLow = 2;
// REC_STATUS_* of COMPACT records (low 3 bits of rec - 3).
inline constexpr uint8_t kRecStatusNodePtr = 1;
inline constexpr uint8_t kRecStatusInstant = 4;
// PAGE_DIRECTION_B values.
inline constexpr uint8_t kPageLeft = 1;
inline constexpr uint8_t kPageRight = 2;
inline constexpr uint8_t kPageNoDirection = 5;
inline constexpr size_t kPageInstant = 12;     // byte offset in the page header
inline constexpr size_t kPageDirectionB = 13;  // byte offset in the page header

// The two-byte page header field at PAGE_HEADER + `field`.
inline uint16_t PageField(ByteSpan frame, size_t field) {
  return ReadBe16(frame, kPageHeader + field);
}
inline void SetPageField(MutableByteSpan frame, size_t field, uint16_t v) {
  WriteBe16(frame, kPageHeader + field, v);
}

// Byte offset of directory slot n (slot 0 points to the infimum).
inline size_t DirSlot(size_t page_size, size_t n) {
  return page_size - kPageDir - kPageDirSlotSize * (n + 1);
}

// The fixed header fields of the record whose origin is at `rec`. Preconditions: the
// record's fixed header bytes lie inside the frame.
inline size_t ExtraBytes(bool comp) { return comp ? kRecNNewExtraBytes : kRecNOldExtraBytes; }
inline uint8_t RecNOwned(ByteSpan frame, size_t rec, bool comp) {
  return frame[rec - ExtraBytes(comp)] & 0x0F;
}
inline void SetRecNOwned(MutableByteSpan frame, size_t rec, uint32_t n, bool comp) {
  uint8_t& b = frame[rec - ExtraBytes(comp)];
  b = static_cast<uint8_t>((b & 0xF0) | n);
}
// REC_NEW_HEAP_NO at rec - 4, REC_OLD_HEAP_NO at rec - 5 (bits 15..3).
inline uint16_t RecHeapNo(ByteSpan frame, size_t rec, bool comp) {
  return ReadBe16(frame, rec - (comp ? 4 : 5)) >> 3;
}
// The raw next field: absolute (REDUNDANT) or relative modulo 2^16 (COMPACT).
inline uint16_t RecNextField(ByteSpan frame, size_t rec) { return ReadBe16(frame, rec - kRecNext); }
// REDUNDANT: n_fields (rec - 4, bits 10..1) and the 1-byte-offsets flag (rec - 3, bit 0).
inline uint32_t OldRecNFields(ByteSpan frame, size_t rec) {
  return (ReadBe16(frame, rec - 4) & 0x7FE) >> 1;
}
inline bool OldRecShortFlag(ByteSpan frame, size_t rec) { return frame[rec - 3] & 1; }
inline size_t OldRecExtraSize(uint32_t n_fields, bool is_short) {
  return kRecNOldExtraBytes + (is_short ? n_fields : n_fields * 2);
}

// rec_get_data_size_old over a REDUNDANT header whose origin is at `rec` in `bytes` (a
// frame or a header being built): the end offset of the last field, flags masked off.
// Precondition: the whole header (OldRecExtraSize bytes before rec) lies in `bytes`.
size_t OldRecDataSize(ByteSpan bytes, size_t rec);

// page_rec_next_get: the successor's offset, or 0 when it is below the supremum or above
// PAGE_HEAP_TOP (a COMPACT next field of 0 also gives 0).
size_t RecNextChecked(ByteSpan frame, size_t rec, bool comp);

// page_dir_split_slot: the slot at byte offset `slot`, whose owner owns 9 records, becomes
// two (4 + 5). DataLoss when the walk from the previous slot's owner leaves the heap; the
// frame is then unchanged.
absl::Status SplitDirSlot(MutableByteSpan frame, size_t slot, bool comp);

// page_dir_balance_slot: slot `s` owns 3 records; merge it with slot s + 1 or move one
// record over. Does nothing for the last slot, and, like the server, when the record to move
// is not in the heap; also when slot s + 1 points outside the frame (the server would read
// outside the page).
void BalanceDirSlot(MutableByteSpan frame, size_t s, bool comp);

// page_mem_free: unlinked record `rec` goes on PAGE_FREE (its bytes from the origin on are
// zeroed), or, when it has the highest heap number, shrinks the heap (the whole record is
// zeroed). PAGE_LAST_INSERT = 0, PAGE_N_RECS -= 1. Preconditions: the checks of the delete
// appliers passed.
void FreeRecord(MutableByteSpan frame, size_t rec, size_t data_size, size_t extra_size);

}  // namespace tidemark::innodb
