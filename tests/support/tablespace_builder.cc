// TablespaceBuilder: synthetic tablespaces for unit tests (layouts from
// INNODB_FORMATS.md §1-2; checksums through innodb/page/checksum.h).
#include "tests/support/tablespace_builder.h"

#include <cassert>

#include "innodb/fsp/fsp_header.h"
#include "innodb/fsp/space_flags.h"
#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/index_page.h"

namespace tidemark::testing {

using namespace innodb;

TablespaceBuilder::TablespaceBuilder(uint32_t flags, uint32_t space_id, uint32_t n_pages)
    : flags_(flags), space_id_(space_id), n_pages_(n_pages) {
  auto f = DecodeSpaceFlags(flags);
  assert(f.ok());
  logical_ = f->page_size.logical();
  physical_ = f->page_size.physical();
  image_.assign(size_t{n_pages} * physical_, 0);
  InitPage(0, kPageTypeFspHdr);
  MutableByteSpan p0 = PageAt(0);
  WriteBe32(p0, kFspHeaderOffset + kFspSpaceId, space_id);
  WriteBe32(p0, kFspHeaderOffset + kFspSize, n_pages);
  WriteBe32(p0, kFspHeaderOffset + kFspFreeLimit, n_pages);
  WriteBe32(p0, kFspHeaderOffset + kFspSpaceFlags, flags);
  if (n_pages > 1) InitPage(1, kPageTypeIbufBitmap);
  if (n_pages > 2) InitPage(2, kPageTypeInode);
}

MutableByteSpan TablespaceBuilder::PageAt(uint32_t page_no) {
  return MutableByteSpan(image_).subspan(size_t{page_no} * physical_, physical_);
}

void TablespaceBuilder::InitPage(uint32_t page_no, uint16_t type) {
  MutableByteSpan p = PageAt(page_no);
  WriteBe32(p, kFilPageOffset, page_no);
  WriteBe32(p, kFilPagePrev, kFilNull);
  WriteBe32(p, kFilPageNext, kFilNull);
  WriteBe64(p, kFilPageLsn, 0x1000 + page_no);
  WriteBe16(p, kFilPageType, type);
  WriteBe32(p, kFilPageArchLogNoOrSpaceId, space_id_);
  written_[page_no] = true;
}

TablespaceBuilder& TablespaceBuilder::Index(uint32_t page_no, uint64_t index_id, uint16_t level,
                                            uint16_t n_recs, uint16_t heap_top,
                                            uint16_t garbage, bool compact) {
  InitPage(page_no, kPageTypeIndex);
  MutableByteSpan p = PageAt(page_no);
  WriteBe16(p, kPageHeader + kPageHeapTop, heap_top);
  WriteBe16(p, kPageHeader + kPageNHeap, static_cast<uint16_t>((compact ? 0x8000 : 0) | (n_recs + 2)));
  WriteBe16(p, kPageHeader + kPageGarbage, garbage);
  WriteBe16(p, kPageHeader + kPageNRecs, n_recs);
  WriteBe16(p, kPageHeader + kPageLevel, level);
  WriteBe64(p, kPageHeader + kPageIndexId, index_id);
  return *this;
}

TablespaceBuilder& TablespaceBuilder::Undo(uint32_t page_no, uint16_t segment_state) {
  InitPage(page_no, kPageTypeUndoLog);
  WriteBe16(PageAt(page_no), kTrxUndoSegHdr, segment_state);
  return *this;
}

TablespaceBuilder& TablespaceBuilder::Typed(uint32_t page_no, uint16_t type) {
  InitPage(page_no, type);
  return *this;
}

TablespaceBuilder& TablespaceBuilder::Lsn(uint32_t page_no, uint64_t lsn) {
  WriteBe64(PageAt(page_no), kFilPageLsn, lsn);
  return *this;
}

TablespaceBuilder& TablespaceBuilder::MarkFree(uint32_t page_no) {
  const uint32_t extent = ExtentPages(logical_);
  const size_t entry = kXdesArrOffset + size_t{XdesEntrySize(logical_)} * (page_no / extent);
  const uint32_t bit = 2 * (page_no % extent);
  PageAt(0)[entry + kXdesBitmap + bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
  return *this;
}

TablespaceBuilder& TablespaceBuilder::Encrypted(uint32_t key_id) {
  const size_t off = kFspHeaderOffset + kXdesArrOffset +
                     size_t{XdesEntrySize(logical_)} * (physical_ / ExtentPages(logical_));
  MutableByteSpan p0 = PageAt(0);
  const uint8_t magic[] = {0x73, 0x0E, 0x0C, 0x52, 0x45, 0x74};
  for (size_t i = 0; i < sizeof(magic); ++i) p0[off + i] = magic[i];
  p0[off + 6] = 1;   // scheme
  p0[off + 7] = 16;  // IV length
  WriteBe32(p0, off + 24, 1);
  WriteBe32(p0, off + 28, key_id);
  return *this;
}

void TablespaceBuilder::Sign(MutableByteSpan page, uint32_t flags) {
  auto f = DecodeSpaceFlags(flags);
  assert(f.ok());
  switch (f->checksum()) {
    case ChecksumScheme::kFullCrc32: WriteFullCrc32Checksum(page); break;
    case ChecksumScheme::kClassic: WriteClassicCrc32Checksum(page); break;
    case ChecksumScheme::kZip: WriteZipCrc32Checksum(page); break;
  }
}

std::vector<uint8_t> TablespaceBuilder::Build() const {
  std::vector<uint8_t> out = image_;
  for (const auto& [page_no, unused] : written_) {
    Sign(MutableByteSpan(out).subspan(size_t{page_no} * physical_, physical_), flags_);
  }
  return out;
}

}  // namespace tidemark::testing
