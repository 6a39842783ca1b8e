// FSP_SPACE_FLAGS of page 0, decoded in the three layouts a reader meets: MariaDB
// full_crc32 (10.5+ default), MariaDB "classic" and MySQL 8 (fsp0types.h of each server;
// INNODB_FORMATS.md §2.2). The flags select the page size and the checksum scheme.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "innodb/base/status.h"
#include "innodb/base/types.h"
#include "innodb/page/fil_page.h"

namespace tidemark::innodb {

enum class FlagsLayout : uint8_t { kFullCrc32, kClassic, kMySql };

// Checksum scheme of every page of the tablespace.
enum class ChecksumScheme : uint8_t { kFullCrc32, kClassic, kZip };

struct SpaceFlags {
  uint32_t raw = 0;
  FlagsLayout layout = FlagsLayout::kFullCrc32;
  PageSize page_size;
  bool post_antelope = false;
  bool atomic_blobs = false;
  bool data_dir = false;
  // MariaDB page_compressed: 0 = no; full_crc32 layout: algorithm 1..6; classic: 1 (the
  // algorithm is stored per page).
  uint8_t page_compression_algo = 0;
  bool page_compression = false;
  // MySQL layout only.
  bool mysql_encryption = false;
  bool mysql_sdi = false;
  bool mysql_shared = false;
  bool mysql_temporary = false;

  Flavor flavor() const { return layout == FlagsLayout::kMySql ? Flavor::kMySql : Flavor::kMariaDb; }
  ChecksumScheme checksum() const;
  bool full_crc32() const { return layout == FlagsLayout::kFullCrc32; }
  // ROW_FORMAT=COMPRESSED physical page size, 0 if not compressed.
  uint32_t zip_size() const { return page_size.is_compressed() ? page_size.physical() : 0; }
};

// Decodes `raw`. The layout is told apart by bit 4 (full_crc32 marker, impossible in the
// other layouts because ZIP_SSIZE <= 5) and bits 11..15 (only MySQL 8 sets them; SDI is
// always set on MySQL 8 tablespaces). A MySQL 5.7 file without those bits decodes as
// classic, which has the same checksums and sizes.
// Errors: InvalidArgument "invalid tablespace flags 0x..: <why>" when the combination is
// one no server writes (reserved bits set, zip size above page size, bad page size).
absl::StatusOr<SpaceFlags> DecodeSpaceFlags(uint32_t raw);

// Lowercase names: "zlib", "lz4", "lzo", "lzma", "bzip2", "snappy"; "per-page" for the
// classic layout; "" when not page_compressed.
std::string_view PageCompressionName(const SpaceFlags& flags);
std::string_view FlagsLayoutName(FlagsLayout layout);
std::string_view ChecksumSchemeName(ChecksumScheme scheme);

}  // namespace tidemark::innodb
