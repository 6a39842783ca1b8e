// The FileSystem interface through which all of tidemark's file I/O goes (STYLE.md "I/O and
// testability"): the POSIX backend in production, MemFileSystem and FaultInjectionFileSystem
// in tests. Paths are plain strings with '/' separators, passed through unchanged.
// Every error names the operation and the path: `read 'db/t.ibd' at 16384: Input/output error`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/async_reader.h"

namespace tidemark::io {

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

struct FileInfo {
  std::string name;  // last path component (ListDir: the entry name)
  FileType type = FileType::kOther;
  uint64_t size = 0;  // bytes; for a symlink, the length of its target string
  uint32_t mode = 0;  // permission bits (07777)
};

struct ReadOptions {
  // Try O_DIRECT; when the file system refuses it (EINVAL) open buffered instead, silently.
  // RandomAccessFile::is_direct() tells which one happened.
  bool direct_io = false;
  // After each read, advise the kernel to drop the pages just read (POSIX_FADV_DONTNEED), so a
  // scan of a live datadir does not evict the server's page cache. Ignored when direct.
  bool drop_cache = false;
};

struct WriteOptions {
  uint32_t mode = 0640;    // permission bits for a newly created file (umask applies)
  bool exclusive = false;  // fail with AlreadyExists when the file exists
  bool truncate = true;    // discard existing contents; otherwise Append continues at the end
  // Write-behind for sequential writers (0: off): every this many appended bytes the file
  // system starts writing them out, and drops the window before from the page cache once it
  // is on disk. A backup then neither floods the page cache (evicting what the server reads)
  // nor leaves gigabytes of dirty pages for its final sync. Backends may ignore it.
  uint64_t write_behind_bytes = 0;
};

// One read of a batch: `buffer.size()` bytes at `offset`. ReadBatch fills in the rest.
struct ReadRequest {
  uint64_t offset = 0;
  MutableByteSpan buffer;
  size_t bytes_read = 0;  // out: == buffer.size() unless the file ended first
  absl::Status status;    // out: this request's outcome
};

// A file opened for positioned reads. ReadAt and ReadBatch may be called concurrently from
// several threads; NewAsyncReader hands out readers each owned by one thread.
// When is_direct(), every buffer address, offset and length passed in must be a multiple of
// kDirectIoAlignment (io/aligned_buffer.h); ReadAt returns InvalidArgument otherwise.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  // The path the file was opened with.
  virtual const std::string& path() const = 0;
  // True when reads bypass the page cache (O_DIRECT), which imposes the alignment rules.
  virtual bool is_direct() const { return false; }
  // The file's current size. It can change under a live server.
  virtual absl::StatusOr<uint64_t> Size() const = 0;

  // Reads buf.size() bytes at `offset` into `buf` and returns how many were read: all of
  // them, or fewer only when the file ends first (0 at or past the end). Interrupted, retryable
  // (EAGAIN, bounded) and short transfers are retried. Errors: the errno mapped by
  // ErrnoStatusAt, e.g. DataLoss "read 'db/t.ibd' at 16384: Input/output error".
  virtual absl::StatusOr<size_t> ReadAt(uint64_t offset, MutableByteSpan buf) = 0;

  // Reads every request (in any order, possibly concurrently) and fills in its bytes_read and
  // status. Returns OK when all succeeded, else the first failed request's status in array
  // order. The default loops over ReadAt; the POSIX file uses io_uring.
  virtual absl::Status ReadBatch(std::span<ReadRequest> requests);

  // Returns a reader with up to `depth` (>= 1) reads in flight on this file, which must
  // outlive it. The default is NewSynchronousReader(*this, depth); the POSIX file returns an
  // io_uring reader, or the synchronous one when no ring can be created.
  virtual absl::StatusOr<std::unique_ptr<AsyncReader>> NewAsyncReader(size_t depth);
};

// A file opened for writing. Not thread-safe. Short writes are retried; a full disk is
// ResourceExhausted "write 'backup/t.ibd' at 1048576: No space left on device".
// The destructor closes the file if Close() was not called, dropping any error: call Close()
// to learn whether the data reached the file.
class WritableFile {
 public:
  virtual ~WritableFile() = default;

