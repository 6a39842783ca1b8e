// Every InnoDB page checksum scheme (INNODB_FORMATS.md §1.5): the computations, the
// per-scheme acceptance rules of MariaDB 10.11 (non-strict), the writers the prepare step
// needs, and a report of all of them for `inspect --page N`. Pure computation over one
// page image; deciding which scheme applies (tablespace flags) is the caller's job.
#pragma once

#include <cstdint>
#include <optional>

#include "innodb/base/endian.h"

namespace tidemark::innodb {

// BUF_NO_CHECKSUM_MAGIC (buf0buf.h): "no checksum" marker accepted in place of one.
inline constexpr uint32_t kNoChecksumMagic = 0xDEADBEEF;

// Smallest spans the functions below work on: the 38-byte FIL header plus the 8-byte
// trailer for uncompressed pages; the FIL header for ROW_FORMAT=COMPRESSED pages; the
// 4-byte CRC for a full_crc32 image.
inline constexpr size_t kMinClassicPageSize = 46;
inline constexpr size_t kMinZipPageSize = 38;
inline constexpr size_t kMinFullCrc32ImageSize = 4;

// Preconditions shared by every function here: callers pass one whole page, and the
// span's size *is* the physical page size (for ROW_FORMAT=COMPRESSED the zip size; for a
// full_crc32 page_compressed page the S-byte stored image). Computations and writers
// assert (debug builds) that the span has at least the minimum size above; in release
// builds they return 0 / write nothing instead of reading out of bounds. The *Valid
// functions accept any span (a page_compressed image size comes from the page itself)
// and return false for one too small to hold its checksum fields.
// All functions are thread-safe and allocate nothing.

// innodb_checksum_algorithm=crc32: CRC-32C(bytes [4,26)) XOR CRC-32C(bytes [38,size-8))
// (buf_calc_page_crc32, buf0checksum.cc). Stored in both field 1 and field 2.
uint32_t PageCrc32(ByteSpan page);

// The same two ranges with MySQL 5.6/5.7's "legacy big-endian" CRC
// (ut_crc32_legacy_big_endian, MySQL ut0crc32.cc), which big-endian servers wrote: bytes
// one at a time up to an 8-byte boundary (relative to the page start), then 8-byte words
// fed to crc32q as big-endian integers, then the tail bytes one at a time.
uint32_t PageCrc32LegacyBigEndian(ByteSpan page);

// Legacy innodb_checksum_algorithm=innodb (buf_calc_page_new_checksum /
// buf_calc_page_old_checksum, buf0checksum.cc; ut_fold_binary, ut0rnd.inl), mod 2^32.
// New (field 1): fold([4,26)) + fold([38,size-8)). Old (field 2): fold([0,26)), which
// covers field 1, so it is computed after field 1 is stored.
uint32_t PageInnodbNewChecksum(ByteSpan page);
uint32_t PageInnodbOldChecksum(ByteSpan page);

// full_crc32: CRC-32C of [0, size-4) of the image (buf_page_is_corrupted, buf0buf.cc).
uint32_t PageFullCrc32(ByteSpan image);

// ROW_FORMAT=COMPRESSED pages (page_zip_calc_checksum, page0zip.cc): over [4,16),
// [24,26) and [34,size), skipping the checksum, FIL_PAGE_LSN and bytes 26..33. The crc32
// variant XORs three CRC-32Cs; the adler32 variant (legacy "innodb" for zip pages) chains
// Adler-32 over the three ranges starting from 0 (zlib's adler32(0, ...)).
uint32_t ZipPageCrc32(ByteSpan zip_page);
uint32_t ZipPageAdler32(ByteSpan zip_page);

// Non-strict verification of the two checksum fields of a non-full_crc32 uncompressed
// page (buf_page_is_corrupted, buf0buf.cc; INNODB_FORMATS.md §1.5 steps 4..7). With f1 =
// be32@0, f2 = be32@(size-8): valid if f1 == f2 == 0xDEADBEEF; otherwise f2 is checked
// unless it equals 0xDEADBEEF or be32@16 (LSN high word), f1 unless it is 0 or
// 0xDEADBEEF, and a checked field passes if f1 == f2 == crc32 (or == the legacy
// big-endian crc32) or it equals its innodb checksum. The caller does the LSN-copy check,
// the all-zero test and the page_compressed exemption. Accepting the legacy big-endian
// crc32 goes beyond 10.11, which dropped it; MySQL 5.7 accepts it, older MariaDB did only
// when built WITH_INNODB_BUG_ENDIAN_CRC32 (the default on big-endian hosts).
bool ClassicChecksumFieldsValid(ByteSpan page);

// full_crc32: be32 at [size-4] == PageFullCrc32(image). No all-zero or LSN-copy test.
bool FullCrc32ChecksumValid(ByteSpan image);

// ROW_FORMAT=COMPRESSED, non-strict (page_zip_verify_checksum, page0zip.cc): the stored
// be32@0 is the crc32 variant, 0xDEADBEEF, or the adler32 variant. An all-zero page passes
// (its adler32 variant is 0), as the server's explicit all-zero test would also have it.
bool ZipChecksumValid(ByteSpan zip_page);

// Writers for pages we produce (prepare). Each updates only the fields named.
// full_crc32: LSN low word (bytes 20..23) to [size-8,size-4), then PageFullCrc32 to
// [size-4,size) (buf_flush_init_for_writing, buf0flu.cc). Not for page_compressed images.
void WriteFullCrc32Checksum(MutableByteSpan page);
// crc32: LSN low word to [size-4,size), then PageCrc32 to [0,4) and [size-8,size-4).
void WriteClassicCrc32Checksum(MutableByteSpan page);
// ROW_FORMAT=COMPRESSED: ZipPageCrc32 to [0,4) (buf_flush_update_zip_checksum).
void WriteZipCrc32Checksum(MutableByteSpan zip_page);

// Everything `inspect --page N` shows about checksums. Stored values are read as
// big-endian words; computed values are present only for the layout given by is_zip
// (uncompressed: crc32, legacy big-endian crc32, innodb new/old, full_crc32;
// ROW_FORMAT=COMPRESSED: zip crc32 and zip adler32).
struct ChecksumReport {
  bool is_zip = false;
  uint32_t stored_field1 = 0;                 // be32@0: checksum, or full_crc32 key version
  std::optional<uint32_t> stored_field2;      // be32@size-8 (absent for zip pages)
  std::optional<uint32_t> stored_full_crc32;  // be32@size-4 (absent for zip pages)
  std::optional<uint32_t> crc32;
  std::optional<uint32_t> crc32_legacy_big_endian;
  std::optional<uint32_t> innodb_new;
  std::optional<uint32_t> innodb_old;
  std::optional<uint32_t> full_crc32;
  std::optional<uint32_t> zip_crc32;
  std::optional<uint32_t> zip_adler32;
};

// Fills a ChecksumReport. A span below the minimum size for its layout is a programmer
// error (asserted); release builds return a report with only is_zip set.
ChecksumReport ComputeAllChecksums(ByteSpan page, bool is_zip);

}  // namespace tidemark::innodb
