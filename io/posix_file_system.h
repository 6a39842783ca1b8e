// The production FileSystem: POSIX calls (open, pread, pwrite, fstatat, readdir...) with errno
// mapped through ErrnoStatus, and io_uring for batched and read-ahead reads (ReadBatch and
// RandomAccessFile::NewAsyncReader), falling back to pread when no ring can be created.
#pragma once

#include <cstddef>
#include <memory>

#include "io/file_system.h"
#include "io/posix_syscalls.h"

namespace tidemark::io {

struct PosixOptions {
  // Use io_uring for ReadBatch and NewAsyncReader. false: always pread (the same bytes).
  bool use_io_uring = true;
  // Maximum reads in flight for one ReadBatch call on the io_uring path.
  size_t batch_depth = 32;
  // The data-path system calls; tests replace entries to inject faults.
  PosixSyscalls syscalls;
};

// Returns a thread-safe POSIX file system. Files it opens keep their own reference to the
// options and may outlive it. ReadBatch with two or more requests creates a ring per call
// (one io_uring_setup); a ring per FileScanner covers the hot path.
std::unique_ptr<FileSystem> NewPosixFileSystem(PosixOptions options = {});

}  // namespace tidemark::io
