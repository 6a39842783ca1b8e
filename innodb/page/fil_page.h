// The FIL header and trailer every InnoDB page starts and ends with, and the page-type
// values of MariaDB 10.11 and MySQL 8 (fil0fil.h in both servers). Offsets keep the
// server's names so they can be checked against its source.
#pragma once

#include <cstdint>
#include <string>

#include "innodb/base/endian.h"
#include "innodb/base/types.h"

namespace tidemark::innodb {

// FIL header (fil0fil.h).
inline constexpr size_t kFilPageSpaceOrChksum = 0;
inline constexpr size_t kFilPageOffset = 4;
inline constexpr size_t kFilPagePrev = 8;
inline constexpr size_t kFilPageNext = 12;
inline constexpr size_t kFilPageLsn = 16;
inline constexpr size_t kFilPageType = 24;
inline constexpr size_t kFilPageFileFlushLsnOrKeyVersion = 26;
inline constexpr size_t kFilPageArchLogNoOrSpaceId = 34;
inline constexpr size_t kFilPageData = 38;
// Trailer: bytes from the end of the page.
inline constexpr size_t kFilPageEndLsnOldChksum = 8;
inline constexpr size_t kFilPageFcrc32EndLsn = 8;
inline constexpr size_t kFilPageFcrc32Checksum = 4;

// Which server's conventions a tablespace follows. Page-type value 18 means
// TYPE_INSTANT in MariaDB and SDI_BLOB in MySQL, so decoding needs the flavor.
enum class Flavor : uint8_t { kMariaDb, kMySql };

// FIL_PAGE_TYPE values. MariaDB and MySQL share 0..13 and 17854/17855.
enum PageTypeValue : uint16_t {
  kPageTypeAllocated = 0,
  kPageTypeUndoLog = 2,
  kPageTypeInode = 3,
  kPageTypeIbufFreeList = 4,
  kPageTypeIbufBitmap = 5,
  kPageTypeSys = 6,
  kPageTypeTrxSys = 7,
  kPageTypeFspHdr = 8,
  kPageTypeXdes = 9,
  kPageTypeBlob = 10,
  kPageTypeZblob = 11,
  kPageTypeZblob2 = 12,
  kPageTypeUnknown = 13,
  // MySQL 8 only (fil0fil.h of MySQL).
  kPageTypeMySqlCompressed = 14,
  kPageTypeMySqlEncrypted = 15,
  kPageTypeMySqlCompressedAndEncrypted = 16,
  kPageTypeMySqlEncryptedRtree = 17,
  kPageTypeMySqlSdiBlob = 18,
  kPageTypeMySqlSdiZblob = 19,
  kPageTypeMySqlLegacyDblwr = 20,
  kPageTypeMySqlRsegArray = 21,
  kPageTypeMySqlLobIndex = 22,
  kPageTypeMySqlLobData = 23,
  kPageTypeMySqlLobFirst = 24,
  kPageTypeMySqlZlobFirst = 25,
  kPageTypeMySqlZlobData = 26,
  kPageTypeMySqlZlobIndex = 27,
  kPageTypeMySqlZlobFrag = 28,
  kPageTypeMySqlZlobFragEntry = 29,
  kPageTypeMySqlSdi = 17853,
  // MariaDB only.
  kPageTypeInstant = 18,
  kPageTypePageCompressed = 34354,
  kPageTypePageCompressedEncrypted = 37401,
  // Both.
  kPageTypeRtree = 17854,
  kPageTypeIndex = 17855,
};

// Bit 15 marks a full_crc32 page_compressed page; the low byte is its stored size / 256.
inline constexpr uint16_t kFullCrc32CompressedMarker = 0x8000;

// The page type as the server would name it, without the FIL_PAGE_ prefix
// ("INDEX", "TYPE_ALLOCATED", "SDI"...). A full_crc32 page_compressed marker in a MariaDB
// tablespace is "PAGE_COMPRESSED"; an unknown value is "UNKNOWN_<value>".
std::string PageTypeName(uint16_t type, Flavor flavor);

// True for pages laid out as B-tree index pages (INDEX, RTREE, MariaDB TYPE_INSTANT,
// MySQL SDI): they carry a PAGE_HEADER at offset 38.
bool IsIndexPageType(uint16_t type, Flavor flavor);

// The decoded FIL header of one page. `page` must hold at least kFilPageData bytes.
struct FilHeader {
  uint32_t checksum_or_key_version;
  PageNo page_no;
  uint32_t prev;
  uint32_t next;
  Lsn lsn;
  uint16_t type;
  uint64_t flush_lsn_or_key_version;
  SpaceId space_id;

  static FilHeader Parse(ByteSpan page);
};

// True if every byte of `page` is zero.
bool IsAllZero(ByteSpan page);

}  // namespace tidemark::innodb
