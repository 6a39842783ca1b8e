// Page validation across the checksum schemes (buf_page_is_corrupted in buf0buf.cc,
// fil_space_verify_crypt_checksum in fil0crypt.cc, is_page_corrupted in innochecksum.cc;
// INNODB_FORMATS.md §1.5-1.8).
#include "innodb/page/page_verdict.h"

#include <optional>

#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"

namespace tidemark::innodb {

namespace {

// Classic layout: an all-zero page may carry garbage only in bytes 26..33.
bool IsClassicAllZero(ByteSpan page) {
  return IsAllZero(page.subspan(0, kFilPageFileFlushLsnOrKeyVersion)) &&
         IsAllZero(page.subspan(kFilPageArchLogNoOrSpaceId));
}

// A never-written page, by the rules of the tablespace's checksum scheme.
bool IsEmptyPage(ByteSpan page, const SpaceContext& ctx) {
  return ctx.flags.checksum() == ChecksumScheme::kClassic ? IsClassicAllZero(page)
                                                          : IsAllZero(page);
}

bool HeaderMatches(ByteSpan page, const SpaceContext& ctx, uint32_t page_no) {
  if (ReadBe32(page, kFilPageOffset) != page_no) return false;
  // full_crc32 encrypted or page_compressed pages have no plain space id at 34..37.
  const bool space_id_hidden =
      ctx.flags.full_crc32() && (ctx.encrypted || ctx.flags.page_compression);
  return space_id_hidden || ReadBe32(page, kFilPageArchLogNoOrSpaceId) == ctx.space_id.value();
}

PageVerdict ValidateFullCrc32(ByteSpan page, const SpaceContext& ctx) {
  const uint16_t type = ReadBe16(page, kFilPageType);
  size_t size = page.size();
  bool compressed = false;
  if (type & kFullCrc32CompressedMarker) {
    const size_t s = size_t{type & 0x7fffu} << 8;
    if (s < page.size()) size = s, compressed = true;
  }
  ByteSpan image = page.subspan(0, size);
  if (!FullCrc32ChecksumValid(image)) {
    return IsAllZero(page) ? PageVerdict::kAllZero : PageVerdict::kChecksumMismatch;
  }
  if (compressed) return PageVerdict::kPageCompressed;
  if (ReadBe32(page, kFilPageSpaceOrChksum) != 0) return PageVerdict::kEncrypted;
  if (ReadBe32(page, kFilPageLsn + 4) != ReadBe32(page, size - kFilPageFcrc32EndLsn)) {
    return PageVerdict::kLsnMismatch;
  }
  (void)ctx;
  return PageVerdict::kOk;
}

// Classic encrypted pages: key version at 26..29, checksum of the ciphertext at 30..33.
bool CryptChecksumValid(ByteSpan page, bool zip) {
  if (ReadBe32(page, kFilPageFileFlushLsnOrKeyVersion) == 0) return false;
  if (ReadBe16(page, kFilPageType) == kPageTypePageCompressedEncrypted) return true;
  const uint32_t stored = ReadBe32(page, kFilPageFileFlushLsnOrKeyVersion + 4);
  if (stored == kNoChecksumMagic) return true;
  if (zip) return stored == ZipPageCrc32(page) || stored == ZipPageAdler32(page);
  return stored == PageCrc32(page) || stored == PageInnodbNewChecksum(page);
}

PageVerdict ValidateZip(ByteSpan page, const SpaceContext& ctx) {
  if (ctx.encrypted && CryptChecksumValid(page, true)) return PageVerdict::kEncrypted;
  if (ZipChecksumValid(page)) return PageVerdict::kOk;
  return IsAllZero(page) ? PageVerdict::kAllZero : PageVerdict::kChecksumMismatch;
}

PageVerdict ValidateClassic(ByteSpan page, const SpaceContext& ctx) {
  const bool zero_fields = ReadBe32(page, 0) == 0 && ReadBe32(page, page.size() - 8) == 0;
  if (zero_fields && IsClassicAllZero(page)) return PageVerdict::kAllZero;
  if (ctx.encrypted && CryptChecksumValid(page, false)) return PageVerdict::kEncrypted;
  if (ReadBe32(page, kFilPageLsn + 4) != ReadBe32(page, page.size() - 4)) {
    return PageVerdict::kLsnMismatch;
  }
  return ClassicChecksumFieldsValid(page) ? PageVerdict::kOk : PageVerdict::kChecksumMismatch;
}

// Page types whose checksum cannot be checked without decrypting or decompressing.
std::optional<PageVerdict> UncheckableType(uint16_t type, const SpaceContext& ctx) {
  if (ctx.flags.flavor() == Flavor::kMySql) {
    switch (type) {
      case kPageTypeMySqlEncrypted:
      case kPageTypeMySqlCompressedAndEncrypted:
      case kPageTypeMySqlEncryptedRtree:
        return PageVerdict::kEncrypted;
      case kPageTypeMySqlCompressed:
        return PageVerdict::kPageCompressed;
      default:
        return std::nullopt;
    }
  }
  if (!ctx.flags.full_crc32() && ctx.flags.page_compression) {
    if (type == kPageTypePageCompressed) return PageVerdict::kPageCompressed;
    if (type == kPageTypePageCompressedEncrypted) return PageVerdict::kEncrypted;
  }
  return std::nullopt;
}

}  // namespace

std::string_view PageVerdictName(PageVerdict v) {
  static constexpr std::string_view kNames[kPageVerdictCount] = {
      "ok",           "all_zero",          "encrypted",    "page_compressed",
      "skipped",      "checksum_mismatch", "lsn_mismatch", "bad_header"};
  return kNames[static_cast<int>(v)];
}

PageVerdict ValidatePage(ByteSpan page, const SpaceContext& ctx, uint32_t page_no) {
  if (!HeaderMatches(page, ctx, page_no)) {
    return IsEmptyPage(page, ctx) ? PageVerdict::kAllZero : PageVerdict::kBadHeader;
  }
  if (auto v = UncheckableType(ReadBe16(page, kFilPageType), ctx)) return *v;
  switch (ctx.flags.checksum()) {
    case ChecksumScheme::kFullCrc32: return ValidateFullCrc32(page, ctx);
    case ChecksumScheme::kZip: return ValidateZip(page, ctx);
    case ChecksumScheme::kClassic: return ValidateClassic(page, ctx);
  }
  return PageVerdict::kChecksumMismatch;
}

}  // namespace tidemark::innodb
