// InnoDB page checksums (see checksum.h). Sources, MariaDB 10.11 unless noted:
// buf0checksum.cc (crc32, innodb new/old), ut0rnd.inl (ut_fold_binary), buf0buf.cc
// (buf_page_is_corrupted), page0zip.cc (page_zip_calc_checksum, page_zip_verify_checksum),
// buf0flu.cc (buf_flush_init_for_writing), MySQL 5.7 ut0crc32.cc (legacy big-endian).
#include "innodb/page/checksum.h"

#include <algorithm>
#include <cassert>

#include "innodb/base/crc32c.h"
#include "innodb/page/fil_page.h"

namespace tidemark::innodb {
namespace {

// UT_HASH_RANDOM_MASK and UT_HASH_RANDOM_MASK2 (ut0rnd.inl).
constexpr uint32_t kUtHashRandomMask = 1463735687;
constexpr uint32_t kUtHashRandomMask2 = 1653893711;

// Adler-32 modulus and the longest run whose sums cannot overflow 32 bits before the
// reduction (zlib's BASE and NMAX).
constexpr uint32_t kAdlerBase = 65521;
constexpr size_t kAdlerNmax = 5552;

// Where the checksum ranges of uncompressed pages end: the 8-byte trailer is excluded.
size_t ClassicBodyEnd(ByteSpan page) { return page.size() - kFilPageEndLsnOldChksum; }

bool HasMinSize(size_t size, size_t min) {
  assert(size >= min && "callers pass whole pages");
  return size >= min;
}

// ut_fold_binary with the 8-way unrolling undone: only shifts left, adds and xors, so
// the low 32 bits of the server's ulint arithmetic equal this uint32_t arithmetic.
uint32_t FoldBinary(ByteSpan bytes) {
  uint32_t fold = 0;
  for (const uint8_t b : bytes) {
    fold = ((((fold ^ b ^ kUtHashRandomMask2) << 8) + fold) ^ kUtHashRandomMask) + b;
  }
  return fold;
}

// zlib's adler32(adler, buf, len), written from the definition (RFC 1950).
uint32_t Adler32Extend(uint32_t adler, ByteSpan data) {
  uint32_t a = adler & 0xFFFF, b = adler >> 16;
  while (!data.empty()) {
    const size_t n = std::min(data.size(), kAdlerNmax);
    for (const uint8_t byte : data.first(n)) {
      a += byte;
      b += a;
    }
    a %= kAdlerBase;
    b %= kAdlerBase;
    data = data.subspan(n);
  }
  return b << 16 | a;
}

// MySQL's ut_crc32_legacy_big_endian over page[begin, end). Word boundaries are taken
// relative to the page start: the server's buffer-pool frames are page-aligned, so its
// address-based alignment gives the same split.
uint32_t LegacyBigEndianCrc(ByteSpan page, size_t begin, size_t end) {
  const size_t head = std::min(end - begin, (8 - begin % 8) % 8);
  const size_t words = (end - begin - head) / 8 * 8;
  uint32_t crc = Crc32c(page.subspan(begin, head));
  crc = Crc32cExtendByteSwappedWords(crc, page.subspan(begin + head, words));
  return Crc32cExtend(crc, page.subspan(begin + head + words, end - begin - head - words));
}

// The three ranges of a ROW_FORMAT=COMPRESSED page checksum (page_zip_calc_checksum).
struct ZipRanges {
  ByteSpan offset_to_lsn, page_type, space_id_to_end;
};
ZipRanges ZipChecksumRanges(ByteSpan zip_page) {
  return {zip_page.subspan(kFilPageOffset, kFilPageLsn - kFilPageOffset),
          zip_page.subspan(kFilPageType, 2), zip_page.subspan(kFilPageArchLogNoOrSpaceId)};
}

}  // namespace

uint32_t PageCrc32(ByteSpan page) {
  if (!HasMinSize(page.size(), kMinClassicPageSize)) return 0;
  return Crc32c(page.subspan(kFilPageOffset, kFilPageFileFlushLsnOrKeyVersion - kFilPageOffset)) ^
         Crc32c(page.subspan(kFilPageData, ClassicBodyEnd(page) - kFilPageData));
}

uint32_t PageCrc32LegacyBigEndian(ByteSpan page) {
  if (!HasMinSize(page.size(), kMinClassicPageSize)) return 0;
  return LegacyBigEndianCrc(page, kFilPageOffset, kFilPageFileFlushLsnOrKeyVersion) ^
         LegacyBigEndianCrc(page, kFilPageData, ClassicBodyEnd(page));
}

uint32_t PageInnodbNewChecksum(ByteSpan page) {
  if (!HasMinSize(page.size(), kMinClassicPageSize)) return 0;
  return FoldBinary(
             page.subspan(kFilPageOffset, kFilPageFileFlushLsnOrKeyVersion - kFilPageOffset)) +
         FoldBinary(page.subspan(kFilPageData, ClassicBodyEnd(page) - kFilPageData));
}

uint32_t PageInnodbOldChecksum(ByteSpan page) {
  if (!HasMinSize(page.size(), kMinClassicPageSize)) return 0;
  return FoldBinary(page.first(kFilPageFileFlushLsnOrKeyVersion));
}

uint32_t PageFullCrc32(ByteSpan image) {
  if (!HasMinSize(image.size(), kMinFullCrc32ImageSize)) return 0;
  return Crc32c(image.first(image.size() - kFilPageFcrc32Checksum));
}

uint32_t ZipPageCrc32(ByteSpan zip_page) {
  if (!HasMinSize(zip_page.size(), kMinZipPageSize)) return 0;
  const ZipRanges r = ZipChecksumRanges(zip_page);
  return Crc32c(r.offset_to_lsn) ^ Crc32c(r.page_type) ^ Crc32c(r.space_id_to_end);
}

uint32_t ZipPageAdler32(ByteSpan zip_page) {
  if (!HasMinSize(zip_page.size(), kMinZipPageSize)) return 0;
  const ZipRanges r = ZipChecksumRanges(zip_page);
  return Adler32Extend(Adler32Extend(Adler32Extend(0, r.offset_to_lsn), r.page_type),
                       r.space_id_to_end);
}

bool ClassicChecksumFieldsValid(ByteSpan page) {
  if (page.size() < kMinClassicPageSize) return false;
  const uint32_t f1 = ReadBe32(page, kFilPageSpaceOrChksum);
  const uint32_t f2 = ReadBe32(page, ClassicBodyEnd(page));
  if (f1 == kNoChecksumMagic && f2 == kNoChecksumMagic) return true;
  // Very old InnoDB stored the LSN high word in field 2; 0 in field 1 means "not set".
  const bool check_f2 = f2 != ReadBe32(page, kFilPageLsn) && f2 != kNoChecksumMagic;
  const bool check_f1 = f1 != 0 && f1 != kNoChecksumMagic;
  if (!check_f1 && !check_f2) return true;
  // A crc32 pair satisfies both checks at once.
  if (f1 == f2 && (f1 == PageCrc32(page) || f1 == PageCrc32LegacyBigEndian(page))) {
    return true;
  }
  if (check_f2 && f2 != PageInnodbOldChecksum(page)) return false;
  return !check_f1 || f1 == PageInnodbNewChecksum(page);
}

bool FullCrc32ChecksumValid(ByteSpan image) {
  if (image.size() < kMinFullCrc32ImageSize) return false;
  return ReadBe32(image, image.size() - kFilPageFcrc32Checksum) == PageFullCrc32(image);
}

bool ZipChecksumValid(ByteSpan zip_page) {
  if (zip_page.size() < kMinZipPageSize) return false;
  const uint32_t stored = ReadBe32(zip_page, kFilPageSpaceOrChksum);
  return stored == ZipPageCrc32(zip_page) || stored == kNoChecksumMagic ||
         stored == ZipPageAdler32(zip_page);
}

void WriteFullCrc32Checksum(MutableByteSpan page) {
  if (!HasMinSize(page.size(), kMinClassicPageSize)) return;
  const size_t size = page.size();
  WriteBe32(page, size - kFilPageFcrc32EndLsn, ReadBe32(page, kFilPageLsn + 4));
  WriteBe32(page, size - kFilPageFcrc32Checksum, PageFullCrc32(page));
}

void WriteClassicCrc32Checksum(MutableByteSpan page) {
  if (!HasMinSize(page.size(), kMinClassicPageSize)) return;
  const size_t size = page.size();
  WriteBe32(page, size - kFilPageEndLsnOldChksum + 4, ReadBe32(page, kFilPageLsn + 4));
  const uint32_t crc = PageCrc32(page);
  WriteBe32(page, kFilPageSpaceOrChksum, crc);
  WriteBe32(page, size - kFilPageEndLsnOldChksum, crc);
}

void WriteZipCrc32Checksum(MutableByteSpan zip_page) {
  if (!HasMinSize(zip_page.size(), kMinZipPageSize)) return;
  WriteBe32(zip_page, kFilPageSpaceOrChksum, ZipPageCrc32(zip_page));
}

ChecksumReport ComputeAllChecksums(ByteSpan page, bool is_zip) {
  ChecksumReport r;
  r.is_zip = is_zip;
  if (!HasMinSize(page.size(), is_zip ? kMinZipPageSize : kMinClassicPageSize)) return r;
  r.stored_field1 = ReadBe32(page, kFilPageSpaceOrChksum);
  if (is_zip) {
    r.zip_crc32 = ZipPageCrc32(page);
    r.zip_adler32 = ZipPageAdler32(page);
    return r;
  }
  r.stored_field2 = ReadBe32(page, ClassicBodyEnd(page));
  r.stored_full_crc32 = ReadBe32(page, page.size() - kFilPageFcrc32Checksum);
  r.crc32 = PageCrc32(page);
  r.crc32_legacy_big_endian = PageCrc32LegacyBigEndian(page);
  r.innodb_new = PageInnodbNewChecksum(page);
  r.innodb_old = PageInnodbOldChecksum(page);
  r.full_crc32 = PageFullCrc32(page);
  return r;
}

}  // namespace tidemark::innodb
