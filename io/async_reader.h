// AsyncReader: a bounded queue of positioned reads over one file, the seam between readers
// that overlap I/O with computation (FileScanner, ReadBatch) and the backend doing the I/O.
// The POSIX file hands out an io_uring reader; every other file gets the synchronous one
// below, which performs each read inside Wait() through RandomAccessFile::ReadAt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"

namespace tidemark::io {

class RandomAccessFile;
struct ReadRequest;

// The outcome of one read submitted to an AsyncReader.
struct AsyncRead {
  uint64_t tag = 0;       // the tag given to Submit
  size_t bytes_read = 0;  // == buffer size unless the file ended first
  absl::Status status;    // errors as RandomAccessFile::ReadAt reports them
};

// Up to depth() reads in flight against one file. Each read has ReadAt's contract: it fills
// the whole buffer unless the file ends first, and retries short and interrupted transfers
// internally. Completions may come back in any order; callers match them by tag.
// Not thread-safe: one thread submits and waits. The file must outlive the reader, and every
// submitted buffer must stay valid until its read is returned by Wait() or the reader is
// destroyed; the destructor waits for reads still in flight so the kernel never writes into
// freed memory.
class AsyncReader {
 public:
  virtual ~AsyncReader() = default;

  // Maximum number of reads in flight.
  virtual size_t depth() const = 0;
  // Reads submitted and not yet returned by Wait().
  virtual size_t in_flight() const = 0;
  // Names the backend for logs and tests: "io_uring", "io_uring/readv" or "sync".
  virtual std::string_view backend() const = 0;

  // Starts reading buffer.size() bytes at `offset`. Errors: FailedPrecondition when depth()
  // reads are already in flight (nothing changes); the mapped errno when the kernel refuses the
  // submission, after which the reader is broken and every later call returns that error.
  // Errors of the read itself are reported by Wait(), in AsyncRead::status, not here.
  virtual absl::Status Submit(uint64_t offset, MutableByteSpan buffer, uint64_t tag) = 0;

  // Blocks until one submitted read finishes and returns it. Errors (of the queue itself, not
  // of the read): FailedPrecondition when nothing is in flight; the mapped errno when waiting
  // on the kernel fails, after which the reader is broken.
  virtual absl::StatusOr<AsyncRead> Wait() = 0;
};

// Largest depth any AsyncReader accepts (bounded by io_uring's ring size).
inline constexpr size_t kMaxAsyncDepth = 4096;

// Returns InvalidArgument "read '<path>': queue depth <d> is outside [1, 4096]" unless
// 1 <= depth <= kMaxAsyncDepth. Every NewAsyncReader implementation checks this first.
absl::Status CheckAsyncDepth(std::string_view path, size_t depth);

// Returns a reader that performs each submitted read, in submission order, inside Wait()
// with file.ReadAt. It overlaps nothing; it exists so every RandomAccessFile can be scanned
// the same way. Precondition: CheckAsyncDepth(file.path(), depth) is OK.
std::unique_ptr<AsyncReader> NewSynchronousReader(RandomAccessFile& file, size_t depth);

// Runs `requests` through `reader`, keeping up to reader.depth() in flight, and fills in each
// request's bytes_read and status. Returns OK when every request succeeded, else the status of
// the first failed request in array order. All reads have finished when it returns.
// Precondition: nothing is in flight on `reader`.
absl::Status RunReadBatch(AsyncReader& reader, std::span<ReadRequest> requests);

}  // namespace tidemark::io
