// Test helpers for the index-page appliers: a page with a model of its records, a writer
// that encodes inserts and deletes the way mtr_t::page_insert / page_delete do (choosing
// PAGE_FREE reuse like page_cur_insert_rec_low), and a structural check in the spirit of
// page_simple_validate_old/new (page0page.cc). Records are (4-byte key, payload); REDUNDANT
// ones have two fields, COMPACT ones an opaque header of 1..3 bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "innodb/apply/index_page_apply.h"
#include "innodb/apply/page_dir.h"
#include "innodb/base/endian.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/index_page.h"

namespace tidemark::innodb::testing {

inline constexpr uint32_t kTestPageNo = 7;

struct Row {
  uint32_t key = 0;
  std::string payload;
  uint8_t info_bits = 0;  // 0x10 min-rec, 0x20 delete-marked
  size_t compact_header = 1;  // COMPACT: bytes of the variable header
};

// What the writer chose for the last insert.
struct InsertInfo {
  bool reuse = false;
  size_t origin = 0;
};

class TestPage {
 public:
  TestPage(size_t size, bool comp, uint16_t level = 0) : bytes_(size, 0xA5), comp_(comp) {
    WriteBe32(frame(), kFilPageOffset, kTestPageNo);
    ApplyInitRowFormat(frame(), comp);
    WriteBe16(frame(), kPageHeader + kPageLevel, level);
  }

  MutableByteSpan frame() { return bytes_; }
  ByteSpan frame() const { return bytes_; }
  std::vector<uint8_t>& bytes() { return bytes_; }
  bool comp() const { return comp_; }
  size_t infimum() const { return comp_ ? kPageNewInfimum : kPageOldInfimum; }
  size_t supremum() const { return comp_ ? kPageNewSupremum : kPageOldSupremum; }
  uint16_t field(size_t f) const { return PageField(bytes_, f); }

  size_t Next(size_t rec) const {
    const uint16_t n = RecNextField(bytes_, rec);
    return comp_ ? static_cast<uint16_t>(rec + n) : n;
  }
  uint32_t Key(size_t rec) const { return ReadBe32(bytes_, rec); }

  // User records in list order.
  std::vector<size_t> Records() const {
    std::vector<size_t> out;
    for (size_t r = Next(infimum()); r != supremum() && out.size() < 20000; r = Next(r)) {
      out.push_back(r);
    }
    return out;
  }
  std::vector<uint32_t> Keys() const {
    std::vector<uint32_t> keys;
    for (size_t r : Records()) keys.push_back(Key(r));
    return keys;
  }
  // The record after which `key` belongs (or the record holding it, for Delete: its
  // predecessor).
  size_t PrevFor(uint32_t key) const {
    size_t prev = infimum();
    for (size_t r : Records()) {
      if (Key(r) >= key) break;
      prev = r;
    }
    return prev;
  }

  // Encodes and applies the insert of `row` in key order.
  absl::Status Insert(const Row& row, InsertInfo* info = nullptr) {
    std::vector<uint8_t> data(4);
    WriteBe32(data, 0, row.key);
    data.insert(data.end(), row.payload.begin(), row.payload.end());
    return comp_ ? InsertCompact(row, data, info) : InsertRedundant(row, data, info);
  }

  absl::Status Delete(uint32_t key) {
    const size_t prev = PrevFor(key);
    const size_t rec = Next(prev);
    const uint32_t rel = static_cast<uint32_t>(prev - infimum());
    if (!comp_) return ApplyDeleteRedundant(frame(), rel);
    return ApplyDeleteDynamic(frame(), rel, sizes_.at(rec).first - kRecNNewExtraBytes,
                              sizes_.at(rec).second);
  }

  // page_simple_validate-like structure check plus the key order; "" when consistent.
  std::string Validate() const;

  // Record sizes (extra, data) by origin, for COMPACT records (the page cannot tell).
  std::map<size_t, std::pair<size_t, size_t>> sizes_;

