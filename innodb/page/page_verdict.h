// Whether one page read from a tablespace is sound, as a value rather than a status
// (STYLE.md "Errors" 5): the backup re-reads on failure, the inspector reports, and only
// a failure that is stable over re-reads becomes corruption. Rules follow
// buf_page_is_corrupted (buf0buf.cc) and innochecksum.cc of MariaDB 10.11.
#pragma once

#include <cstdint>
#include <string_view>

#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/fsp/space_flags.h"

namespace tidemark::innodb {

enum class PageVerdict : uint8_t {
  kOk,               // checksum (and LSN copy) valid
  kAllZero,          // never written: valid
  kEncrypted,        // encrypted page: checksum over the ciphertext valid, or a MySQL
                     // encrypted page whose checksum cannot be checked without the key
  kPageCompressed,   // page_compressed image: valid (full_crc32) or not checkable
                     // without decompression (classic layout, MySQL)
  kSkipped,          // not verified: a doublewrite-buffer slot of the system tablespace
                     // (it holds copies of other tablespaces' pages)
  kChecksumMismatch,
  kLsnMismatch,      // header LSN and trailer copy disagree (torn or stale write)
  kBadHeader,        // page number or space id of the header do not match the position
};
inline constexpr int kPageVerdictCount = 8;

// True for the verdicts that mean the page is damaged.
inline bool IsFailure(PageVerdict v) { return v >= PageVerdict::kChecksumMismatch; }

// "ok", "all_zero", "encrypted", "page_compressed", "skipped", "checksum_mismatch",
// "lsn_mismatch", "bad_header": the keys of the inspect report.
std::string_view PageVerdictName(PageVerdict v);

// What the verdict needs to know about the tablespace.
struct SpaceContext {
  SpaceFlags flags;
  SpaceId space_id;
  bool encrypted = false;  // crypt data on page 0 says scheme 1 (or MySQL encryption)
};

// Judges `page` (exactly one physical page) expected at `page_no`.
PageVerdict ValidatePage(ByteSpan page, const SpaceContext& ctx, uint32_t page_no);

}  // namespace tidemark::innodb
