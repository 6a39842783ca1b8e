// FaultInjectionFileSystem: wraps any io::FileSystem and injects the faults a backup must
// survive (STYLE.md "I/O and testability"): failed operations, partial transfers, a full disk,
// a torn page, a page changing between reads, files vanishing or shrinking between listing
// and opening. Errors carry the same codes and messages as the POSIX backend's.
#pragma once

#include <cerrno>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "io/file_system.h"

namespace tidemark::testing {

// The operations faults can target. The message names each as the POSIX backend does.
enum class FsOp {
  kOpenRead,   // "open"
  kOpenWrite,  // "open"
  kRead,       // "read ... at <offset>"
  kWrite,      // "write ... at <offset>" (Append and WriteAt)
  kSync,       // "sync"
  kClose,      // "close"
  kStat,       // "stat"
  kList,       // "list"
  kMkdir,      // "mkdir"
  kRemove,     // "remove"
  kRmdir,      // "rmdir"
  kRename,     // "rename '<from>' to '<to>'"
  kSyncDir,    // "sync"
};

// Thread-safe. `base` is not owned and must outlive this object and every file it opens;
// files opened here refer back to this object, which must outlive them too.
// Reads go through RandomAccessFile::ReadAt one by one (ReadBatch and NewAsyncReader use the
// synchronous defaults), so every read sees the faults, including reads by a FileScanner.
// Short transfers that POSIX permits (and EINTR/EAGAIN on a single call) are retried below
// the FileSystem interface, so they are injected with io::PosixSyscalls instead; here a
// transient error is FailNth(op, n, EAGAIN) (Unavailable once, then success), a short read is
// a file ending early, and a short write is a partial write followed by an error.
class FaultInjectionFileSystem final : public io::FileSystem {
 public:
  explicit FaultInjectionFileSystem(io::FileSystem& base) : base_(base) {}

  // Fails the n-th (1-based) operation of kind `op` counted from construction or Reset(),
  // across all paths, with `err` mapped by io::ErrnoStatus. Once.
  void FailNth(FsOp op, int n, int err);
  // Fails every operation of kind `op` on a path matching the fnmatch(3) glob `pattern`
  // ('*' also matches '/') with `err`, until Reset().
  void FailPath(FsOp op, std::string pattern, int err);
  // Reads of matching paths return at most `max_bytes` bytes, though more are there.
  void ShortReads(std::string pattern, size_t max_bytes);
  // The disk fills after `budget` more bytes (across all files): the write that crosses it
  // stores the bytes that fit, then fails with `err` (default ENOSPC -> ResourceExhausted).
  void FailWritesAfter(uint64_t budget, int err = ENOSPC);
  // The first read of a matching path that overlaps [offset, offset + old_page.size()) sees
  // the page torn: its first half as the file holds it, its second half from `old_page`.
  // Later reads see the file as it is. Once.
  void TearPageOnce(std::string pattern, uint64_t offset, std::vector<uint8_t> old_page);
  // After the first read of a matching path overlapping [offset, offset + bytes.size()),
  // writes `bytes` there in the base file system, so the next read sees the region changed.
  void ChangeAfterRead(std::string pattern, uint64_t offset, std::vector<uint8_t> bytes);
  // The next OpenForRead of a matching path first removes the file from the base (a table
  // dropped between ListDir and open): the open fails with the base's NotFound. Once.
  void RemoveBeforeOpen(std::string pattern);
  // The next OpenForRead of a matching path first truncates the file to `size` bytes in the
  // base (it shrank after it was listed). Once.
  void TruncateBeforeOpen(std::string pattern, uint64_t size);
  // Removes every fault and zeroes the counters.
  void Reset();
  // Operations of kind `op` seen since construction or Reset().
  int count(FsOp op) const;

  absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> OpenForRead(
      std::string_view path, const io::ReadOptions& options = {}) override;
  absl::StatusOr<std::unique_ptr<io::WritableFile>> OpenForWrite(
      std::string_view path, const io::WriteOptions& options = {}) override;
  absl::StatusOr<io::FileInfo> Stat(std::string_view path) override;
  absl::StatusOr<std::vector<io::FileInfo>> ListDir(std::string_view path) override;
  absl::Status CreateDir(std::string_view path, uint32_t mode = 0750) override;
  absl::Status RemoveFile(std::string_view path) override;
  absl::Status RemoveDir(std::string_view path) override;
  absl::Status Rename(std::string_view from, std::string_view to) override;
  absl::Status SyncDir(std::string_view path) override;
  absl::Status SyncFileSystem(std::string_view path) override;

 private:
  friend class FaultInjectionReadFile;
  friend class FaultInjectionWriteFile;

  // Counts an operation and returns the injected error for it, if any. `offset` is given for
  // reads and writes, `to` for rename.
  absl::Status Check(FsOp op, std::string_view path, std::optional<uint64_t> offset = {},
                     std::string_view to = {});
  // Applies short reads, a torn page and region changes to a completed read; returns the byte
  // count the caller should see.
  size_t AfterRead(std::string_view path, uint64_t offset, MutableByteSpan buf, size_t n);
  // How many of `size` bytes may be written before the disk is full; 0 <= result <= size.
  // Sets *err when the budget runs out.
  size_t AllowWrite(size_t size, int* err);

  struct PageRule {
    std::string pattern;
    uint64_t offset;
    std::vector<uint8_t> bytes;
  };

  struct PathFault {
    FsOp op;
    std::string pattern;
    int err;
  };

  void ApplyTear(std::string_view path, uint64_t offset, MutableByteSpan buf, size_t n)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<PageRule> TakeChange(std::string_view path, uint64_t offset, size_t n)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PrepareOpen(std::string_view path);

  io::FileSystem& base_;
  mutable absl::Mutex mu_;
  std::map<FsOp, int> counts_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<FsOp, int>, int> nth_ ABSL_GUARDED_BY(mu_);  // (op, n) -> errno
  std::vector<PathFault> path_faults_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, size_t>> short_reads_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> write_budget_ ABSL_GUARDED_BY(mu_);
  int write_budget_err_ ABSL_GUARDED_BY(mu_) = ENOSPC;
  std::vector<PageRule> tears_ ABSL_GUARDED_BY(mu_);
  std::vector<PageRule> changes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> remove_before_open_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, uint64_t>> truncate_before_open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tidemark::testing
