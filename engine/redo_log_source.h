// The server's live redo log as the backup's copier reads it: the circular ib_logfile0 of a
// running MariaDB 10.11 server, opened read-only. Gives the head seen at open (the start
// checkpoint C0/E0, geometry, encryption), the logical bytes of any LSN range of at most one
// capacity (two reads when the range wraps from the end of the file to offset 12288), the
// newest checkpoint now, and whether the file at the path is still the one opened (an
// online innodb_log_file_size change replaces it). INNODB_FORMATS.md §3.1, §5.2, §8.
//
// Reads bypass the page cache (O_DIRECT) where the file system allows it: the server writes
// its log with O_DIRECT ("File system buffers for log disabled"), and a buffered read racing
// those writes can keep a stale image of the block being rewritten in the page cache
// (observed on ext4; MDEV-39468). Direct reads see what the device holds (for a server
// that writes its log buffered, the kernel first writes back the range being read).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "io/aligned_buffer.h"
#include "io/file_system.h"

namespace tidemark::engine {

// Not thread-safe: one thread reads at a time. The FileSystem must outlive the source.
class RedoLogSource {
 public:
  // Opens `path` (direct I/O when possible, buffered otherwise) and reads its 12288-byte
  // head; Read() will return up to `max_read` bytes (at most the capacity). Errors, naming
  // the path ("redo log '<path>': ..."): those of OpenForRead; DataLoss when the file is
  // shorter than its head; FailedPrecondition for a log of a format other than 10.8
  // ("... unsupported redo log format 0x50485953 ..."), DataLoss for a bad header or no
  // valid checkpoint (see innodb::ParseLogFileHead); InvalidArgument when the size makes
  // no geometry; ResourceExhausted when the read buffer cannot be allocated.
  static absl::StatusOr<std::unique_ptr<RedoLogSource>> Open(io::FileSystem& fs, std::string path,
                                                             size_t max_read);

  const std::string& path() const { return path_; }
  // The header and newest checkpoint as read by Open.
  const innodb::LogFileHead& head() const { return head_; }
  const innodb::LogGeometry& geometry() const { return geometry_; }
  innodb::LogEncryption encryption() const { return head_.header.encryption(); }
  uint64_t capacity() const { return geometry_.capacity(); }
  size_t max_read() const { return max_read_; }
  // True when reads bypass the page cache.
  bool is_direct() const { return direct_; }

  // Reads the bytes of LSNs [from, from + n) in LSN order, wrapping at the end of the file,
  // and returns them as one span into the source's buffer, valid (and writable) until the
  // next Read. Preconditions (asserted): from >= first_lsn, n <= max_read(). Errors: the
  // read's (which name the path); DataLoss "redo log '<path>': the file ends at N, expected
  // M bytes" when the file became shorter.
  absl::StatusOr<MutableByteSpan> Read(Lsn from, size_t n);

  // Re-reads the head through the open file and returns the newest valid checkpoint.
  // Errors: FailedPrecondition (see CheckUnchanged) when the header block differs from the
  // one read at Open; DataLoss "no valid checkpoint"; read errors.
  absl::StatusOr<innodb::LogCheckpoint> ReadCheckpoint();

  // Opens the path again and checks that it is still the file opened: same size and same
  // header block (an online resize writes ib_logfile101 with a new first_lsn and renames it
  // over ib_logfile0, so the open file stops receiving writes). Errors: FailedPrecondition
  // "redo log '<path>' was replaced while it was being copied (...)"; the open's errors.
  absl::Status CheckUnchanged(io::FileSystem& fs);

 private:
  RedoLogSource(std::string path, std::unique_ptr<io::RandomAccessFile> file,
                std::vector<uint8_t> header_block, innodb::LogFileHead head,
                innodb::LogGeometry geometry, size_t max_read, io::AlignedBuffer buf,
                io::AlignedBuffer head_buf);
  // Reads the file bytes [offset, offset + n) to `dst`, which must have room for n bytes
  // rounded up to a whole direct-I/O unit; when direct, `offset` and `dst` are aligned.
  absl::Status ReadFully(uint8_t* dst, uint64_t offset, size_t n);
  absl::Status ReplacedError(ByteSpan header_block, uint64_t size) const;

  const std::string path_;
  const std::unique_ptr<io::RandomAccessFile> file_;
  const bool direct_;
  const std::vector<uint8_t> header_block_;  // bytes [0, 512) at Open
  const innodb::LogFileHead head_;
  const innodb::LogGeometry geometry_;
  const size_t max_read_;
  io::AlignedBuffer buf_;       // Read(): max_read + two alignment units
  io::AlignedBuffer head_buf_;  // ReadCheckpoint(): the 12288-byte head
};

}  // namespace tidemark::engine
