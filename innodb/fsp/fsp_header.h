// Page 0 of a tablespace: the FSP header, the extent descriptors (XDES) that say which
// pages are free, and the crypt data that says whether pages are encrypted
// (fsp0fsp.h, fsp0types.h, fil0crypt.cc of MariaDB 10.11; INNODB_FORMATS.md §2).
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/fsp/space_flags.h"

namespace tidemark::innodb {

inline constexpr size_t kFspHeaderOffset = 38;
inline constexpr size_t kFspSpaceId = 0;
inline constexpr size_t kFspSize = 8;
inline constexpr size_t kFspFreeLimit = 12;
inline constexpr size_t kFspSpaceFlags = 16;
inline constexpr size_t kFspFragNUsed = 20;
inline constexpr size_t kFspSegId = 72;
inline constexpr size_t kXdesArrOffset = 150;  // absolute offset of the first descriptor
inline constexpr size_t kXdesState = 20;
inline constexpr size_t kXdesBitmap = 24;

// XDES_* states (fsp0fsp.h).
enum XdesState : uint32_t { kXdesNone = 0, kXdesFree = 1, kXdesFreeFrag = 2, kXdesFullFrag = 3, kXdesFseg = 4 };

// Pages per extent for a logical page size (FSP_EXTENT_SIZE: 1 MiB below 16 KiB, else 64).
uint32_t ExtentPages(uint32_t logical_page_size);
// Bytes of one XDES entry (XDES_SIZE): 24 + 2 bits per page of the extent.
uint32_t XdesEntrySize(uint32_t logical_page_size);

// Encryption metadata found on page 0.
struct CryptInfo {
  bool mysql = false;           // MySQL 8 "lCx" encryption-info slot
  uint8_t scheme = 0;           // MariaDB: 0 unencrypted (rotating), 1 encrypted
  uint32_t min_key_version = 0;
  uint32_t key_id = 0;
  uint8_t mode = 0;             // MariaDB: 0 default, 1 on, 2 off
  bool encrypted() const { return mysql || scheme == 1; }
};

struct FspHeader {
  SpaceId space_id;
  uint32_t size = 0;        // FSP_SIZE, pages
  uint32_t free_limit = 0;  // FSP_FREE_LIMIT
  uint32_t frag_n_used = 0;
  uint64_t next_seg_id = 0;
  SpaceFlags flags;
  std::optional<CryptInfo> crypt;
};

// Reads the raw FSP_SPACE_FLAGS word from the first bytes of a file (needs >= 58 bytes).
uint32_t ReadRawSpaceFlags(ByteSpan page0_prefix);

// Decodes the FSP header and crypt data of page 0 (`page0` = one whole physical page).
// Errors: InvalidArgument for undecodable flags; DataLoss "page 0 is not an FSP header
// page (...)" when the page number, type or the two copies of the space id disagree.
absl::StatusOr<FspHeader> ParseFspHeader(ByteSpan page0);

// True if `page_no` is marked free in the descriptor page `xdes_page` that covers it
// (the page whose number is page_no rounded down to a multiple of the physical page size).
// Mirrors innochecksum's is_page_free: the free bit alone decides.
bool XdesPageIsFree(ByteSpan xdes_page, const SpaceFlags& flags, uint32_t page_no);

// The extent descriptor's state for `page_no` in `xdes_page`.
uint32_t XdesStateOf(ByteSpan xdes_page, const SpaceFlags& flags, uint32_t page_no);

}  // namespace tidemark::innodb
