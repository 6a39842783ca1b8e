// An AsyncReader on io_uring, after liburing's examples/io_uring-cp.c: a ring of bounded depth
// per reader, short transfers resubmitted for the remainder, -EINTR and -EAGAIN (bounded)
// resubmitted, and every read reaped before the ring is torn down. Uses IORING_OP_READ when
// the kernel's probe reports it and IORING_OP_READV otherwise (Debian's liburing is 2.3).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "io/async_reader.h"
#include "io/posix_syscalls.h"

namespace tidemark::io {

struct UringReaderOptions {
  int fd = -1;              // open for reading; not owned, must outlive the reader
  std::string path;         // for messages
  size_t depth = 8;         // reads in flight, in [1, kMaxAsyncDepth]
  bool direct = false;      // fd has O_DIRECT: a transfer ending unaligned means end of file
  bool drop_cache = false;  // POSIX_FADV_DONTNEED each range once it has been read
};

// Creates a ring with options.depth entries. Errors: InvalidArgument for a bad depth; the
// mapped errno of io_uring_queue_init otherwise, e.g. "io_uring_queue_init 'x': Function not
// implemented" (kernel without io_uring, or seccomp), PermissionDenied (io_uring disabled by
// sysctl) or ResourceExhausted: callers treat any error as "use pread instead".
// `syscalls` must outlive the reader. The reader's contract is AsyncReader's; in addition a
// read whose buffer, offset or length breaks the direct-I/O alignment completes with
// InvalidArgument without reaching the kernel.
absl::StatusOr<std::unique_ptr<AsyncReader>> NewUringReader(const UringReaderOptions& options,
                                                            const PosixSyscalls& syscalls);

}  // namespace tidemark::io
