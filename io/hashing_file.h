// The hashing stage: XXH3-128 and the byte count of a stream of bytes, computed while a backup
// file is written (HashingWritableFile, a WritableFile wrapper) or afterwards from a file on
// disk (HashFile, for verify). Both give the same ContentHash for the same bytes; the digest is
// printed as `xxhsum -H2` prints it, so a user can check one file by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/file_system.h"

struct XXH3_state_s;

namespace tidemark::io {

// The size and XXH3-128 digest (seed 0) of a file's contents.
struct ContentHash {
  uint64_t size = 0;
  // 32 lowercase hex digits, the canonical (big-endian) form: high 64 bits first.
  std::string xxh3_128;

  bool operator==(const ContentHash&) const = default;
};

// True when `hex` has the form of ContentHash::xxh3_128 (32 lowercase hex digits).
bool IsXxh3Hex(std::string_view hex);

// Incremental XXH3-128 over a byte stream: the stage that observes bytes. Not thread-safe.
class Xxh3Hasher {
 public:
  Xxh3Hasher();
  ~Xxh3Hasher();
  Xxh3Hasher(const Xxh3Hasher&) = delete;
  Xxh3Hasher& operator=(const Xxh3Hasher&) = delete;

  void Update(ByteSpan data);
  // The hash of everything passed to Update so far; Update may continue afterwards.
  ContentHash Result() const;

 private:
  struct StateDeleter {
    void operator()(XXH3_state_s* state) const;
  };
  std::unique_ptr<XXH3_state_s, StateDeleter> state_;
  uint64_t size_ = 0;
};

// The hash of an in-memory buffer.
ContentHash HashBytes(ByteSpan data);

// A WritableFile that forwards every call to `inner` and hashes the bytes written.
//
// Sequential only (the backup copier writes every file front to back): Append, and WriteAt at
// exactly the current end (the bytes written so far, starting from 0: `inner` must be new or
// truncated), are hashed. Any other WriteAt is refused with InvalidArgument
// "write '<path>' at <offset>: a hashing file is written sequentially (next offset <end>)"
// before anything reaches `inner`. Bytes are hashed only after `inner` accepted them.
//
// `on_done`, when given, is called exactly once: from Close with its outcome (the hash, or the
// error of Sync/Close, or of an earlier failed write), or from the destructor with
// FailedPrecondition "'<path>' was not closed" when Close was never called. It runs on the
// thread that closes or destroys the file and must not call back into this file.
// Not thread-safe (like every WritableFile).
class HashingWritableFile final : public WritableFile {
 public:
  using DoneCallback = std::function<void(const absl::StatusOr<ContentHash>&)>;

  // `sync_on_close`: Close first calls inner->Sync(), so a closed file is durable.
  explicit HashingWritableFile(std::unique_ptr<WritableFile> inner, DoneCallback on_done = {},
                               bool sync_on_close = false);
  ~HashingWritableFile() override;

  const std::string& path() const override { return inner_->path(); }
  absl::Status Append(ByteSpan data) override;
  absl::Status WriteAt(uint64_t offset, ByteSpan data) override;
  // Refused (a hashing file is written sequentially) unless it is already closed.
  absl::Status Truncate(uint64_t size) override;
  absl::Status Sync() override;
  // Syncs (when asked to), closes `inner` and fixes the hash. Once a write failed, Close still
  // closes `inner` but returns that first write error, since the file's contents are unknown.
  absl::Status Close() override;

  // After a successful Close: the size and digest of everything written. Otherwise
  // FailedPrecondition "hash of '<path>' is not known: the file was not closed successfully".
  absl::StatusOr<ContentHash> Finish() const;
  // Bytes written so far.
  uint64_t bytes_written() const { return size_; }

 private:
  absl::Status Record(const absl::Status& write_status, ByteSpan data);

  std::unique_ptr<WritableFile> inner_;
  DoneCallback on_done_;
  bool sync_on_close_;
  Xxh3Hasher hasher_;
  uint64_t size_ = 0;
  absl::Status first_error_;
  bool closed_ = false;
  std::optional<ContentHash> result_;
};

struct HashFileOptions {
  size_t chunk_size = size_t{1} << 20;  // bytes per read
  size_t depth = 4;                     // reads in flight
  ReadOptions read;                     // e.g. drop_cache for a large verify
};

// Reads the whole file at `path` through `fs` (FileScanner: large chunks, several in flight)
// and returns its size and digest. The size is taken at open; a file that shrinks meanwhile
// fails. Errors: the file system's, which name the file, e.g. NotFound
// "open 'b/t.ibd': No such file or directory" or DataLoss
// "read 'b/t.ibd' at 1048576: Input/output error"; the scanner's InvalidArgument for bad options.
absl::StatusOr<ContentHash> HashFile(FileSystem& fs, std::string_view path,
                                     const HashFileOptions& options = {});

}  // namespace tidemark::io