 private:
  // Bytes equal at the end of `a` and below prev's fixed header / at the start of data.
  size_t CommonHeader(const std::vector<uint8_t>& hdr, size_t prev, size_t fixed) const {
    if (prev == infimum()) return 0;
    size_t n = 0;
    while (n < hdr.size() && prev >= fixed + n + 1 + 120 &&
           hdr[hdr.size() - 1 - n] == bytes_[prev - fixed - 1 - n]) {
      ++n;
    }
    return n;
  }
  size_t CommonData(const std::vector<uint8_t>& data, size_t prev, size_t prev_size) const {
    if (prev == infimum()) return 0;
    size_t n = 0;
    while (n < data.size() && n < prev_size && data[n] == bytes_[prev + n]) ++n;
    return n;
  }
  // The PAGE_FREE head, when it can hold `need` bytes (extra size through *fextra).
  size_t ReusableFree(size_t need, size_t* fextra) const {
    const size_t free = field(kPageFree);
    if (free == 0) return 0;
    size_t extra, data;
    if (comp_) {
      extra = sizes_.at(free).first;
      data = sizes_.at(free).second;
    } else {
      extra = OldRecExtraSize(OldRecNFields(bytes_, free), OldRecShortFlag(bytes_, free));
      data = OldRecDataSize(bytes_, free);
    }
    *fextra = extra;
    return extra + data >= need ? free : 0;
  }

  absl::Status InsertRedundant(const Row& row, const std::vector<uint8_t>& data,
                               InsertInfo* info);
  absl::Status InsertCompact(const Row& row, const std::vector<uint8_t>& data,
                             InsertInfo* info);

