// The POSIX FileSystem: namespace operations (stat, readdir, mkdir, unlink, rename) here, file
// I/O in posix_file.cc. Every failure is the errno mapped by ErrnoStatus, naming the path.
#include "io/posix_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "innodb/base/status.h"
#include "io/errno_status.h"
#include "io/posix_file.h"
#include "io/unique_fd.h"

namespace tidemark::io {
namespace {

struct CloseDir {
  void operator()(DIR* d) const { ::closedir(d); }
};
using UniqueDir = std::unique_ptr<DIR, CloseDir>;

// The last component of `path` ("t.ibd" for "db/t.ibd/").
std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos || path.size() == 1 ? path
                                                                         : path.substr(slash + 1));
}

FileInfo InfoFromStat(std::string name, const struct stat& st) {
  FileType type = S_ISREG(st.st_mode)   ? FileType::kRegular
                  : S_ISDIR(st.st_mode) ? FileType::kDirectory
                  : S_ISLNK(st.st_mode) ? FileType::kSymlink
                                        : FileType::kOther;
  return FileInfo{std::move(name), type, static_cast<uint64_t>(st.st_size),
                  static_cast<uint32_t>(st.st_mode & 07777)};
}

// Reads every entry of an open directory, skipping "." and ".." and entries that vanish
// between readdir and fstatat (a live server dropping a table).
absl::StatusOr<std::vector<FileInfo>> ReadEntries(DIR* dir, std::string_view path) {
  std::vector<FileInfo> entries;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(dir);
    if (e == nullptr) {
      if (errno != 0) return ErrnoStatus(errno, "list", path);
      return entries;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoStatus(errno, "stat", std::string(path) + "/" + std::string(name));
    }
    entries.push_back(InfoFromStat(std::string(name), st));
  }
}

class PosixFileSystem final : public FileSystem {
 public:
  explicit PosixFileSystem(PosixOptions options)
      : options_(std::make_shared<const PosixOptions>(std::move(options))) {}

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(
      std::string_view path, const ReadOptions& options) override {
    return OpenPosixFileForRead(options_, path, options);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(std::string_view path,
                                                             const WriteOptions& options) override {
    return OpenPosixFileForWrite(options_, path, options);
  }

  absl::StatusOr<FileInfo> Stat(std::string_view path) override {
    std::string p(path);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return ErrnoStatus(errno, "stat", p);
    return InfoFromStat(BaseName(p), st);
  }

  absl::StatusOr<std::vector<FileInfo>> ListDir(std::string_view path) override {
    std::string p(path);
    UniqueDir dir(::opendir(p.c_str()));
    if (dir == nullptr) return ErrnoStatus(errno, "list", p);
    TM_ASSIGN_OR_RETURN(std::vector<FileInfo> entries, ReadEntries(dir.get(), p));
    std::sort(entries.begin(), entries.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return entries;
  }

  absl::Status CreateDir(std::string_view path, uint32_t mode) override {
    std::string p(path);
    if (::mkdir(p.c_str(), static_cast<mode_t>(mode)) != 0) {
      return ErrnoStatus(errno, "mkdir", p);
    }
    return absl::OkStatus();
  }

  absl::Status RemoveFile(std::string_view path) override {
    std::string p(path);
    if (::unlink(p.c_str()) != 0) return ErrnoStatus(errno, "remove", p);
    return absl::OkStatus();
  }

  absl::Status RemoveDir(std::string_view path) override {
    std::string p(path);
    if (::rmdir(p.c_str()) != 0) return ErrnoStatus(errno, "rmdir", p);
    return absl::OkStatus();
  }

  absl::Status Rename(std::string_view from, std::string_view to) override {
    std::string f(from), t(to);
    if (::rename(f.c_str(), t.c_str()) != 0) return ErrnoStatusFromTo(errno, "rename", f, t);
    return absl::OkStatus();
  }

  absl::Status SyncFileSystem(std::string_view path) override {
    std::string p(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus(errno, "sync", p);
    if (::syncfs(fd.get()) != 0) return ErrnoStatus(errno, "sync", p);
    return absl::OkStatus();
  }

  absl::Status SyncDir(std::string_view path) override {
    std::string p(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus(errno, "sync", p);
    while (::fsync(fd.get()) != 0) {
      if (errno != EINTR) return ErrnoStatus(errno, "sync", p);
    }
    return absl::OkStatus();
  }

 private:
  // Shared with every file opened, which may outlive the file system.
  const std::shared_ptr<const PosixOptions> options_;
};

}  // namespace

std::unique_ptr<FileSystem> NewPosixFileSystem(PosixOptions options) {
  return std::make_unique<PosixFileSystem>(std::move(options));
}

}  // namespace tidemark::io
