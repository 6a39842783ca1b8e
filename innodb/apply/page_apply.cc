// Applying the records of one mini-transaction to one page frame, and stamping and sealing
// the page afterwards: a port of log_phys_t::apply, recv_recover_page (log0recv.cc) and
// buf_flush_init_for_writing (buf0flu.cc) of MariaDB 10.11. The byte-level checks are the
// server's, in the server's order, so that a log the server rejects is rejected here.
#include "innodb/apply/page_apply.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "innodb/apply/index_page_apply.h"
#include "innodb/apply/undo_page_apply.h"
#include "innodb/base/crc32c.h"
#include "innodb/base/status.h"
#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"
#include "innodb/redo/varint.h"

namespace tidemark::innodb {
namespace {

// The last_offset of log_phys_t::apply: where the next same_page WRITE/MEMSET/MEMMOVE is
// relative to. It is a uint16_t in the server (and in mtr_t::m_last_offset, the writer's
// copy), so on 64 KiB pages a write ending at the page end wraps it to 0; we keep that.
constexpr uint16_t kNoSamePage = 1;  // after FREE_PAGE: no same_page byte write allowed
constexpr uint16_t kAfterInit = kFilPageType;

// How the server bounds each varint parameter against the bytes left in the record
// (the `ll >= rlen`, `ll > rlen` and `ll != rlen` tests of log_phys_t::apply).
enum class Then : uint8_t {
  kMore,       // more bytes must follow the varint
  kMaybeMore,  // the varint may end the record
  kNothing,    // the varint must end the record
};

// Takes one varint of at most `max_len` bytes off the front of `rest`. The length is
// judged from the first byte before decoding, as the server does; nullopt when a check
// fails (an empty `rest` always fails: every encoding has at least one byte).
std::optional<uint32_t> TakeVarint(ByteSpan& rest, size_t max_len, Then then) {
  if (rest.empty()) return std::nullopt;
  const size_t len = VarintLengthFromFirstByte(rest[0]);
  const bool fits = then == Then::kMore        ? len < rest.size()
                    : then == Then::kMaybeMore ? len <= rest.size()
                                               : len == rest.size();
  if (len > max_len || !fits) return std::nullopt;
  const std::optional<Varint> v = DecodeVarint(rest);
  if (!v) return std::nullopt;
  rest = rest.subspan(v->length);
  return v->value;
}

// OPT_PAGE_CHECKSUM (mtr_t::page_checksum, log_phys_t::page_checksum): CRC-32C chained over
// [4,16), [24,26) and [34,size-8) of the frame.
uint32_t OptPageChecksum(ByteSpan frame) {
  uint32_t crc = Crc32cExtend(0, frame.subspan(kFilPageOffset, kFilPageLsn - kFilPageOffset));
  crc = Crc32cExtend(crc, frame.subspan(kFilPageType, 2));
  return Crc32cExtend(crc, frame.subspan(kFilPageArchLogNoOrSpaceId,
                                         frame.size() - kFilPageArchLogNoOrSpaceId - 8));
}

// One call of ApplyMtrToPage: the frame, the page and the same_page state.
class MtrApplier {
 public:
  MtrApplier(const ApplySpaceFormat& format, RedoPageId id, MutableByteSpan frame)
      : format_(format), id_(id), frame_(frame) {}

  absl::Status Apply(size_t index, const PageRecordRef& r) {
    const absl::Status s = Dispatch(r);
    if (s.ok()) return s;
    return Annotate(s, absl::StrFormat("record %d (%s)", index,
                                       PageRecordTypeName(r.type_byte, r.payload)));
  }

