// The sparse page directory and record freeing of uncompressed index pages, ported from
// page0cur.cc (page_dir_split_slot, page_dir_balance_slot, page_mem_free) and
// page0page.h (page_rec_next_get, page_dir_slot_get_rec_validate), MariaDB 10.11.
#include "innodb/apply/page_dir.h"

#include <cstring>

#include "absl/strings/str_format.h"

namespace tidemark::innodb {

size_t OldRecDataSize(ByteSpan bytes, size_t rec) {
  const uint32_t n = OldRecNFields(bytes, rec);
  if (n == 0) return 0;
  // rec_1/2_get_prev_field_end_info(rec, n) without the SQL NULL and extern flags.
  if (OldRecShortFlag(bytes, rec)) return bytes[rec - (kRecNOldExtraBytes + n)] & 0x7F;
  return ReadBe16(bytes, rec - (kRecNOldExtraBytes + 2 * n)) & 0x3FFF;
}

size_t RecNextChecked(ByteSpan frame, size_t rec, bool comp) {
  const uint16_t field = RecNextField(frame, rec);
  size_t offs = field;
  if (comp) offs = field == 0 ? 0 : (rec + field) % frame.size();
  if (offs < (comp ? kPageNewSupremum : kPageOldSupremum)) return 0;
  if (offs > PageField(frame, kPageHeapTop)) return 0;
  return offs;
}

absl::Status SplitDirSlot(MutableByteSpan frame, size_t slot, bool comp) {
  const size_t heap_top = PageField(frame, kPageHeapTop);
  // The middle of the 9 records: 4 steps from the owner of the previous slot.
  size_t rec = ReadBe16(frame, slot + kPageDirSlotSize);
  if (rec < kPageNewInfimum || rec > heap_top) rec = 0;
  for (uint32_t i = (kPageDirSlotMaxNOwned + 1) / 2; i--;) {
    if (rec == 0) break;
    rec = RecNextChecked(frame, rec, comp);
  }
  if (rec == 0) {
    return absl::DataLossError(absl::StrFormat(
        "splitting directory slot at 0x%x: record list leaves the heap", slot));
  }
  const uint16_t n_slots = PageField(frame, kPageNDirSlots);
  const size_t dir_bytes = kPageDir + kPageDirSlotSize * (size_t{n_slots} + 1);
  if (dir_bytes > frame.size() || slot < frame.size() - dir_bytes) {
    return absl::DataLossError(absl::StrFormat(
        "splitting directory slot at 0x%x: outside the %d-slot directory", slot, n_slots));
  }
  const size_t last_slot = frame.size() - dir_bytes;  // the new lowest slot
  std::memmove(&frame[last_slot], &frame[last_slot + kPageDirSlotSize], slot - last_slot);
  SetPageField(frame, kPageNDirSlots, static_cast<uint16_t>(n_slots + 1));
  WriteBe16(frame, slot, static_cast<uint16_t>(rec));
  constexpr uint32_t kHalf = (kPageDirSlotMaxNOwned + 1) / 2;
  SetRecNOwned(frame, rec, kHalf, comp);
  SetRecNOwned(frame, ReadBe16(frame, slot - kPageDirSlotSize),
               kPageDirSlotMaxNOwned + 1 - kHalf, comp);
  return absl::OkStatus();
}

namespace {

// Removes slot `slot` (byte offset) by moving the higher-numbered slots up one position.
void RemoveDirSlot(MutableByteSpan frame, size_t slot, uint16_t n_slots) {
  const size_t last_slot = DirSlot(frame.size(), n_slots - 1);
  std::memmove(&frame[last_slot + kPageDirSlotSize], &frame[last_slot], slot - last_slot);
  WriteBe16(frame, last_slot, 0);
  SetPageField(frame, kPageNDirSlots, static_cast<uint16_t>(n_slots - 1));
}

}  // namespace

void BalanceDirSlot(MutableByteSpan frame, size_t s, bool comp) {
  const uint16_t n_slots = PageField(frame, kPageNDirSlots);
  if (s + 1 >= n_slots) return;  // the supremum's slot is never balanced
  const size_t slot = DirSlot(frame.size(), s);
  const size_t up_rec = ReadBe16(frame, slot - kPageDirSlotSize);
  const size_t slot_rec = ReadBe16(frame, slot);
  if (up_rec < kRecNOldExtraBytes || up_rec >= frame.size()) return;
  const uint32_t up_n_owned = RecNOwned(frame, up_rec, comp);
  if (up_n_owned <= kPageDirSlotMinNOwned) {
    SetRecNOwned(frame, slot_rec, 0, comp);
    SetRecNOwned(frame, up_rec, up_n_owned + kPageDirSlotMinNOwned - 1, comp);
    RemoveDirSlot(frame, slot, n_slots);
    return;
  }
  // Move the first record of the upper group into this one.
  const size_t new_rec = RecNextChecked(frame, slot_rec, comp);
  if (new_rec == 0) return;
  SetRecNOwned(frame, slot_rec, 0, comp);
  SetRecNOwned(frame, new_rec, kPageDirSlotMinNOwned, comp);
  SetRecNOwned(frame, up_rec, up_n_owned - 1, comp);
  WriteBe16(frame, slot, static_cast<uint16_t>(new_rec));
}

void FreeRecord(MutableByteSpan frame, size_t rec, size_t data_size, size_t extra_size) {
  const uint16_t free = PageField(frame, kPageFree);
  const uint16_t n_heap = static_cast<uint16_t>(PageField(frame, kPageNHeap) - 1);
  const bool comp = n_heap & 0x8000;
  const bool deleting_top =
      n_heap == (comp ? (RecHeapNo(frame, rec, true) | 0x8000) : RecHeapNo(frame, rec, false));
  const size_t end = rec + data_size;
  size_t zero_from = rec;
  if (deleting_top) {
    // The record with the highest heap number: give its bytes back to the heap.
    const uint16_t heap_top = PageField(frame, kPageHeapTop);
    const uint16_t extra_savings = static_cast<uint16_t>(heap_top - end);
    SetPageField(frame, kPageHeapTop, static_cast<uint16_t>(rec - extra_size));
    SetPageField(frame, kPageNHeap, n_heap);
    if (extra_savings != 0) {
      SetPageField(frame, kPageGarbage,
                   static_cast<uint16_t>(PageField(frame, kPageGarbage) - extra_savings));
    }
    zero_from = rec - extra_size;
  } else {
    SetPageField(frame, kPageFree, static_cast<uint16_t>(rec));
    SetPageField(frame, kPageGarbage,
                 static_cast<uint16_t>(PageField(frame, kPageGarbage) + extra_size + data_size));
    uint16_t next = 0;
    if (free != 0) next = comp ? static_cast<uint16_t>(free - rec) : free;
    WriteBe16(frame, rec - kRecNext, next);
  }
  SetPageField(frame, kPageLastInsert, 0);
  SetPageField(frame, kPageNRecs, static_cast<uint16_t>(PageField(frame, kPageNRecs) - 1));
  std::memset(&frame[zero_from], 0, end - zero_from);
}

}  // namespace tidemark::innodb