  std::vector<uint8_t> bytes_;
  bool comp_;
};

inline absl::Status TestPage::InsertRedundant(const Row& row, const std::vector<uint8_t>& data,
                                              InsertInfo* info) {
  const bool is_short = data.size() < 128;
  std::vector<uint8_t> hdr;  // field end offsets, last field first
  if (is_short) {
    hdr = {static_cast<uint8_t>(data.size()), 4};
  } else {
    hdr = {static_cast<uint8_t>(data.size() >> 8), static_cast<uint8_t>(data.size()), 0, 4};
  }
  const size_t prev = PrevFor(row.key);
  const size_t prev_data = prev == infimum() ? 8 : OldRecDataSize(bytes_, prev);
  const size_t hdr_c = CommonHeader(hdr, prev, kRecNOldExtraBytes);
  const size_t data_c = CommonData(data, prev, prev_data);
  std::vector<uint8_t> literal(hdr.begin(), hdr.end() - hdr_c);
  literal.insert(literal.end(), data.begin() + data_c, data.end());
  size_t fextra = 0;
  const bool reuse = ReusableFree(kRecNOldExtraBytes + hdr.size() + data.size(), &fextra) != 0;
  const uint32_t enc_hdr = 1 << 3 | uint32_t{is_short} << 2 | row.info_bits >> 4;
  absl::Status s = ApplyInsertRedundant(frame(), reuse, static_cast<uint32_t>(prev - infimum()),
                                        enc_hdr, hdr_c, data_c, literal);
  if (info != nullptr && s.ok()) *info = {reuse, Next(prev)};
  return s;
}

inline absl::Status TestPage::InsertCompact(const Row& row, const std::vector<uint8_t>& data,
                                            InsertInfo* info) {
  std::vector<uint8_t> hdr(row.compact_header);
  for (size_t i = 0; i < hdr.size(); ++i) hdr[i] = static_cast<uint8_t>(row.payload.size() + i);
  const size_t prev = PrevFor(row.key);
  const size_t prev_data = prev == infimum() ? 8 : sizes_.at(prev).second;
  const size_t prev_hdr = prev == infimum() ? 0 : sizes_.at(prev).first - kRecNNewExtraBytes;
  const size_t hdr_c = std::min(CommonHeader(hdr, prev, kRecNNewExtraBytes), prev_hdr);
  const size_t data_c = CommonData(data, prev, prev_data);
  const size_t hdr_l = hdr.size() - hdr_c;
  std::vector<uint8_t> literal(hdr.begin(), hdr.begin() + hdr_l);
  literal.insert(literal.end(), data.begin() + data_c, data.end());
  const size_t extra = kRecNNewExtraBytes + hdr.size();
  size_t fextra = 0;
  const size_t free = ReusableFree(extra + data.size(), &fextra);
  int64_t shift = free != 0 ? int64_t(extra) - int64_t(fextra) : 0;
  const uint32_t enc_shift =
      shift < 0 ? static_cast<uint32_t>(-shift << 1 | 1) : static_cast<uint32_t>(shift << 1);
  const uint32_t enc_hdr_l = static_cast<uint32_t>(hdr_l << 3) | row.info_bits >> 4;
  absl::Status s = ApplyInsertDynamic(frame(), free != 0, static_cast<uint32_t>(prev - infimum()),
                                      enc_shift, enc_hdr_l, hdr_c, data_c, literal);
  if (s.ok()) {
    sizes_[Next(prev)] = {extra, data.size()};
    if (info != nullptr) *info = {free != 0, Next(prev)};
  }
  return s;
}

inline std::string TestPage::Validate() const {
  const size_t size = bytes_.size();
  const size_t n_slots = field(kPageNDirSlots);
  const size_t heap_top = field(kPageHeapTop);
  const size_t n_heap = field(kPageNHeap) & 0x7FFF;
  if ((field(kPageNHeap) >> 15) != comp_) return "N_HEAP format bit";
  const size_t bottom = comp_ ? kPageNewSupremumEnd : kPageOldSupremumEnd;
  std::set<uint16_t> heap_nos;
  size_t rec = infimum(), owned = 0, slot = 0, user = 0;
  for (size_t steps = 0;; ++steps) {
    if (steps > n_heap) return "record list longer than N_HEAP";
    ++owned;
    if (!heap_nos.insert(RecHeapNo(bytes_, rec, comp_)).second) {
      return absl::StrFormat("duplicate heap_no at 0x%x", rec);
    }
    if (const uint8_t n = RecNOwned(bytes_, rec, comp_); n != 0) {
      if (slot >= n_slots || ReadBe16(bytes_, DirSlot(size, slot)) != rec) {
        return absl::StrFormat("slot %d does not point to owner 0x%x", slot, rec);
      }
      if (n != owned) return absl::StrFormat("owner 0x%x n_owned %d, owns %d", rec, n, owned);
      const bool first = slot == 0, last = rec == supremum();
      if ((first && n != 1) || (!first && !last && (n < 4 || n > 8)) || (last && n > 8)) {
        return absl::StrFormat("slot %d owns %d records", slot, n);
      }
      ++slot;
      owned = 0;
    }
    if (rec == supremum()) break;
    const size_t next = Next(rec);
    if (next != supremum() && (next < bottom || next >= heap_top)) {
      return absl::StrFormat("next of 0x%x is 0x%x, outside the heap", rec, next);
    }
    if (next != supremum() && rec != infimum() && Key(next) <= Key(rec)) return "key order";
    if (next != supremum()) ++user;
    rec = next;
  }
  if (slot != n_slots) return absl::StrFormat("%d owners, %d slots", slot, n_slots);
  if (user != field(kPageNRecs)) return absl::StrFormat("%d records, N_RECS %d", user, field(kPageNRecs));
  size_t garbage = 0, n_free = 0;
  for (size_t f = field(kPageFree); f != 0; f = comp_ && RecNextField(bytes_, f) == 0 ? 0 : Next(f)) {
    if (f < bottom || f >= heap_top || ++n_free > n_heap) return "free list leaves the heap";
    if (!heap_nos.insert(RecHeapNo(bytes_, f, comp_)).second) return "duplicate heap_no (free)";
    if (!comp_) {
      garbage += OldRecExtraSize(OldRecNFields(bytes_, f), OldRecShortFlag(bytes_, f)) +
                 OldRecDataSize(bytes_, f);
    }
  }
  if (heap_nos.size() != n_heap) return absl::StrFormat("%d heap numbers, N_HEAP %d", heap_nos.size(), n_heap);
  // Reuse by a smaller record leaves slack that stays in PAGE_GARBAGE.
  if (!comp_ && garbage > field(kPageGarbage)) return "PAGE_GARBAGE below the free list";
  return "";
}

}  // namespace tidemark::innodb::testing