 private:
  absl::Status Dispatch(const PageRecordRef& r);
  absl::Status InitPage(ByteSpan payload);
  absl::Status Option(ByteSpan payload);
  absl::Status Extended(ByteSpan payload);
  absl::Status ExtendedInsert(uint8_t subtype, ByteSpan rest);
  absl::Status ExtendedDelete(uint8_t subtype, ByteSpan rest);
  absl::Status CheckPageNumber() const;
  absl::Status ByteWrite(PageRecordType type, ByteSpan payload);
  absl::Status FillOrMove(PageRecordType type, ByteSpan rest);

  size_t size() const { return frame_.size(); }

  const ApplySpaceFormat& format_;
  RedoPageId id_;
  MutableByteSpan frame_;
  uint16_t last_offset_ = kNoSamePage;
  bool any_record_ = false;  // a record with a page id was seen: same_page is allowed
  bool freed_ = false;       // FREE_PAGE was applied: only INIT_PAGE may follow
};

absl::Status Corrupt(std::string_view reason) {
  return absl::DataLossError(absl::StrFormat("%s", reason));
}

absl::Status MtrApplier::Dispatch(const PageRecordRef& r) {
  const PageRecordType type = PageRecordType(r.type_byte & 0x70);
  const bool same_page = (r.type_byte & 0x80) != 0;
  if (same_page && !any_record_) {
    return Corrupt("same_page record without a preceding record for the page");
  }
  if (!same_page) last_offset_ = 0;
  any_record_ = true;
  if (freed_ && type != PageRecordType::kInitPage && type != PageRecordType::kOption) {
    return Corrupt("record for a freed page (only INIT_PAGE may follow FREE_PAGE)");
  }
  switch (type) {
    case PageRecordType::kFreePage:
      // recv_sys_t::parse_tail rejects same_page and a payload before storing the record.
      if (same_page || !r.payload.empty()) return Corrupt("malformed FREE_PAGE");
      freed_ = true;
      last_offset_ = kNoSamePage;
      return absl::OkStatus();
    case PageRecordType::kInitPage:
      if (same_page) return Corrupt("INIT_PAGE with same_page");
      return InitPage(r.payload);
    case PageRecordType::kOption:
      return Option(r.payload);
    case PageRecordType::kReserved:
      return Corrupt("reserved record type");
    case PageRecordType::kExtended:
      TM_RETURN_IF_ERROR(Extended(r.payload));
      last_offset_ = kAfterInit;
      return absl::OkStatus();
    case PageRecordType::kWrite:
    case PageRecordType::kMemset:
    case PageRecordType::kMemmove:
      return ByteWrite(type, r.payload);
  }
  return absl::InternalError("unreachable record type");
}

// INIT_PAGE: a fresh page of the physical size (the compressed image for
// ROW_FORMAT=COMPRESSED), FIL_PAGE_PREV/NEXT = FIL_NULL, page number and space id set.
absl::Status MtrApplier::InitPage(ByteSpan payload) {
  if (!payload.empty()) return Corrupt("INIT_PAGE with payload");
  std::fill(frame_.begin(), frame_.end(), uint8_t{0});
  WriteBe32(frame_, kFilPageOffset, id_.page.value());
  std::fill_n(frame_.begin() + kFilPagePrev, 8, uint8_t{0xFF});
  WriteBe32(frame_, kFilPageArchLogNoOrSpaceId, id_.space.value());
  freed_ = false;
  last_offset_ = kAfterInit;
  return absl::OkStatus();
}

// OPTION: recovery stores only OPT_PAGE_CHECKSUM records of exactly 5 bytes (parse_tail);
// any other option is ignored. last_offset is left as it was.
absl::Status MtrApplier::Option(ByteSpan payload) {
  if (payload.size() != 5 || payload[0] != kOptPageChecksum) return absl::OkStatus();
  const uint32_t stored = ReadBe32(payload, 1);
  const uint32_t computed = OptPageChecksum(frame_);
  if (stored == computed) return absl::OkStatus();
  return Corrupt(absl::StrFormat("OPT_PAGE_CHECKSUM mismatch (stored 0x%08x, computed 0x%08x)",
                                 stored, computed));
}

absl::Status MtrApplier::Extended(ByteSpan payload) {
  if (id_.page.value() < 3) {
    return Corrupt(absl::StrFormat("EXTENDED record on page %d", id_.page.value()));
  }
  if (format_.page_size.is_compressed()) {
    return Corrupt("EXTENDED record on a ROW_FORMAT=COMPRESSED page");
  }
  if (payload.empty()) return Corrupt("EXTENDED record without subtype");
  const uint8_t subtype = payload[0];
  const ByteSpan rest = payload.subspan(1);
  switch (ExtendedType(subtype)) {
    case ExtendedType::kInitRowFormatRedundant:
    case ExtendedType::kInitRowFormatDynamic:
      if (!rest.empty()) return Corrupt("unexpected parameters");
      ApplyInitRowFormat(frame_, subtype == uint8_t(ExtendedType::kInitRowFormatDynamic));
      return absl::OkStatus();
    case ExtendedType::kUndoInit:
      if (!rest.empty()) return Corrupt("unexpected parameters");
      ApplyUndoInit(frame_);
      return absl::OkStatus();
    case ExtendedType::kUndoAppend:
      if (rest.size() < 3) return Corrupt("undo record shorter than 3 bytes");
      return ApplyUndoAppend(frame_, rest);
    case ExtendedType::kInsertHeapRedundant:
    case ExtendedType::kInsertReuseRedundant:
    case ExtendedType::kInsertHeapDynamic:
    case ExtendedType::kInsertReuseDynamic:
      return ExtendedInsert(subtype, rest);
    case ExtendedType::kDeleteRowFormatRedundant:
    case ExtendedType::kDeleteRowFormatDynamic:
      return ExtendedDelete(subtype, rest);
    case ExtendedType::kTrimPages:
      // A tablespace-level record (undo truncation): the caller must have taken it out.
      return absl::InternalError("TRIM_PAGES is not applied to a page");
  }
  return Corrupt("unknown EXTENDED subtype");
}

// page_apply_insert_* and page_apply_delete_* first check that the frame is the page the
// record is for (a record applied to the wrong page image is corruption, not an edit).
absl::Status MtrApplier::CheckPageNumber() const {
  const uint32_t on_page = ReadBe32(frame_, 4);
  if (on_page == id_.page.value()) return absl::OkStatus();
  return Corrupt(absl::StrFormat("FIL_PAGE_OFFSET is %d, not the record's page %d", on_page,
                                 id_.page.value()));
}

// INSERT_*: the parameter bounds of log_phys_t::apply, which differ per parameter.
absl::Status MtrApplier::ExtendedInsert(uint8_t subtype, ByteSpan rest) {
  TM_RETURN_IF_ERROR(CheckPageNumber());
  const bool reuse = (subtype & 1) != 0;
  const std::optional<uint32_t> prev = TakeVarint(rest, 3, Then::kMore);
  if (!prev) return Corrupt("bad prev parameter");
  if ((subtype & 2) != 0) {  // INSERT_*_DYNAMIC
    std::optional<uint32_t> shift = 0;
    if (reuse) shift = TakeVarint(rest, 3, Then::kMore);
    if (!shift) return Corrupt("bad shift parameter");
    const std::optional<uint32_t> enc_hdr_l = TakeVarint(rest, 3, Then::kMore);
    if (!enc_hdr_l) return Corrupt("bad enc_hdr_l parameter");
    const std::optional<uint32_t> hdr_c = TakeVarint(rest, 2, Then::kMore);
    if (!hdr_c) return Corrupt("bad hdr_c parameter");
    const std::optional<uint32_t> data_c = TakeVarint(rest, 3, Then::kMaybeMore);
    if (!data_c) return Corrupt("bad data_c parameter");
    return ApplyInsertDynamic(frame_, reuse, *prev, *shift, *enc_hdr_l, *hdr_c, *data_c, rest);
  }
  const std::optional<uint32_t> enc_hdr = TakeVarint(rest, 2, Then::kMore);
  if (!enc_hdr) return Corrupt("bad enc_hdr parameter");
  const std::optional<uint32_t> hdr_c = TakeVarint(rest, 2, Then::kMore);
  if (!hdr_c) return Corrupt("bad hdr_c parameter");
  const std::optional<uint32_t> data_c = TakeVarint(rest, 2, Then::kMaybeMore);
  if (!data_c) return Corrupt("bad data_c parameter");
  return ApplyInsertRedundant(frame_, reuse, *prev, *enc_hdr, *hdr_c, *data_c, rest);
}

absl::Status MtrApplier::ExtendedDelete(uint8_t subtype, ByteSpan rest) {
  TM_RETURN_IF_ERROR(CheckPageNumber());
  if (subtype == uint8_t(ExtendedType::kDeleteRowFormatRedundant)) {
    // The server takes 1..3 bytes and requires the varint to fill them exactly.
    const std::optional<uint32_t> prev =
        rest.size() > 3 ? std::nullopt : TakeVarint(rest, 3, Then::kNothing);
    if (!prev) return Corrupt("bad prev parameter");
    return ApplyDeleteRedundant(frame_, *prev);
  }
  const std::optional<uint32_t> prev = TakeVarint(rest, 3, Then::kMore);
  if (!prev) return Corrupt("bad prev parameter");
  const std::optional<uint32_t> hdr_size = TakeVarint(rest, 2, Then::kMore);
  if (!hdr_size) return Corrupt("bad hdr_size parameter");
  const std::optional<uint32_t> data_size = TakeVarint(rest, 3, Then::kNothing);
  if (!data_size) return Corrupt("bad data_size parameter");
  return ApplyDeleteDynamic(frame_, *prev, *hdr_size, *data_size);
}

// WRITE, MEMSET, MEMMOVE: the offset varint, relative to last_offset, then the type's
// own fields. The target must be at or above byte 8 and inside the page.
absl::Status MtrApplier::ByteWrite(PageRecordType type, ByteSpan payload) {
  if (last_offset_ == kNoSamePage) return Corrupt("same_page byte write not allowed here");
  ByteSpan rest = payload;
  const std::optional<uint32_t> offset = TakeVarint(rest, 3, Then::kMore);
  if (!offset) return Corrupt("bad offset");
  const uint32_t target = *offset + last_offset_;
  if (*offset >= size() || target < 8 || target >= size()) {
    return Corrupt(absl::StrFormat("offset %d outside the page", target));
  }
  last_offset_ = static_cast<uint16_t>(target);
  if (type != PageRecordType::kWrite) return FillOrMove(type, rest);
  if (rest.size() + last_offset_ > size()) {
    return Corrupt(absl::StrFormat("%d bytes at %d pass the page end", rest.size(), target));
  }
  std::copy(rest.begin(), rest.end(), frame_.begin() + last_offset_);
  last_offset_ = static_cast<uint16_t>(last_offset_ + rest.size());
  return absl::OkStatus();
}

// MEMSET: length varint, then a pattern of 1..length bytes repeated over the length.
// MEMMOVE: length varint, then a source varint relative to the target (odd = before it).
absl::Status MtrApplier::FillOrMove(PageRecordType type, ByteSpan rest) {
  const std::optional<uint32_t> len = TakeVarint(rest, 3, Then::kMaybeMore);
  if (!len) return Corrupt("bad length");
  const size_t target = last_offset_;
  if (*len + target > size()) {
    return Corrupt(absl::StrFormat("%d bytes at %d pass the page end", *len, target));
  }
  if (type == PageRecordType::kMemset) {
    // The server's parse rejects a pattern longer than the length; an empty one would
    // loop forever in its apply.
    if (rest.empty() || rest.size() > *len) return Corrupt("bad fill pattern");
    for (size_t done = 0; done < *len; done += rest.size()) {
      const size_t n = std::min<size_t>(rest.size(), *len - done);
      std::copy_n(rest.begin(), n, frame_.begin() + target + done);
    }
  } else {
    const std::optional<uint32_t> s = TakeVarint(rest, 3, Then::kNothing);
    if (!s) return Corrupt("bad source");
    const int64_t delta = int64_t{*s >> 1} + 1;
    const int64_t source = int64_t(target) + ((*s & 1) != 0 ? -delta : delta);
    if (source < 8 || source + *len > int64_t(size())) {
      return Corrupt(absl::StrFormat("source %d outside the page", source));
    }
    std::memmove(frame_.data() + target, frame_.data() + source, *len);
  }
  last_offset_ = static_cast<uint16_t>(target + *len);
  return absl::OkStatus();
}

// The page-type repair of buf_flush_init_for_writing: files from before MySQL 5.5 (always
// 16 KiB pages) may hold garbage in FIL_PAGE_TYPE. Pages at fixed positions get their
// type; elsewhere a type that only belongs at such a position, or an unknown one, becomes
// FIL_PAGE_TYPE_UNKNOWN.
uint16_t RepairedPageType(uint32_t page_no, uint32_t space_id, uint16_t type) {
  constexpr uint32_t kTrxSysPageNo = 5;  // FSP_TRX_SYS_PAGE_NO
  switch (page_no % 16384) {
    case 0:
      return page_no == 0 ? kPageTypeFspHdr : kPageTypeXdes;
    case 1:
      return kPageTypeIbufBitmap;
    case kTrxSysPageNo:
      if (space_id == 0 && page_no == kTrxSysPageNo) return kPageTypeTrxSys;
      break;
  }
  switch (type) {
    case kPageTypeIndex:
    case kPageTypeInstant:
    case kPageTypeRtree:
    case kPageTypeUndoLog:
    case kPageTypeInode:
    case kPageTypeIbufFreeList:
    case kPageTypeAllocated:
    case kPageTypeSys:
    case kPageTypeTrxSys:
    case kPageTypeBlob:
    case kPageTypeZblob:
    case kPageTypeZblob2:
      return type;
    default:
      return kPageTypeUnknown;
  }
}

}  // namespace

absl::Status ApplyMtrToPage(const ApplySpaceFormat& format, RedoPageId id,
                            std::span<const PageRecordRef> records, MutableByteSpan frame) {
  assert(frame.size() == format.page_size.physical());
  MtrApplier applier(format, id, frame);
  for (size_t i = 0; i < records.size(); ++i) {
    TM_RETURN_IF_ERROR(applier.Apply(i, records[i]));
  }
  return absl::OkStatus();
}

void StampPageLsn(const ApplySpaceFormat& format, Lsn lsn, MutableByteSpan frame) {
  WriteBe64(frame, kFilPageLsn, lsn.value());
  if (!format.page_size.is_compressed()) {
    WriteBe64(frame, frame.size() - kFilPageEndLsnOldChksum, lsn.value());
  }
}

void SealPageForWrite(const ApplySpaceFormat& format, MutableByteSpan frame) {
  if (format.page_size.is_compressed()) {
    WriteZipCrc32Checksum(frame);
    return;
  }
  if (format.full_crc32) {
    WriteFullCrc32Checksum(frame);
    return;
  }
  std::copy_n(frame.begin() + kFilPageLsn, 8, frame.end() - kFilPageEndLsnOldChksum);
  if (format.page_size.logical() == 16384) {
    const FilHeader h = FilHeader::Parse(frame);
    const uint16_t type = RepairedPageType(h.page_no.value(), h.space_id.value(), h.type);
    if (type != h.type) WriteBe16(frame, kFilPageType, type);
  }
  WriteClassicCrc32Checksum(frame);
}

}  // namespace tidemark::innodb
