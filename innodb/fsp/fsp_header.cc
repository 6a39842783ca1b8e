// Page 0 decoding: FSP header (fsp0fsp.h), XDES bitmaps (xdes_is_free), MariaDB crypt
// data (fil_space_read_crypt_data, fil0crypt.cc) and the MySQL 8 encryption-info slot
// (fsp_header_get_encryption_offset, MySQL fsp0fsp.cc).
#include "innodb/fsp/fsp_header.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_format.h"
#include "innodb/page/fil_page.h"

namespace tidemark::innodb {

namespace {

constexpr std::array<uint8_t, 6> kCryptMagic = {0x73, 0x0E, 0x0C, 0x52, 0x45, 0x74};

// MariaDB adds FSP_HEADER_OFFSET to XDES_ARR_OFFSET (which already includes it); MySQL
// does not. Both size the descriptor array by the physical page size.
size_t CryptDataOffset(const SpaceFlags& f) {
  const uint32_t logical = f.page_size.logical();
  const size_t xdes_bytes =
      size_t{XdesEntrySize(logical)} * (f.page_size.physical() / ExtentPages(logical));
  const size_t base = kXdesArrOffset + xdes_bytes;
  return f.flavor() == Flavor::kMySql ? base : base + kFspHeaderOffset;
}

std::optional<CryptInfo> ReadMariaDbCrypt(ByteSpan page, size_t off) {
  if (off + 33 > page.size()) return std::nullopt;
  if (!std::equal(kCryptMagic.begin(), kCryptMagic.end(), page.begin() + off)) return std::nullopt;
  CryptInfo c;
  c.scheme = page[off + 6];
  const uint8_t iv_len = page[off + 7];
  if (c.scheme > 1 || iv_len != 16) return std::nullopt;
  c.min_key_version = ReadBe32(page, off + 24);
  c.key_id = ReadBe32(page, off + 28);
  c.mode = page[off + 32];
  return c;
}

std::optional<CryptInfo> ReadMySqlCrypt(ByteSpan page, size_t off) {
  if (off + 3 > page.size()) return std::nullopt;
  if (page[off] != 'l' || page[off + 1] != 'C' || page[off + 2] < 'A' || page[off + 2] > 'C') {
    return std::nullopt;
  }
  CryptInfo c;
  c.mysql = true;
  return c;
}

}  // namespace

uint32_t ExtentPages(uint32_t logical_page_size) {
  return logical_page_size < 16384 ? (1u << 20) / logical_page_size : 64;
}

uint32_t XdesEntrySize(uint32_t logical_page_size) {
  return kXdesBitmap + (ExtentPages(logical_page_size) * 2 + 7) / 8;
}

uint32_t ReadRawSpaceFlags(ByteSpan page0_prefix) {
  return ReadBe32(page0_prefix, kFspHeaderOffset + kFspSpaceFlags);
}

absl::StatusOr<FspHeader> ParseFspHeader(ByteSpan page0) {
  FspHeader h;
  TM_ASSIGN_OR_RETURN(h.flags, DecodeSpaceFlags(ReadRawSpaceFlags(page0)));
  const FilHeader fil = FilHeader::Parse(page0);
  h.space_id = SpaceId(ReadBe32(page0, kFspHeaderOffset + kFspSpaceId));
  if (fil.page_no.value() != 0 || fil.type != kPageTypeFspHdr || fil.space_id != h.space_id) {
    return absl::DataLossError(absl::StrFormat(
        "page 0 is not an FSP header page (page number %d, type %d, space id %d and %d)",
        fil.page_no.value(), fil.type, fil.space_id.value(), h.space_id.value()));
  }
  h.size = ReadBe32(page0, kFspHeaderOffset + kFspSize);
  h.free_limit = ReadBe32(page0, kFspHeaderOffset + kFspFreeLimit);
  h.frag_n_used = ReadBe32(page0, kFspHeaderOffset + kFspFragNUsed);
  h.next_seg_id = ReadBe64(page0, kFspHeaderOffset + kFspSegId);
  const size_t off = CryptDataOffset(h.flags);
  h.crypt = h.flags.flavor() == Flavor::kMySql ? ReadMySqlCrypt(page0, off)
                                                : ReadMariaDbCrypt(page0, off);
  return h;
}

namespace {
size_t XdesEntryOffset(const SpaceFlags& flags, uint32_t page_no) {
  const uint32_t logical = flags.page_size.logical();
  const uint32_t in_range = page_no & (flags.page_size.physical() - 1);
  return kXdesArrOffset + size_t{XdesEntrySize(logical)} * (in_range / ExtentPages(logical));
}
}  // namespace

bool XdesPageIsFree(ByteSpan xdes_page, const SpaceFlags& flags, uint32_t page_no) {
  const size_t entry = XdesEntryOffset(flags, page_no);
  const uint32_t bit = 2 * (page_no % ExtentPages(flags.page_size.logical()));
  const size_t byte = entry + kXdesBitmap + bit / 8;
  if (byte >= xdes_page.size()) return false;
  return (xdes_page[byte] >> (bit % 8)) & 1;
}

uint32_t XdesStateOf(ByteSpan xdes_page, const SpaceFlags& flags, uint32_t page_no) {
  const size_t entry = XdesEntryOffset(flags, page_no);
  if (entry + kXdesState + 4 > xdes_page.size()) return kXdesNone;
  return ReadBe32(xdes_page, entry + kXdesState);
}

}  // namespace tidemark::innodb
