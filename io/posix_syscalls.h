// The system calls the POSIX backend makes on its data path, as a replaceable table. It is the
// test seam below the FileSystem interface: tests substitute functions that fail with EINTR
// or EAGAIN, transfer fewer bytes, refuse O_DIRECT or refuse io_uring, and then check that the
// backend retries or falls back. Production code uses the defaults (the real calls).
#pragma once

#include <fcntl.h>
#include <liburing.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace tidemark::io {

// How many times in a row one read or write is retried after EAGAIN before the backend gives
// up with Unavailable. EINTR is always retried: it only means a signal arrived.
inline constexpr int kMaxAgainRetries = 100;

// Each member follows the convention of the call it replaces: open/pread/pwrite return -1 and
// set errno; fadvise returns the error number; io_uring_queue_init returns -errno.
struct PosixSyscalls {
  std::function<int(const char* path, int flags, mode_t mode)> open =
      [](const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); };
  std::function<ssize_t(int fd, void* buf, size_t count, off_t offset)> pread = ::pread;
  std::function<ssize_t(int fd, const void* buf, size_t count, off_t offset)> pwrite = ::pwrite;
  std::function<int(int fd, off_t offset, off_t len, int advice)> fadvise = ::posix_fadvise;
  std::function<int(int fd, off_t offset, off_t len, unsigned flags)> sync_file_range =
      ::sync_file_range;
  std::function<int(unsigned entries, io_uring* ring, unsigned flags)> io_uring_queue_init =
      ::io_uring_queue_init;
  // Whether the ring supports `opcode` (IORING_OP_*). The default asks the kernel through
  // io_uring_get_probe_ring and answers false when probing itself is unsupported (< 5.6).
  std::function<bool(io_uring* ring, int opcode)> opcode_supported = [](io_uring* ring,
                                                                        int opcode) {
    io_uring_probe* probe = io_uring_get_probe_ring(ring);
    if (probe == nullptr) return false;
    bool supported = io_uring_opcode_supported(probe, opcode) != 0;
    io_uring_free_probe(probe);
    return supported;
  };
  // When set, sees every io_uring completion result (bytes or -errno) of a read of `length`
  // bytes at `offset` and returns the result to act on: tests turn full reads into short ones
  // (the unread bytes are then read again) or into -EAGAIN. Unset: results are used as is.
  std::function<int(uint64_t offset, size_t length, int result)> uring_result;
};

}  // namespace tidemark::io
