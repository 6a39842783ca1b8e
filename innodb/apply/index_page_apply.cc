// The logical redo records of uncompressed index pages, ported from page_create_low
// (page0page.cc) and page_apply_insert_redundant, page_apply_insert_dynamic,
// page_apply_delete_redundant, page_apply_delete_dynamic (page0cur.cc), MariaDB 10.11.
// Every check the server makes comes before the first byte is changed; the slot split that
// may follow an insert is the one check that needs the changed page, so an insert that will
// split keeps a copy of the frame to restore. A few extra checks reject inputs on which the
// server would read outside the page; they are marked "beyond the server".
#include "innodb/apply/index_page_apply.h"

#include <array>
#include <cstring>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "innodb/apply/page_dir.h"
#include "innodb/base/status.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/index_page.h"

namespace tidemark::innodb {
namespace {

constexpr size_t kPageHeaderPrivEnd = 26;  // PAGE_N_DIR_SLOTS .. PAGE_MAX_TRX_ID

// The infimum and supremum of an empty page (page0page.cc), written at PAGE_DATA.
constexpr std::array<uint8_t, 31> kInfimumSupremumRedundant = {
    0x08, 0x01, 0x00, 0x00, 0x03, 0x00, 0x74, 'i', 'n', 'f', 'i', 'm', 'u', 'm', 0,
    0x09, 0x01, 0x00, 0x08, 0x03, 0x00, 0x00, 's', 'u', 'p', 'r', 'e', 'm', 'u', 'm', 0};
constexpr std::array<uint8_t, 26> kInfimumSupremumCompact = {
    0x01, 0x00, 0x02, 0x00, 0x0d, 'i', 'n', 'f', 'i', 'm', 'u', 'm', 0,
    0x01, 0x00, 0x0b, 0x00, 0x00, 's', 'u', 'p', 'r', 'e', 'm', 'u', 'm'};

template <typename... Args>
absl::Status Corrupt(const absl::FormatSpec<Args...>& format, const Args&... args) {
  return absl::DataLossError(absl::StrFormat(format, args...));
}

size_t Infimum(bool comp) { return comp ? kPageNewInfimum : kPageOldInfimum; }
size_t Supremum(bool comp) { return comp ? kPageNewSupremum : kPageOldSupremum; }
size_t HeapBottom(bool comp) { return comp ? kPageNewSupremumEnd : kPageOldSupremumEnd; }

// fil_page_index_page_check: INDEX, RTREE or TYPE_INSTANT.
absl::Status CheckIndexPage(ByteSpan frame, bool comp) {
  const uint16_t type = ReadBe16(frame, kFilPageType);
  if (type != kPageTypeIndex && type != kPageTypeRtree && type != kPageTypeInstant) {
    return Corrupt("FIL_PAGE_TYPE %d is not an index page", type);
  }
  if (RecNextField(frame, Supremum(comp)) != 0) return Corrupt("the supremum has a successor");
  return absl::OkStatus();
}

bool IsLeaf(ByteSpan frame) { return PageField(frame, kPageLevel) == 0; }

// Where records may live: [bottom, top) is the heap, the directory starts at last_slot.
struct Heap {
  size_t bottom = 0;     // end of the supremum
  size_t top = 0;        // PAGE_HEAP_TOP
  size_t last_slot = 0;  // the supremum's directory slot
};

// The directory and heap checks both inserts make.
absl::StatusOr<Heap> CheckHeap(ByteSpan frame, uint16_t n_slots, bool comp) {
  const Heap heap{HeapBottom(comp), PageField(frame, kPageHeapTop),
                  DirSlot(frame.size(), n_slots - 1)};
  if (heap.bottom > heap.top || heap.top > heap.last_slot) {
    return Corrupt("PAGE_HEAP_TOP 0x%x outside [0x%x, 0x%x]", heap.top, heap.bottom,
                   heap.last_slot);
  }
  if (ReadBe16(frame, heap.last_slot) != Supremum(comp)) {
    return Corrupt("the last directory slot does not point to the supremum");
  }
  if (ReadBe16(frame, DirSlot(frame.size(), 0)) != Infimum(comp)) {
    return Corrupt("the first directory slot does not point to the infimum");
  }
  return heap;
}

// Whether `rec` may be the origin of a user record: its fixed header is in the heap.
bool InHeap(const Heap& heap, size_t rec, size_t min_extra) {
  return heap.bottom + min_extra <= rec && rec <= heap.top;
}

// The successor of `rec` as the inserts compute it: absolute, or relative modulo 2^16.
size_t NextOffset(ByteSpan frame, size_t rec, bool comp) {
  const uint16_t field = RecNextField(frame, rec);
  return comp ? static_cast<uint16_t>(rec + field) : field;
}

// The record that owns the new record's group, and its directory slot.
struct Owner {
  size_t rec = 0;
  uint32_t n_owned = 0;
  size_t slot = 0;
};

// Walks the directory up from owner.slot (the last slot) to the slot that points to
// owner.rec, as both the insert and the delete do.
absl::Status FindOwnerSlot(ByteSpan frame, Owner& owner) {
  const size_t first_slot = DirSlot(frame.size(), 0);
  while (ReadBe16(frame, owner.slot) != owner.rec) {
    owner.slot += kPageDirSlotSize;
    if (owner.slot == first_slot) {
      return Corrupt("no directory slot points to owner record 0x%x", owner.rec);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Owner> FindInsertOwner(ByteSpan frame, const Heap& heap, size_t next_rec,
                                      bool comp) {
  Owner owner{next_rec, 0, heap.last_slot};
  for (uint32_t ns = kPageDirSlotMaxNOwned;
       (owner.n_owned = RecNOwned(frame, owner.rec, comp)) == 0;) {
    owner.rec = NextOffset(frame, owner.rec, comp);
    if (owner.rec != Supremum(comp) && !InHeap(heap, owner.rec, ExtraBytes(comp))) {
      return Corrupt("record list leaves the heap at 0x%x", owner.rec);
    }
    if (ns-- == 0) return Corrupt("no owner record within 9 records (cyclic record list?)");
  }
  if (owner.n_owned > kPageDirSlotMaxNOwned) {
    return Corrupt("owner record 0x%x owns %d records", owner.rec, owner.n_owned);
  }
  TM_RETURN_IF_ERROR(FindOwnerSlot(frame, owner));
  return owner;
}

// PAGE_DIRECTION_B and PAGE_N_DIRECTION after an insert between prev_rec and next_rec
// (not maintained on R-tree pages).
void UpdateDirection(MutableByteSpan frame, size_t prev_rec, size_t next_rec,
                     uint16_t last_insert) {
  if (frame[kFilPageType + 1] == static_cast<uint8_t>(kPageTypeRtree)) return;
  uint8_t& dir = frame[kPageHeader + kPageDirectionB];
  const uint8_t old = dir & 7;
  uint8_t now = kPageNoDirection;
  if (last_insert != 0 && last_insert == prev_rec && old != kPageLeft) {
    now = kPageRight;
  } else if (last_insert != 0 && last_insert == next_rec && old != kPageRight) {
    now = kPageLeft;
  }
  dir = static_cast<uint8_t>((dir & ~7) | now);
  const uint16_t n_dir = PageField(frame, kPageNDirection);
  SetPageField(frame, kPageNDirection,
               now == kPageNoDirection ? 0 : static_cast<uint16_t>(n_dir + 1));
}

// What both inserts do once the record is linked in: the owner's count, the direction,
// PAGE_N_RECS and, when the owner had 8 records, the slot split. A failed split restores
// `saved` (the frame before the insert).
absl::Status FinishInsert(MutableByteSpan frame, const Owner& owner, size_t prev_rec,
                          size_t next_rec, uint16_t last_insert, bool comp,
                          const std::vector<uint8_t>& saved) {
  SetRecNOwned(frame, owner.rec, owner.n_owned + 1, comp);
  UpdateDirection(frame, prev_rec, next_rec, last_insert);
  SetPageField(frame, kPageNRecs, static_cast<uint16_t>(PageField(frame, kPageNRecs) + 1));
  if (owner.n_owned != kPageDirSlotMaxNOwned) return absl::OkStatus();
  absl::Status split = SplitDirSlot(frame, owner.slot, comp);
  if (!split.ok()) std::copy(saved.begin(), saved.end(), frame.begin());
  return split;
}

// A copy of the frame when the insert will end in a slot split (which checks the changed
// page), else nothing.
std::vector<uint8_t> SaveForSplit(ByteSpan frame, const Owner& owner) {
  if (owner.n_owned != kPageDirSlotMaxNOwned) return {};
  return {frame.begin(), frame.end()};
}

// ---- ROW_FORMAT=REDUNDANT inserts ----

// The checks of page_apply_insert_redundant on the page header and the predecessor.
// Returns the heap.
absl::StatusOr<Heap> CheckRedundantPage(ByteSpan frame) {
  const uint16_t n_slots = PageField(frame, kPageNDirSlots);
  const uint16_t n_heap = PageField(frame, kPageNHeap);
  if (n_slots < 2) return Corrupt("PAGE_N_DIR_SLOTS %d < 2", n_slots);
  if (n_heap < n_slots || n_heap < kPageHeapNoUserLow ||
      n_heap >= frame.size() / kRecNOldExtraBytes) {
    return Corrupt("PAGE_N_HEAP 0x%x invalid for a ROW_FORMAT=REDUNDANT page with %d slots",
                   n_heap, n_slots);
  }
  TM_RETURN_IF_ERROR(CheckIndexPage(frame, false));
  return CheckHeap(frame, n_slots, false);
}

absl::Status CheckRedundantPrev(ByteSpan frame, const Heap& heap, size_t prev_rec,
                                size_t hdr_c) {
  if (prev_rec != kPageOldInfimum && !InHeap(heap, prev_rec, kRecNOldExtraBytes + 1)) {
    return Corrupt("predecessor 0x%x outside the heap", prev_rec);
  }
  const uint32_t n_fields = OldRecNFields(frame, prev_rec);
  if (n_fields == 0 || n_fields > kRecMaxNFields) {
    return Corrupt("predecessor 0x%x has %d fields", prev_rec, n_fields);
  }
  const size_t extra = OldRecExtraSize(n_fields, OldRecShortFlag(frame, prev_rec));
  if (prev_rec != kPageOldInfimum && prev_rec < heap.bottom + extra) {
    return Corrupt("predecessor 0x%x header starts below the heap", prev_rec);
  }
  if (hdr_c != 0 && prev_rec < heap.bottom + hdr_c) {
    return Corrupt("%d common header bytes reach below the heap", hdr_c);
  }
  if (prev_rec + OldRecDataSize(frame, prev_rec) > heap.top) {
    return Corrupt("predecessor 0x%x ends above PAGE_HEAP_TOP", prev_rec);
  }
  const size_t next_rec = RecNextField(frame, prev_rec);
  if (next_rec != kPageOldSupremum && !InHeap(heap, next_rec, kRecNOldExtraBytes)) {
    return Corrupt("successor 0x%x outside the heap", next_rec);
  }
  return absl::OkStatus();
}

// Where the new record goes and its heap number.
struct Placement {
  size_t start = 0;  // first header byte
  uint16_t heap_no = 0;
};

// INSERT_REUSE_REDUNDANT: checks the PAGE_FREE record, then takes it off the list.
absl::StatusOr<Placement> ReuseRedundant(MutableByteSpan frame, const Heap& heap,
                                         size_t rec_size) {
  const size_t free_rec = PageField(frame, kPageFree);
  if (!InHeap(heap, free_rec, kRecNOldExtraBytes)) {
    return Corrupt("PAGE_FREE 0x%x outside the heap", free_rec);
  }
  const size_t fextra =
      OldRecExtraSize(OldRecNFields(frame, free_rec), OldRecShortFlag(frame, free_rec));
  if (free_rec < heap.bottom + fextra) {
    return Corrupt("free record 0x%x header starts below the heap", free_rec);
  }
  const size_t fsize = fextra + OldRecDataSize(frame, free_rec);
  if (free_rec - fextra + fsize > heap.top) {
    return Corrupt("free record 0x%x ends above PAGE_HEAP_TOP", free_rec);
  }
  if (rec_size > fsize) {
    return Corrupt("record of %d bytes does not fit the free record of %d", rec_size, fsize);
  }
  const uint16_t garbage = PageField(frame, kPageGarbage);
  if (garbage < fsize) return Corrupt("PAGE_GARBAGE %d < free record size %d", garbage, fsize);
  const size_t next_free = RecNextField(frame, free_rec);
  if (next_free != 0 && !InHeap(heap, next_free, kRecNOldExtraBytes + 1)) {
    return Corrupt("next free record 0x%x outside the heap", next_free);
  }
  SetPageField(frame, kPageGarbage, static_cast<uint16_t>(garbage - rec_size));
  SetPageField(frame, kPageFree, static_cast<uint16_t>(next_free));
  return Placement{free_rec - fextra, RecHeapNo(frame, free_rec, false)};
}

// INSERT_HEAP_*: the record goes at PAGE_HEAP_TOP.
absl::StatusOr<Placement> AllocateHeap(MutableByteSpan frame, const Heap& heap,
                                       size_t rec_size) {
  if (heap.top + rec_size > heap.last_slot) {
    return Corrupt("record of %d bytes does not fit below the directory", rec_size);
  }
  const uint16_t n_heap = PageField(frame, kPageNHeap);
  SetPageField(frame, kPageNHeap, static_cast<uint16_t>(n_heap + 1));
  SetPageField(frame, kPageHeapTop, static_cast<uint16_t>(heap.top + rec_size));
  return Placement{heap.top, static_cast<uint16_t>(n_heap & 0x7FFF)};
}

// ---- ROW_FORMAT=COMPACT/DYNAMIC inserts ----

absl::StatusOr<Heap> CheckCompactPage(ByteSpan frame, uint32_t enc_hdr_l, size_t data_len) {
  const uint16_t n_slots = PageField(frame, kPageNDirSlots);
  const uint16_t n_heap = PageField(frame, kPageNHeap);
  if (n_slots < 2) return Corrupt("PAGE_N_DIR_SLOTS %d < 2", n_slots);
  if (n_heap < (kPageHeapNoUserLow | 0x8000) ||
      (n_heap & 0x7FFF) >= frame.size() / kRecNNewExtraBytes || (n_heap & 0x7FFF) < n_slots) {
    return Corrupt("PAGE_N_HEAP 0x%x invalid for a ROW_FORMAT=COMPACT page with %d slots",
                   n_heap, n_slots);
  }
  TM_RETURN_IF_ERROR(CheckIndexPage(frame, true));
  if ((enc_hdr_l & kRecStatusInstant) && !IsLeaf(frame)) {
    return Corrupt("instant record on a non-leaf page");
  }
  if ((enc_hdr_l >> 3) > data_len) {
    return Corrupt("%d literal header bytes > %d bytes", enc_hdr_l >> 3, data_len);
  }
  return CheckHeap(frame, n_slots, true);
}

// INSERT_REUSE_DYNAMIC: checks the PAGE_FREE record, then takes it off the list. The new
// record starts `shift` / 2 bytes below (odd) or above (even) free_rec - extra_size.
absl::StatusOr<Placement> ReuseCompact(MutableByteSpan frame, const Heap& heap,
                                       size_t extra_size, size_t data_size, uint32_t shift) {
  const size_t free_rec = PageField(frame, kPageFree);
  if (!InHeap(heap, free_rec, kRecNNewExtraBytes)) {
    return Corrupt("PAGE_FREE 0x%x outside the heap", free_rec);
  }
  int64_t start = int64_t(free_rec) - int64_t(extra_size);
  start += (shift & 1) ? -int64_t{shift >> 1} : int64_t{shift >> 1};
  if (start < int64_t(heap.bottom) || start + int64_t(extra_size + data_size) > int64_t(heap.top)) {
    return Corrupt("reused record at %d outside the heap", start);
  }
  const uint16_t garbage = PageField(frame, kPageGarbage);
  if (garbage < extra_size + data_size) {
    return Corrupt("PAGE_GARBAGE %d < record size %d", garbage, extra_size + data_size);
  }
  uint16_t next_free = RecNextField(frame, free_rec);
  if (next_free != 0) {
    next_free = static_cast<uint16_t>(next_free + free_rec);
    if (next_free < kPageNewSupremumEnd + kRecNNewExtraBytes || next_free > heap.top) {
      return Corrupt("next free record 0x%x outside the heap", next_free);
    }
  }
  SetPageField(frame, kPageFree, next_free);
  SetPageField(frame, kPageGarbage, static_cast<uint16_t>(garbage - (extra_size + data_size)));
  return Placement{size_t(start), RecHeapNo(frame, free_rec, true)};
}

// ---- deletes ----

// What the delete checks establish about the record after prev_rec.
struct Victim {
  size_t prev = 0;
  size_t rec = 0;
  size_t next = 0;
  size_t extra_size = 0;
  size_t data_size = 0;
};

absl::Status CheckDeletePage(ByteSpan frame, bool comp) {
  const uint16_t n_slots = PageField(frame, kPageNDirSlots);
  if (PageField(frame, kPageNRecs) == 0) return Corrupt("PAGE_N_RECS is 0");
  if (n_slots < 2) return Corrupt("PAGE_N_DIR_SLOTS %d < 2", n_slots);
  if (bool(PageField(frame, kPageNHeap) & 0x8000) != comp) {
    return Corrupt(comp ? "ROW_FORMAT=REDUNDANT page" : "ROW_FORMAT=COMPACT page");
  }
  TM_RETURN_IF_ERROR(CheckIndexPage(frame, comp));
  // The server computes the last slot's address regardless; a directory reaching into the
  // records would make every one of its later bounds checks fail.
  if (kPageDir + kPageDirSlotSize * size_t{n_slots} + HeapBottom(comp) > frame.size()) {
    return Corrupt("PAGE_N_DIR_SLOTS %d too large for the page", n_slots);
  }
  return absl::OkStatus();
}

// Walks from the deleted record to its owner (n_owned != 0), at most PAGE_N_RECS steps, and
// finds the slot pointing to it. Returns the owner and its slot; n_owned is the new count.
absl::StatusOr<Owner> FindDeleteOwner(ByteSpan frame, const Victim& v, size_t slot, bool comp) {
  const size_t min_rec = HeapBottom(comp) + ExtraBytes(comp);
  Owner owner{v.rec, 0, slot};
  for (uint32_t i = PageField(frame, kPageNRecs);
       (owner.n_owned = RecNOwned(frame, owner.rec, comp)) == 0;) {
    const uint16_t field = RecNextField(frame, owner.rec);
    if (comp && (field < kRecNNewExtraBytes || field > 0x10000 - kRecNNewExtraBytes)) {
      return Corrupt("record 0x%x has next field 0x%x", owner.rec, field);
    }
    owner.rec = comp ? static_cast<uint16_t>(owner.rec + field) : field;
    if (owner.rec != Supremum(comp) && (owner.rec < min_rec || owner.rec > slot)) {
      return Corrupt("record list leaves the page at 0x%x", owner.rec);
    }
    if (i-- == 0) return Corrupt("no owner record within PAGE_N_RECS records (cyclic list?)");
  }
  owner.n_owned--;
  TM_RETURN_IF_ERROR(FindOwnerSlot(frame, owner));
  return owner;
}

// Both deletes after their checks: unlink, hand the ownership over, free, rebalance.
void Unlink(MutableByteSpan frame, const Victim& v, Owner owner, bool comp) {
  if (owner.rec == v.rec) {
    owner.rec = v.prev;
    WriteBe16(frame, owner.slot, static_cast<uint16_t>(v.prev));
  }
  WriteBe16(frame, v.prev - kRecNext,
            comp ? static_cast<uint16_t>(v.next - v.prev) : static_cast<uint16_t>(v.next));
  SetRecNOwned(frame, owner.rec, owner.n_owned, comp);
  FreeRecord(frame, v.rec, v.data_size, v.extra_size);
  if (owner.n_owned < kPageDirSlotMinNOwned) {
    BalanceDirSlot(frame, (DirSlot(frame.size(), 0) - owner.slot) / kPageDirSlotSize, comp);
  }
}

// The bounds checks on the deleted record and its successor (offsets against the last
// directory slot, as the server makes them).
absl::Status CheckVictim(const Victim& v, size_t slot, bool comp) {
  const size_t bottom = HeapBottom(comp);
  if (v.rec < bottom + ExtraBytes(comp) || v.rec > slot) {
    return Corrupt("deleted record 0x%x outside the page", v.rec);
  }
  if (v.rec < bottom + v.extra_size || v.rec + v.data_size > slot) {
    return Corrupt("deleted record 0x%x (%d+%d bytes) outside the page", v.rec, v.extra_size,
                   v.data_size);
  }
  if (v.next != Supremum(comp) && (v.next < bottom + ExtraBytes(comp) || v.next > slot)) {
    return Corrupt("successor 0x%x of the deleted record outside the page", v.next);
  }
  return absl::OkStatus();
}

}  // namespace

void ApplyInitRowFormat(MutableByteSpan frame, bool compact) {
  const size_t size = frame.size();
  WriteBe16(frame, kFilPageType, kPageTypeIndex);
  std::memset(&frame[kPageHeader], 0, kPageHeaderPrivEnd);
  frame[kPageHeader + kPageNDirSlots + 1] = 2;
  frame[kPageHeader + kPageInstant] = 0;
  frame[kPageHeader + kPageDirectionB] = kPageNoDirection;
  frame[kPageHeader + kPageNHeap] = compact ? 0x80 : 0;
  frame[kPageHeader + kPageNHeap + 1] = kPageHeapNoUserLow;
  frame[kPageHeader + kPageHeapTop + 1] = static_cast<uint8_t>(HeapBottom(compact));
  if (compact) {
    std::copy(kInfimumSupremumCompact.begin(), kInfimumSupremumCompact.end(), &frame[kPageData]);
  } else {
    std::copy(kInfimumSupremumRedundant.begin(), kInfimumSupremumRedundant.end(),
              &frame[kPageData]);
  }
  const size_t bottom = HeapBottom(compact);
  std::memset(&frame[bottom], 0, size - kPageDir - bottom);
  frame[DirSlot(size, 1) + 1] = static_cast<uint8_t>(Supremum(compact));
  frame[DirSlot(size, 0) + 1] = static_cast<uint8_t>(Infimum(compact));
}

absl::Status ApplyInsertRedundant(MutableByteSpan frame, bool reuse, uint32_t prev,
                                  uint32_t enc_hdr, size_t hdr_c, size_t data_c, ByteSpan data) {
  TM_ASSIGN_OR_RETURN(const Heap heap, CheckRedundantPage(frame));
  const size_t prev_rec = kPageOldInfimum + size_t{prev};
  TM_RETURN_IF_ERROR(CheckRedundantPrev(frame, heap, prev_rec, hdr_c));
  const size_t next_rec = RecNextField(frame, prev_rec);
  const bool is_short = (enc_hdr >> 2) & 1;
  const uint32_t n_fields = (enc_hdr >> 3) + 1;
  if (n_fields > kRecMaxNFields) return Corrupt("new record has %d fields", n_fields);
  const size_t extra_size = OldRecExtraSize(n_fields, is_short);
  hdr_c += kRecNOldExtraBytes;
  if (hdr_c > extra_size) return Corrupt("%d common header bytes > header size %d", hdr_c, extra_size);
  const size_t hdr_l = extra_size - hdr_c;  // literal header bytes
  if (hdr_l > data.size()) return Corrupt("%d literal header bytes > %d bytes", hdr_l, data.size());
  TM_ASSIGN_OR_RETURN(const Owner owner, FindInsertOwner(frame, heap, next_rec, false));

  // The header is assembled aside: the page is not touched before every check passed.
  std::array<uint8_t, kRecNOldExtraBytes + kRecMaxNFields * 2> header;
  const MutableByteSpan h(header.data(), extra_size);
  std::memcpy(header.data(), data.data(), hdr_l);
  std::memcpy(&header[hdr_l], &frame[prev_rec - hdr_c], hdr_c);
  const size_t rec = extra_size;  // origin within `header`
  h[rec - 6] = static_cast<uint8_t>((enc_hdr & 3) << 4 | (h[rec - 6] & 0x0F));  // info bits
  h[rec - 3] = static_cast<uint8_t>((h[rec - 3] & ~1) | is_short);
  WriteBe16(h, rec - 4, static_cast<uint16_t>((ReadBe16(h, rec - 4) & ~0x7FE) | n_fields << 1));
  h[rec - 6] &= 0xF0;  // n_owned = 0
  const size_t data_size = OldRecDataSize(h, rec);
  if (data_c > data_size) return Corrupt("%d common data bytes > data size %d", data_c, data_size);
  if (hdr_l + data_size - data_c != data.size()) {
    return Corrupt("record needs %d literal bytes, got %d", hdr_l + data_size - data_c, data.size());
  }
  if (prev_rec + data_c > frame.size()) {  // beyond the server: it would read past the page
    return Corrupt("%d common data bytes reach past the page", data_c);
  }

  std::vector<uint8_t> saved = SaveForSplit(frame, owner);
  absl::StatusOr<Placement> place = reuse ? ReuseRedundant(frame, heap, extra_size + data_size)
                                          : AllocateHeap(frame, heap, extra_size + data_size);
  if (!place.ok()) return place.status();
  WriteBe16(h, rec - 5, static_cast<uint16_t>((ReadBe16(h, rec - 5) & 7) | place->heap_no << 3));
  const uint16_t last_insert = PageField(frame, kPageLastInsert);
  std::memcpy(&frame[place->start], header.data(), extra_size);
  const size_t new_rec = place->start + extra_size;
  SetPageField(frame, kPageLastInsert, static_cast<uint16_t>(new_rec));
  WriteBe16(frame, prev_rec - kRecNext, static_cast<uint16_t>(new_rec));
  std::memmove(&frame[new_rec], &frame[prev_rec], data_c);
  std::memcpy(&frame[new_rec + data_c], data.data() + hdr_l, data.size() - hdr_l);
  return FinishInsert(frame, owner, prev_rec, next_rec, last_insert, false, saved);
}

absl::Status ApplyInsertDynamic(MutableByteSpan frame, bool reuse, uint32_t prev,
                                uint32_t shift, uint32_t enc_hdr_l, size_t hdr_c,
                                size_t data_c, ByteSpan data) {
  TM_ASSIGN_OR_RETURN(const Heap heap, CheckCompactPage(frame, enc_hdr_l, data.size()));
  const size_t prev_rec = static_cast<uint16_t>(kPageNewInfimum + prev);
  if (prev != 0 && !InHeap(heap, prev_rec, kRecNNewExtraBytes)) {
    return Corrupt("predecessor 0x%x outside the heap", prev_rec);
  }
  const size_t next_rec = NextOffset(frame, prev_rec, true);
  if (next_rec != kPageNewSupremum && !InHeap(heap, next_rec, kRecNNewExtraBytes)) {
    return Corrupt("successor 0x%x outside the heap", next_rec);
  }
  TM_ASSIGN_OR_RETURN(const Owner owner, FindInsertOwner(frame, heap, next_rec, true));
  const size_t hdr_l = enc_hdr_l >> 3;  // literal header bytes
  const size_t extra_size = kRecNNewExtraBytes + hdr_c + hdr_l;
  const size_t data_size = data_c + data.size() - hdr_l;
  // Beyond the server, which would read outside the page:
  if (prev_rec < kRecNNewExtraBytes + hdr_c) {
    return Corrupt("%d common header bytes reach below the page", hdr_c);
  }
  if (prev_rec + data_c > frame.size()) {
    return Corrupt("%d common data bytes reach past the page", data_c);
  }

  std::vector<uint8_t> saved = SaveForSplit(frame, owner);
  absl::StatusOr<Placement> place = reuse
      ? ReuseCompact(frame, heap, extra_size, data_size, shift)
      : AllocateHeap(frame, heap, extra_size + data_size);
  if (!place.ok()) return place.status();
  size_t at = place->start;
  std::memcpy(&frame[at], data.data(), hdr_l);
  at += hdr_l;
  std::memmove(&frame[at], &frame[prev_rec - kRecNNewExtraBytes - hdr_c], hdr_c);
  at += hdr_c;
  const uint32_t heap_no = place->heap_no;
  uint8_t status = kRecStatusNodePtr;
  if (IsLeaf(frame)) status = enc_hdr_l & kRecStatusInstant;
  frame[at++] = static_cast<uint8_t>((enc_hdr_l & 3) << 4);  // info bits, n_owned = 0
  frame[at++] = static_cast<uint8_t>(heap_no >> 5);
  frame[at++] = static_cast<uint8_t>((heap_no & 31) << 3 | status);
  const size_t new_rec = at + kRecNext;
  WriteBe16(frame, at, static_cast<uint16_t>(next_rec - new_rec));
  const uint16_t last_insert = PageField(frame, kPageLastInsert);
  SetPageField(frame, kPageLastInsert, static_cast<uint16_t>(new_rec));
  WriteBe16(frame, prev_rec - kRecNext, static_cast<uint16_t>(new_rec - prev_rec));
  std::memmove(&frame[new_rec], &frame[prev_rec], data_c);
  std::memcpy(&frame[new_rec + data_c], data.data() + hdr_l, data.size() - hdr_l);
  return FinishInsert(frame, owner, prev_rec, next_rec, last_insert, true, saved);
}

absl::Status ApplyDeleteRedundant(MutableByteSpan frame, uint32_t prev) {
  TM_RETURN_IF_ERROR(CheckDeletePage(frame, false));
  const size_t slot = DirSlot(frame.size(), PageField(frame, kPageNDirSlots) - 1);
  Victim v;
  v.prev = kPageOldInfimum + size_t{prev};
  if (v.prev > slot) return Corrupt("predecessor 0x%x outside the page", v.prev);
  v.rec = RecNextField(frame, v.prev);
  if (v.rec < kPageOldSupremumEnd + kRecNOldExtraBytes || v.rec > slot) {
    return Corrupt("deleted record 0x%x outside the page", v.rec);
  }
  v.extra_size = OldRecExtraSize(OldRecNFields(frame, v.rec), OldRecShortFlag(frame, v.rec));
  if (v.rec < kPageOldSupremumEnd + v.extra_size) {
    return Corrupt("deleted record 0x%x header starts below the heap", v.rec);
  }
  v.data_size = OldRecDataSize(frame, v.rec);
  v.next = RecNextField(frame, v.rec);
  TM_RETURN_IF_ERROR(CheckVictim(v, slot, false));
  TM_ASSIGN_OR_RETURN(const Owner owner, FindDeleteOwner(frame, v, slot, false));
  Unlink(frame, v, owner, false);
  return absl::OkStatus();
}

absl::Status ApplyDeleteDynamic(MutableByteSpan frame, uint32_t prev, size_t hdr_size,
                                size_t data_size) {
  TM_RETURN_IF_ERROR(CheckDeletePage(frame, true));
  const size_t slot = DirSlot(frame.size(), PageField(frame, kPageNDirSlots) - 1);
  Victim v;
  v.prev = static_cast<uint16_t>(kPageNewInfimum + prev);
  if (v.prev > slot) return Corrupt("predecessor 0x%x outside the page", v.prev);
  v.rec = NextOffset(frame, v.prev, true);
  v.extra_size = kRecNNewExtraBytes + hdr_size;
  v.data_size = data_size;
  if (v.rec >= kPageNewSupremumEnd + kRecNNewExtraBytes && v.rec <= slot) {
    v.next = NextOffset(frame, v.rec, true);
  }
  TM_RETURN_IF_ERROR(CheckVictim(v, slot, true));
  TM_ASSIGN_OR_RETURN(const Owner owner, FindDeleteOwner(frame, v, slot, true));
  Unlink(frame, v, owner, true);
  return absl::OkStatus();
}

}  // namespace tidemark::innodb
