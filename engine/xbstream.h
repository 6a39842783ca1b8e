// The xbstream archive format of mariadb-backup --stream=xbstream and mbstream
// (../shared/docs/INNODB_FORMATS.md §7, docs/stream.md): a sequence of chunks, each naming a
// file; payload chunks of different files interleave, those of one file come in order. A
// writer whose files are io::WritableFiles (so a backup writes into a stream as it writes
// into a directory, from many threads at once), and a reader that validates every chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "innodb/base/endian.h"
#include "io/byte_stream.h"
#include "io/file_system.h"

namespace tidemark::engine {

// ---- The format (xbstream.h, MariaDB 10.11). Integers are little-endian.
inline constexpr std::string_view kXbstreamMagic = "XBSTCK01";
inline constexpr uint8_t kXbstreamFlagIgnorable = 0x01;  // an unknown type may be skipped
inline constexpr uint8_t kXbstreamFlagRewrite = 0x02;    // open with truncate, not exclusive
// magic, flags, type, path length.
inline constexpr size_t kXbstreamHeaderSize = 8 + 1 + 1 + 4;
// FN_REFLEN - 1: mbstream refuses a path length >= 512.
inline constexpr size_t kXbstreamMaxPathLength = 511;
// mariadb-backup's XB_STREAM_MIN_CHUNK_SIZE: payload bytes buffered per file before a chunk.
inline constexpr size_t kXbstreamChunkSize = size_t{10} << 20;
// The reader refuses longer payload chunks as corrupt (mariadb-backup writes <= 10 MiB).
inline constexpr uint64_t kXbstreamMaxPayload = uint64_t{1} << 30;

enum class XbstreamChunkType : uint8_t {
  kPayload = 'P',
  kEof = 'E',
  kSeek = 'S',
  kRename = 'R',
  kRemove = 'D',
};

// OK when `path` may name a file in a stream: 1..511 bytes, no NUL, relative, not starting
// with '.' (mbstream's rule), no empty, "." or ".." component. Errors: InvalidArgument
// "unsafe path '../x' in an xbstream: must be relative, without '.', '..' or empty
// components, not starting with '.'", "path '...' is longer than 511 bytes".
absl::Status ValidateXbstreamPath(std::string_view path);

// What an error of the reader or the extractor is about, for exit codes (the tool maps them).
enum class XbstreamErrorKind {
  kOther,    // untagged: a bug or something unforeseen
  kCorrupt,  // the stream's bytes are wrong: magic, type, path, checksum, order
  kInput,    // the stream cannot be read, or ends early (truncated)
  kTarget,   // the extracted files cannot be written
};
XbstreamErrorKind GetXbstreamErrorKind(const absl::Status& status);
// Returns `status` tagged with `kind` (a payload; Annotate drops it, so tag last).
absl::Status TagXbstreamError(absl::Status status, XbstreamErrorKind kind);

// ---- Writing.

// Receives whole chunks, one call per header and one per payload, never interleaved between
// chunks (the writer holds its lock). E.g. [](ByteSpan b) { return io::WriteAllToFd(1, ...); }.
using XbstreamSink = std::function<absl::Status(ByteSpan)>;

// A sink appending to `file`, which must outlive the writer (closing it is the caller's).
XbstreamSink WritableFileSink(io::WritableFile& file);
// A sink writing to the file descriptor `fd` (e.g. 1 for stdout; not closed), `name` naming it
// in errors (io::WriteAllToFd).
XbstreamSink FdSink(int fd, std::string name);

// Writes an xbstream to a sink. Thread-safe: OpenFile, and the files it returns (each used by
// one thread at a time, like every io::WritableFile), run on many threads; their chunks
// interleave in the stream. The writer must outlive the files it opened.
// Once the sink fails, the stream is broken: every later write returns that first error.
class XbstreamWriter {
 public:
  explicit XbstreamWriter(XbstreamSink sink, size_t chunk_size = kXbstreamChunkSize);
  XbstreamWriter(const XbstreamWriter&) = delete;
  XbstreamWriter& operator=(const XbstreamWriter&) = delete;
  ~XbstreamWriter();

  // Starts file `path` in the stream. The returned file buffers what is written and emits a
  // P chunk (CRC-32 of the payload) for every `chunk_size` bytes; Append/WriteAt at the
  // current end continue the file; a WriteAt elsewhere emits an S chunk first (a hole when
  // past the end: extraction writes nothing there). Truncate can only extend (it writes a zero
  // byte at the new end) and returns Unimplemented to shrink. Sync emits the buffered bytes.
  // Close emits them and the E chunk: only then is the file complete in the stream (a file
  // destroyed unclosed has no E chunk, and extraction reports it as incomplete).
  // `rewrite` sets the REWRITE flag: extraction replaces an existing file instead of failing.
  // Errors: ValidateXbstreamPath's; AlreadyExists "'x' is already in the stream" (open, or
  // written before, without `rewrite`); the sink's first error.
  absl::StatusOr<std::unique_ptr<io::WritableFile>> OpenFile(std::string_view path,
                                                             bool rewrite = false);

  // OpenFile, Append, Close.
  absl::Status WriteFile(std::string_view path, ByteSpan contents);

