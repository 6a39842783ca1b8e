// Index and undo page header decoding (page0page.h, trx0undo.h).
#include "innodb/page/index_page.h"

namespace tidemark::innodb {

IndexPageHeader IndexPageHeader::Parse(ByteSpan page) {
  const uint16_t n_heap = ReadBe16(page, kPageHeader + kPageNHeap);
  return IndexPageHeader{
      .n_dir_slots = ReadBe16(page, kPageHeader + kPageNDirSlots),
      .heap_top = ReadBe16(page, kPageHeader + kPageHeapTop),
      .n_heap = static_cast<uint16_t>(n_heap & 0x7fff),
      .compact = (n_heap & 0x8000) != 0,
      .free = ReadBe16(page, kPageHeader + kPageFree),
      .garbage = ReadBe16(page, kPageHeader + kPageGarbage),
      .last_insert = ReadBe16(page, kPageHeader + kPageLastInsert),
      .direction = static_cast<uint8_t>(page[kPageHeader + kPageDirection + 1] & 7),
      .n_direction = ReadBe16(page, kPageHeader + kPageNDirection),
      .n_recs = ReadBe16(page, kPageHeader + kPageNRecs),
      .max_trx_id = ReadBe64(page, kPageHeader + kPageMaxTrxId),
      .level = ReadBe16(page, kPageHeader + kPageLevel),
      .index_id = ReadBe64(page, kPageHeader + kPageIndexId),
  };
}

uint32_t IndexPageHeader::DataBytes() const {
  const int64_t bytes = int64_t{heap_top} -
                        int64_t(compact ? kPageNewSupremumEnd : kPageOldSupremumEnd) - garbage;
  return bytes < 0 ? 0 : static_cast<uint32_t>(bytes);
}

UndoPageHeader UndoPageHeader::Parse(ByteSpan page) {
  return UndoPageHeader{
      .type = ReadBe16(page, kTrxUndoPageHdr),
      .start = ReadBe16(page, kTrxUndoPageHdr + 2),
      .free = ReadBe16(page, kTrxUndoPageHdr + 4),
      .segment_state = ReadBe16(page, kTrxUndoSegHdr),
  };
}

}  // namespace tidemark::innodb
