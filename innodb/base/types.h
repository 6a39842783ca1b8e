// Strong types for the quantities InnoDB formats mix up easily: log sequence numbers,
// page numbers, tablespace ids and page sizes. Each wraps one integer; arithmetic is
// explicit through value().
#pragma once

#include <compare>
#include <cstdint>

namespace tidemark {

template <typename Tag, typename T>
class StrongInt {
 public:
  using ValueType = T;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;

 private:
  T v_{};
};

using Lsn = StrongInt<struct LsnTag, uint64_t>;
using PageNo = StrongInt<struct PageNoTag, uint32_t>;
using SpaceId = StrongInt<struct SpaceIdTag, uint32_t>;

// FIL_NULL: "no page" in sibling pointers and file addresses (fil0fil.h).
inline constexpr uint32_t kFilNull = 0xFFFFFFFF;

// Page size of a tablespace. `logical` is the instance's innodb_page_size; `physical` is
// what one page occupies in the file. ROW_FORMAT=COMPRESSED tablespaces are marked
// explicitly: their physical size may equal the logical one (KEY_BLOCK_SIZE=4 in a 4 KiB
// instance), and their pages use the compressed format all the same.
class PageSize {
 public:
  constexpr PageSize() = default;
  constexpr static PageSize Uncompressed(uint32_t size) { return PageSize(size, size, false); }
  constexpr static PageSize Compressed(uint32_t logical, uint32_t zip_size) {
    return PageSize(logical, zip_size, true);
  }
  constexpr uint32_t logical() const { return logical_; }
  constexpr uint32_t physical() const { return physical_; }
  constexpr bool is_compressed() const { return compressed_; }
  constexpr bool operator==(const PageSize&) const = default;

 private:
  constexpr PageSize(uint32_t logical, uint32_t physical, bool compressed)
      : logical_(logical), physical_(physical), compressed_(compressed) {}
  uint32_t logical_ = 16384;
  uint32_t physical_ = 16384;
  bool compressed_ = false;
};

}  // namespace tidemark