  virtual const std::string& path() const = 0;
  // Writes `data` at the end: the file's size at open (0 when truncated) advanced by every
  // Append and by any WriteAt that extends past it.
  virtual absl::Status Append(ByteSpan data) = 0;
  // Writes `data` at `offset`, extending the file (with a hole) when past its end.
  virtual absl::Status WriteAt(uint64_t offset, ByteSpan data) = 0;
  // Sets the file's size to `size`: cuts it, or extends it with a hole (reads as zeros).
  // Appends continue at the new end.
  virtual absl::Status Truncate(uint64_t size) = 0;
  // Makes the written data durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Closes the file. Later calls to any method return FailedPrecondition.
  virtual absl::Status Close() = 0;
};

// Creates, reads and lists files and directories. Implementations are thread-safe.
// Files returned may outlive the FileSystem that opened them.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens an existing regular file for reading. Errors: NotFound when it does not exist,
  // PermissionDenied, InvalidArgument "open 'x': Is a directory" for a directory.
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(
      std::string_view path, const ReadOptions& options = {}) = 0;
  // Opens `path` for writing, creating it with options.mode when absent. Errors: NotFound when
  // the parent directory does not exist; AlreadyExists when exclusive and it exists.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      std::string_view path, const WriteOptions& options = {}) = 0;

  // Describes `path`, following symlinks. Errors: NotFound.
  virtual absl::StatusOr<FileInfo> Stat(std::string_view path) = 0;
  // Lists a directory's entries sorted by name, without "." and "..", describing each entry
  // itself (a symlink is kSymlink, not followed). Entries removed while listing are omitted.
  // Errors: NotFound when `path` does not exist or is not a directory.
  virtual absl::StatusOr<std::vector<FileInfo>> ListDir(std::string_view path) = 0;

  // Creates one directory. Errors: AlreadyExists when `path` exists, NotFound when its parent
  // does not.
  virtual absl::Status CreateDir(std::string_view path, uint32_t mode = 0750) = 0;
  // Removes a file (or symlink). Errors: NotFound.
  virtual absl::Status RemoveFile(std::string_view path) = 0;
  // Removes an empty directory. Errors: NotFound; FailedPrecondition when not empty.
  virtual absl::Status RemoveDir(std::string_view path) = 0;
  // Atomically renames `from` to `to`, replacing a file at `to`. Errors: NotFound.
  virtual absl::Status Rename(std::string_view from, std::string_view to) = 0;
  // Makes a directory's entries durable (fsync on the directory), after creating or renaming
  // files in it. A no-op where nothing is durable.
  virtual absl::Status SyncDir(std::string_view path) = 0;
  // Makes every file written on the file system that holds `path` durable at once (syncfs(2)
  // on POSIX): cheaper than an fdatasync per file while they are being written. The default
  // is a no-op, for file systems where nothing is durable.
  virtual absl::Status SyncFileSystem(std::string_view path);
};

// "dir/name", with exactly one '/' between; `name` alone when dir is "" or ".".
std::string JoinPath(std::string_view dir, std::string_view name);
// The directory part of a relative path, "" for a bare name: "db/t.ibd" -> "db", "t" -> "".
std::string ParentDir(std::string_view path);
// The last component: "db/t.ibd" -> "t.ibd".
std::string_view BaseName(std::string_view path);

// The type of ListDir entry `entry` found at `path`, with a symlink resolved through Stat
// (kOther when its target is gone).
FileType FollowedType(FileSystem& fs, std::string_view path, const FileInfo& entry);

// Creates `path` and any missing parents; OK when it already exists as a directory.
absl::Status CreateDirs(FileSystem& fs, std::string_view path, uint32_t mode = 0750);

// Reads a whole (small) file into a string.
absl::StatusOr<std::string> ReadFileToString(FileSystem& fs, std::string_view path);

// Writes `contents` to `path` (created or truncated), syncs and closes it.
absl::Status WriteStringToFile(FileSystem& fs, std::string_view path, std::string_view contents,
                               const WriteOptions& options = {});

}  // namespace tidemark::io
