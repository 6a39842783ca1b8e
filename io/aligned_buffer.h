// An owned, fixed-size byte buffer whose address is aligned for O_DIRECT I/O.
// Direct reads need the buffer address, file offset and length to be multiples of the
// device's logical block size; io/ uses kDirectIoAlignment (4096) everywhere, which covers
// 512-byte and 4 KiB devices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "innodb/base/endian.h"

namespace tidemark::io {

// Alignment of buffers, offsets and lengths for files opened with direct I/O.
inline constexpr size_t kDirectIoAlignment = 4096;

// Rounds `n` up to a multiple of `align` (a power of two).
constexpr uint64_t AlignUp(uint64_t n, uint64_t align) { return (n + align - 1) & ~(align - 1); }
constexpr bool IsAligned(uint64_t n, uint64_t align) { return (n & (align - 1)) == 0; }

// Returns OK when `offset` and `buf`'s address and length are multiples of kDirectIoAlignment,
// else InvalidArgument "read '<path>' at <offset>: direct i/o needs the buffer address, offset
// and length aligned to 4096".
inline absl::Status CheckDirectIoAlignment(std::string_view path, uint64_t offset,
                                           MutableByteSpan buf) {
  if (IsAligned(reinterpret_cast<uintptr_t>(buf.data()), kDirectIoAlignment) &&
      IsAligned(offset, kDirectIoAlignment) && IsAligned(buf.size(), kDirectIoAlignment)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "read '%s' at %d: direct i/o needs the buffer address, offset and length aligned to %d", path,
      offset, kDirectIoAlignment));
}

// Owns `size` bytes aligned to `alignment`, allocated with std::aligned_alloc and released
// with std::free. Contents start uninitialised. Movable, not copyable; not thread-safe.
// An empty (default-constructed or moved-from) buffer has size 0 and a null data().
class AlignedBuffer {
 public:
  // Returns a buffer of `size` bytes; `alignment` must be a power of two and at least
  // sizeof(void*). Errors: ResourceExhausted when the allocation fails.
  static absl::StatusOr<AlignedBuffer> Create(size_t size, size_t alignment = kDirectIoAlignment) {
    AlignedBuffer b;
    if (size == 0) return b;
    // aligned_alloc wants a size that is a multiple of the alignment.
    void* p = std::aligned_alloc(alignment, AlignUp(size, alignment));
    if (p == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("allocate %d bytes aligned to %d: out of memory", size, alignment));
    }
    b.data_.reset(static_cast<uint8_t*>(p));
    b.size_ = size;
    return b;
  }

  AlignedBuffer() = default;
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  MutableByteSpan span() { return {data_.get(), size_}; }
  ByteSpan span() const { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };

  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

}  // namespace tidemark::io
