// FSP_SPACE_FLAGS decoding. Bit positions: MariaDB fsp0types.h (FSP_FLAGS_POS_*,
// FSP_FLAGS_FCRC32_*), MySQL 8.0 fsp0types.h; validity rules after
// fil_space_t::is_valid_flags (MariaDB) and fsp_flags_is_valid (MySQL).
#include "innodb/fsp/space_flags.h"

#include "absl/strings/str_format.h"

namespace tidemark::innodb {

namespace {

constexpr uint32_t kFcrc32Marker = 1u << 4;
constexpr uint32_t kMySqlOnlyBits = 0x1f << 11;  // SHARED, TEMPORARY, ENCRYPTION, SDI, bit 15
constexpr uint32_t kClassicPageCompression = 1u << 16;

absl::Status Invalid(uint32_t raw, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat("invalid tablespace flags 0x%x: %s", raw, why));
}

absl::StatusOr<SpaceFlags> DecodeFullCrc32(uint32_t raw) {
  SpaceFlags f;
  f.raw = raw;
  f.layout = FlagsLayout::kFullCrc32;
  const uint32_t ssize = raw & 0xf;
  if (ssize < 3 || ssize > 7) return Invalid(raw, "page size field out of range");
  if (raw >> 8) return Invalid(raw, "reserved bits set");
  f.page_size = PageSize::Uncompressed(512u << ssize);
  f.page_compression_algo = static_cast<uint8_t>((raw >> 5) & 7);
  if (f.page_compression_algo > 6) return Invalid(raw, "unknown page compression algorithm");
  f.page_compression = f.page_compression_algo != 0;
  return f;
}

// Bits 0..9 are shared by the MariaDB classic and MySQL layouts.
absl::Status DecodeCommon(uint32_t raw, SpaceFlags& f) {
  f.post_antelope = raw & 1;
  const uint32_t zip_ssize = (raw >> 1) & 0xf;
  f.atomic_blobs = (raw >> 5) & 1;
  const uint32_t page_ssize = (raw >> 6) & 0xf;
  f.data_dir = (raw >> 10) & 1;
  if (f.atomic_blobs && !f.post_antelope) return Invalid(raw, "atomic blobs without post-antelope");
  if (page_ssize != 0 && (page_ssize < 3 || page_ssize > 7 || page_ssize == 5)) {
    return Invalid(raw, "page size field out of range");
  }
  const uint32_t logical = page_ssize == 0 ? 16384 : 512u << page_ssize;
  if (zip_ssize == 0) {
    f.page_size = PageSize::Uncompressed(logical);
    return absl::OkStatus();
  }
  if (!f.atomic_blobs || zip_ssize > 5 || (512u << zip_ssize) > logical || logical > 16384) {
    return Invalid(raw, "compressed page size not possible with this page size");
  }
  f.page_size = PageSize::Compressed(logical, 512u << zip_ssize);
  return absl::OkStatus();
}

}  // namespace

ChecksumScheme SpaceFlags::checksum() const {
  if (full_crc32()) return ChecksumScheme::kFullCrc32;
  return page_size.is_compressed() ? ChecksumScheme::kZip : ChecksumScheme::kClassic;
}

absl::StatusOr<SpaceFlags> DecodeSpaceFlags(uint32_t raw) {
  if (raw & kFcrc32Marker) return DecodeFullCrc32(raw);
  SpaceFlags f;
  f.raw = raw;
  if (raw & kMySqlOnlyBits) {
    f.layout = FlagsLayout::kMySql;
    if (raw >> 15) return Invalid(raw, "reserved bits set");
    f.mysql_shared = (raw >> 11) & 1;
    f.mysql_temporary = (raw >> 12) & 1;
    f.mysql_encryption = (raw >> 13) & 1;
    f.mysql_sdi = (raw >> 14) & 1;
  } else {
    f.layout = FlagsLayout::kClassic;
    if (raw >> 17) return Invalid(raw, "reserved bits set");
    f.page_compression = raw & kClassicPageCompression;
    f.page_compression_algo = f.page_compression ? 1 : 0;
  }
  TM_RETURN_IF_ERROR(DecodeCommon(raw, f));
  return f;
}

std::string_view PageCompressionName(const SpaceFlags& flags) {
  if (!flags.page_compression) return "";
  if (!flags.full_crc32()) return "per-page";
  static constexpr std::string_view kNames[] = {"", "zlib", "lz4", "lzo", "lzma", "bzip2", "snappy"};
  return kNames[flags.page_compression_algo];
}

std::string_view FlagsLayoutName(FlagsLayout layout) {
  switch (layout) {
    case FlagsLayout::kFullCrc32: return "full_crc32";
    case FlagsLayout::kClassic: return "classic";
    case FlagsLayout::kMySql: return "mysql";
  }
  return "?";
}

std::string_view ChecksumSchemeName(ChecksumScheme scheme) {
  switch (scheme) {
    case ChecksumScheme::kFullCrc32: return "full_crc32";
    case ChecksumScheme::kClassic: return "crc32";
    case ChecksumScheme::kZip: return "zip";
  }
  return "?";
}

}  // namespace tidemark::innodb
