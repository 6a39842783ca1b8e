// The B-tree page header (PAGE_HEADER at offset 38) of INDEX/RTREE pages, and the undo
// page and undo segment headers (page0page.h, page0types.h, trx0undo.h of MariaDB 10.11;
// INNODB_FORMATS.md §1.9). ROW_FORMAT=COMPRESSED pages keep this header uncompressed.
#pragma once

#include <cstdint>

#include "innodb/base/endian.h"

namespace tidemark::innodb {

inline constexpr size_t kPageHeader = 38;
inline constexpr size_t kPageNDirSlots = 0;
inline constexpr size_t kPageHeapTop = 2;
inline constexpr size_t kPageNHeap = 4;
inline constexpr size_t kPageFree = 6;
inline constexpr size_t kPageGarbage = 8;
inline constexpr size_t kPageLastInsert = 10;
inline constexpr size_t kPageDirection = 12;  // 2 bytes: PAGE_INSTANT bits and direction
inline constexpr size_t kPageNDirection = 14;
inline constexpr size_t kPageNRecs = 16;
inline constexpr size_t kPageMaxTrxId = 18;
inline constexpr size_t kPageLevel = 26;
inline constexpr size_t kPageIndexId = 28;
inline constexpr size_t kPageData = 94;
inline constexpr size_t kPageNewSupremumEnd = 120;  // COMPACT/DYNAMIC/COMPRESSED
inline constexpr size_t kPageOldSupremumEnd = 125;  // REDUNDANT

struct IndexPageHeader {
  uint16_t n_dir_slots;
  uint16_t heap_top;
  uint16_t n_heap;  // records in the heap, including infimum and supremum
  bool compact;     // PAGE_N_HEAP bit 15: COMPACT/DYNAMIC/COMPRESSED record format
  uint16_t free;
  uint16_t garbage;
  uint16_t last_insert;
  uint8_t direction;  // low 3 bits of PAGE_DIRECTION_B
  uint16_t n_direction;
  uint16_t n_recs;
  uint64_t max_trx_id;
  uint16_t level;
  uint64_t index_id;

  // Needs at least kPageData bytes.
  static IndexPageHeader Parse(ByteSpan page);
  // Bytes of live records: heap top - end of supremum - garbage, as innochecksum counts
  // them; 0 if the header is inconsistent.
  uint32_t DataBytes() const;
  bool is_leaf() const { return level == 0; }
};

// Undo log page header (TRX_UNDO_PAGE_HDR = 38) and segment header (at 56).
inline constexpr size_t kTrxUndoPageHdr = 38;
inline constexpr size_t kTrxUndoSegHdr = 56;
enum UndoState : uint16_t {
  kUndoActive = 1, kUndoCached = 2, kUndoToPurge = 4, kUndoPrepared = 5,
};

struct UndoPageHeader {
  uint16_t type;
  uint16_t start;
  uint16_t free;
  // TRX_UNDO_STATE of the segment header. Only meaningful on the first page of a segment;
  // innochecksum reads it on every undo page and so do we, to report the same numbers.
  uint16_t segment_state;

  static UndoPageHeader Parse(ByteSpan page);
};

}  // namespace tidemark::innodb
