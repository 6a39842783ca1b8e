// FileScanner: reads one file front to back in fixed-size chunks with several reads in flight
// and hands the chunks out strictly in file order, so page checks on chunk k overlap the reads
// of chunks k+1..k+depth-1. The inspector's and the backup's hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/aligned_buffer.h"
#include "io/async_reader.h"
#include "io/file_system.h"

namespace tidemark::io {

struct ScanOptions {
  // Bytes per read. When the file is direct (RandomAccessFile::is_direct()), a multiple of
  // kDirectIoAlignment.
  size_t chunk_size = size_t{1} << 20;
  // Reads in flight, counting the chunk the caller holds: in [1, kMaxAsyncDepth].
  size_t depth = 4;
  // First byte to scan; a multiple of kDirectIoAlignment when the file is direct.
  uint64_t begin = 0;
  // One past the last byte to scan; clamped to the file's size at Create.
  uint64_t end = std::numeric_limits<uint64_t>::max();
};

// One chunk of the file. `data` is empty exactly at the end of the scan (offset == end()).
struct Chunk {
  uint64_t offset = 0;
  ByteSpan data;
};

// Scans [begin, min(end, size at Create)) of a file. The file's size is read once, at Create:
// bytes appended later are not scanned, and a file that shrinks below it makes Next() fail
// with OutOfRange (see Next). Memory is bounded: at most depth buffers of chunk_size bytes
// (fewer and smaller for a small file), aligned for direct I/O, allocated at Create.
// The I/O backend is file.NewAsyncReader(depth): one io_uring per scanner for a POSIX file
// (pread when no ring can be created), synchronous ReadAt for any other file.
// Not thread-safe. The file must outlive the scanner; destroying the scanner waits for its
// reads in flight.
class FileScanner {
  struct Key {  // see the constructor
    explicit Key() = default;
  };

 public:
  // Validates the options, reads the file's size and starts the first depth reads. Errors:
  // InvalidArgument for a zero chunk size, a depth outside [1, kMaxAsyncDepth], or a chunk size
  // or begin off the alignment grid of a direct file; Size()'s and NewAsyncReader's errors;
  // ResourceExhausted when the buffers cannot be allocated.
  static absl::StatusOr<std::unique_ptr<FileScanner>> Create(RandomAccessFile& file,
                                                             const ScanOptions& options = {});

  // Public for std::make_unique only: Key is private, so only Create can call it.
  FileScanner(Key, RandomAccessFile& file, uint64_t size, uint64_t begin, uint64_t end,
              size_t chunk_size);
  FileScanner(const FileScanner&) = delete;
  FileScanner& operator=(const FileScanner&) = delete;
  ~FileScanner() = default;

  // Returns the next chunk in file order: chunk_size bytes (the last one may be shorter), or an
  // empty chunk at offset end() once everything has been returned. `data` stays valid until the
  // next call. Errors, after which every call returns the same status: the read's own error
  // (e.g. DataLoss "read 'db/t.ibd' at 16384: Input/output error"); OutOfRange
  // "read 'db/t.ibd' at 1048576: file shrank below its size at open (2097152): got 4096 of
  // 1048576 bytes" when the file ended early; the queue's errors.
  absl::StatusOr<Chunk> Next();

  // The range scanned: [begin(), end()).
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  // The reader's backend ("io_uring", "io_uring/readv", "sync"), or "none" for an empty range.
  std::string_view backend() const { return reader_ ? reader_->backend() : "none"; }

 private:
  struct Slot {
    AlignedBuffer buffer;
    bool done = false;  // its read has completed
    size_t bytes = 0;
    absl::Status status;
  };

  absl::Status Start(size_t depth);
  absl::Status SubmitChunk(uint64_t chunk);
  absl::Status AwaitChunk(uint64_t chunk);
  absl::StatusOr<Chunk> Deliver(uint64_t chunk);
  uint64_t ChunkOffset(uint64_t chunk) const { return begin_ + chunk * chunk_size_; }
  size_t ChunkLength(uint64_t chunk) const;
  absl::Status Fail(absl::Status status);

  RandomAccessFile& file_;
  const uint64_t size_at_open_;
  const uint64_t begin_;
  const uint64_t end_;
  const size_t chunk_size_;
  const uint64_t num_chunks_;
  // Declared before reader_ so the reader, destroyed first, reaps its reads while the buffers
  // still exist.
  std::vector<Slot> slots_;
  std::unique_ptr<AsyncReader> reader_;
  uint64_t next_submit_ = 0;   // next chunk to submit
  uint64_t next_deliver_ = 0;  // next chunk to return
  bool holding_ = false;       // the caller holds chunk next_deliver_ - 1
  absl::Status error_;         // sticky
};

}  // namespace tidemark::io
