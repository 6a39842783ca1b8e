// MemFileSystem: an in-memory io::FileSystem for unit tests. Files are byte vectors, directories
// are real (a file needs its parent), and every error has the code and message the POSIX
// backend would produce, so tests of callers can assert exact statuses without a disk.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "io/file_system.h"

namespace tidemark::testing {

// A file's or directory's state (defined in the .cc). Shared by the namespace and by open
// files, so that an open file keeps its bytes after its name is removed, as on POSIX.
struct MemNode;

// Thread-safe. Paths are normalised ("a//b/" is "a/b", "./a" is "a"); "/" and "." always
// exist. Relative and absolute paths are separate trees. No symlinks. Open files keep their
// data after RemoveFile, as on POSIX; files may outlive the file system. ReadOptions are
// accepted and ignored (is_direct() is false).
class MemFileSystem final : public io::FileSystem {
 public:
  MemFileSystem();

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

 private:
  // The node at a normalised path, or null.
  std::shared_ptr<MemNode> Find(const std::string& path) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool HasChildren(const std::string& dir) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // OK when the parent of `path` is an existing directory, else ENOENT/ENOTDIR for `op`.
  absl::Status CheckParent(const std::string& path, std::string_view op,
                           std::string_view shown) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void MoveTree(const std::string& from, const std::string& to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<MemNode>> nodes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tidemark::testing