  // Checks that the stream is complete: every file opened was closed successfully. Nothing
  // is written (xbstream has no trailer). Errors: FailedPrecondition "xbstream: 2 files are
  // still open: 'a', 'b'", "xbstream: 'a' was not written completely (<its error>)"; the
  // sink's first error.
  absl::Status Finish();

  // Bytes handed to the sink so far.
  uint64_t bytes_written() const;
  // The sink's first error (the stream is broken from there on), or OK.
  absl::Status sink_status() const;

 private:
  friend class XbstreamFile;
  // Hands `header` and then `payload` to the sink as one chunk.
  absl::Status Emit(ByteSpan header, ByteSpan payload = {});
  void OnDone(const std::string& path, const absl::Status& status);

  const XbstreamSink sink_;
  const size_t chunk_size_;
  mutable absl::Mutex mu_;
  absl::Status sink_status_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_written_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> open_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> written_ ABSL_GUARDED_BY(mu_);
  absl::Status first_failure_ ABSL_GUARDED_BY(mu_);
};

// ---- Reading.

// One chunk as read.
struct XbstreamChunk {
  XbstreamChunkType type = XbstreamChunkType::kPayload;
  uint8_t flags = 0;
  std::string path;
  uint64_t offset = 0;            // P: the payload's file offset; S: the new position
  uint32_t checksum = 0;          // P: the stored CRC-32 of the payload
  std::vector<uint8_t> payload;   // P
  std::string new_path;           // R: the name `path` is renamed to
  uint64_t stream_offset = 0;     // where the chunk starts in the stream
  // True when the chunk opens its file with truncate (flags exactly REWRITE, as mbstream).
  bool rewrite() const { return flags == kXbstreamFlagRewrite; }
};

// Checks a P chunk's stored CRC-32 against its payload. Errors: DataLoss (kCorrupt)
// "xbstream 'stdin' at byte N: chunk of 'db/t.ibd' at file offset 1048576: checksum mismatch
// (stored 0x..., computed 0x...)"; `stream_name` is the source's name.
absl::Status VerifyXbstreamChecksum(const XbstreamChunk& chunk, std::string_view stream_name);

struct XbstreamReaderOptions {
  // Verify each payload's CRC-32 in Next. Off when the caller verifies (in parallel) with
  // VerifyXbstreamChecksum.
  bool verify_checksums = true;
};

// Reads and validates chunks from a source. Not thread-safe. `in` must outlive the reader.
// Besides each chunk's own fields it checks the order: a file's P offsets continue from 0 or
// from its last S; R and D name files not open; at the end every file was closed by E.
// Unknown types with the IGNORABLE flag are skipped (read with the P layout, as mbstream).
// Every error is tagged (GetXbstreamErrorKind) and names the source and the byte:
//  - kCorrupt, DataLoss "xbstream 'stdin' at byte N: bad chunk magic ...", "...: unknown chunk
//    type 0x51 for 'x'", "...: path length 600 exceeds 511", "...: unsafe path '../x' ...",
//    "...: out-of-order chunk of 'x': file offset 2048, expected 1024", "...: payload length N
//    of 'x' exceeds 1073741824", "...: rename chunk for 'x', which is open", checksum mismatch;
//  - kInput, OutOfRange "truncated stream 'stdin': the chunk of 'x' at byte N ends at byte M,
//    the input at byte K", "...: the chunk of 'x' at byte N is cut off at byte K" (inside its
//    fixed fields), "...: ends at byte K inside the header of the chunk at byte N", "...: ends
//    at byte K with 2 files not closed by an end chunk: 'a', 'b'"; the source's read errors.
class XbstreamReader {
 public:
  explicit XbstreamReader(io::ByteSource& in, XbstreamReaderOptions options = {});

  // Reads the next chunk into `chunk` (its payload buffer is reused). Returns false at the
  // end of a complete stream. After an error the reader is unusable.
  absl::StatusOr<bool> Next(XbstreamChunk& chunk);

  uint64_t offset() const { return offset_; }              // bytes consumed
  uint64_t skipped_chunks() const { return skipped_; }     // ignorable chunks of unknown type
  const std::string& name() const { return in_.name(); }

 private:
  // Reads exactly out.size() bytes; returns how many before the end of the input.
  absl::StatusOr<size_t> ReadFull(MutableByteSpan out);
  absl::Status Need(MutableByteSpan out, uint64_t chunk_start, const std::string& path,
                    uint64_t chunk_end);
  absl::StatusOr<bool> ReadHeader(XbstreamChunk& chunk);
  absl::Status ReadBody(XbstreamChunk& chunk, uint8_t type);
  absl::Status ReadPayload(XbstreamChunk& chunk);
  absl::Status CheckOrder(const XbstreamChunk& chunk);
  absl::Status EndOfInput();
  absl::Status Corrupt(uint64_t at, std::string_view what) const;

  io::ByteSource& in_;
  const XbstreamReaderOptions options_;
  std::vector<uint8_t> buffer_;
  size_t buffer_pos_ = 0;
  size_t buffer_end_ = 0;
  uint64_t offset_ = 0;
  uint64_t skipped_ = 0;
  bool failed_ = false;
  absl::flat_hash_map<std::string, uint64_t> open_;  // path -> next payload offset
};

}  // namespace tidemark::engine
