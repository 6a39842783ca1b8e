// Sequential byte streams: a source read front to back (a pipe, stdin, or a file read in order)
// and the fd writer behind a stream sink (stdout). For the xbstream reader and writer
// (engine/xbstream.h), which see a stream, never a seekable file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/file_system.h"

namespace tidemark::io {

// Bytes read in order. Not thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // What the stream is, for messages: a path, or "stdin".
  virtual const std::string& name() const = 0;
  // Reads up to buf.size() bytes into `buf` and returns how many: 0 only at the end of the
  // stream (or for an empty `buf`), possibly fewer than asked before the end. Interrupted
  // reads are retried. Errors: the errno mapped by ErrnoStatusAt, naming name() and the
  // stream offset, e.g. DataLoss "read 'stdin' at 4096: Input/output error".
  virtual absl::StatusOr<size_t> Read(MutableByteSpan buf) = 0;
};

// A source reading the file descriptor `fd` (not owned, not closed) with read(2).
std::unique_ptr<ByteSource> NewFdSource(int fd, std::string name);

// A source reading `file` from offset 0 to its end.
std::unique_ptr<ByteSource> NewFileSource(std::unique_ptr<RandomAccessFile> file);

// A source over `data` (which must outlive it), returning at most `max_read` bytes per Read:
// for tests, and for streams already in memory.
std::unique_ptr<ByteSource> NewMemorySource(ByteSpan data, std::string name = "memory",
                                            size_t max_read = std::numeric_limits<size_t>::max());

// Writes all of `data` to `fd` with write(2), retrying short and interrupted writes.
// `name` names the stream in errors: ResourceExhausted "write 'stdout': No space left on
// device", Internal "write 'stdout': Broken pipe" (EPIPE; SIGPIPE must be ignored to see it).
absl::Status WriteAllToFd(int fd, std::string_view name, ByteSpan data);

}  // namespace tidemark::io
