// POSIX files: pread/pwrite loops and the io_uring hand-off. The loops retry what POSIX allows
// to happen to a healthy file (EINTR, EAGAIN, short transfers) and map everything else through
// ErrnoStatusAt, so a message names the file and the offset of the failed call.
#include "io/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/aligned_buffer.h"
#include "io/errno_status.h"
#include "io/unique_fd.h"
#include "io/uring_reader.h"

namespace tidemark::io {
namespace {

// Reads until `buf` is full or the file ends. A direct read that stops off the alignment grid
// has reached the end of the file (and the rest could not be read with O_DIRECT anyway).
absl::StatusOr<size_t> FullPread(const PosixSyscalls& sys, int fd, std::string_view path,
                                 uint64_t offset, MutableByteSpan buf, bool direct) {
  size_t done = 0;
  for (int again = 0; done < buf.size();) {
    ssize_t n =
        sys.pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
    if (n == 0) break;
    if (n > 0) {
      done += static_cast<size_t>(n);
      if (direct && !IsAligned(done, kDirectIoAlignment)) break;
      continue;
    }
    int err = errno;
    if (err == EINTR || (err == EAGAIN && ++again <= kMaxAgainRetries)) continue;
    return ErrnoStatusAt(err, "read", path, offset + done);
  }
  return done;
}

// Writes all of `data` at `offset`.
absl::Status FullPwrite(const PosixSyscalls& sys, int fd, std::string_view path, uint64_t offset,
                        ByteSpan data) {
  size_t done = 0;
  for (int again = 0; done < data.size();) {
    ssize_t n =
        sys.pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {  // POSIX allows it for a non-empty write only in theory; never loop on it
      return absl::InternalError(absl::StrFormat(
          "write '%s' at %d: no progress (pwrite returned 0)", path, offset + done));
    }
    int err = errno;
    if (err == EINTR || (err == EAGAIN && ++again <= kMaxAgainRetries)) continue;
    return ErrnoStatusAt(err, "write", path, offset + done);
  }
  return absl::OkStatus();
}

absl::StatusOr<struct stat> Fstat(int fd, std::string_view path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "stat", path);
  return st;
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::shared_ptr<const PosixOptions> options, std::string path, UniqueFd fd,
                        bool direct, bool drop_cache)
      : options_(std::move(options)),
        path_(std::move(path)),
        fd_(std::move(fd)),
        direct_(direct),
        drop_cache_(drop_cache && !direct) {}

  const std::string& path() const override { return path_; }
  bool is_direct() const override { return direct_; }

  absl::StatusOr<uint64_t> Size() const override {
    TM_ASSIGN_OR_RETURN(struct stat st, Fstat(fd_.get(), path_));
    return static_cast<uint64_t>(st.st_size);
  }

  absl::StatusOr<size_t> ReadAt(uint64_t offset, MutableByteSpan buf) override {
    if (direct_) TM_RETURN_IF_ERROR(CheckDirectIoAlignment(path_, offset, buf));
    TM_ASSIGN_OR_RETURN(size_t n,
                        FullPread(options_->syscalls, fd_.get(), path_, offset, buf, direct_));
    if (drop_cache_ && n > 0) {
      // Advisory: a failure only means the pages stay cached.
      (void)options_->syscalls.fadvise(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(n),
                                       POSIX_FADV_DONTNEED);
    }
    return n;
  }

  absl::Status ReadBatch(std::span<ReadRequest> requests) override {
    if (requests.size() < 2 || !options_->use_io_uring) {
      return RandomAccessFile::ReadBatch(requests);
    }
    absl::StatusOr<std::unique_ptr<AsyncReader>> reader = NewUring(
        std::min(requests.size(), std::clamp<size_t>(options_->batch_depth, 1, kMaxAsyncDepth)));
    if (!reader.ok()) return RandomAccessFile::ReadBatch(requests);  // no ring: pread
    return RunReadBatch(**reader, requests);
  }

  absl::StatusOr<std::unique_ptr<AsyncReader>> NewAsyncReader(size_t depth) override {
    TM_RETURN_IF_ERROR(CheckAsyncDepth(path_, depth));
    if (options_->use_io_uring) {
      absl::StatusOr<std::unique_ptr<AsyncReader>> reader = NewUring(depth);
      if (reader.ok()) return reader;
    }
    // No ring (ENOSYS, seccomp's EPERM, ENOMEM...): pread gives the same bytes.
    return NewSynchronousReader(*this, depth);
  }

 private:
  absl::StatusOr<std::unique_ptr<AsyncReader>> NewUring(size_t depth) {
    return NewUringReader({fd_.get(), path_, depth, direct_, drop_cache_}, options_->syscalls);
  }

  const std::shared_ptr<const PosixOptions> options_;
  const std::string path_;
  const UniqueFd fd_;
  const bool direct_;
  const bool drop_cache_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::shared_ptr<const PosixOptions> options, std::string path, UniqueFd fd,
                    uint64_t end, uint64_t write_behind)
      : options_(std::move(options)),
        path_(std::move(path)),
        fd_(std::move(fd)),
        end_(end),
        write_behind_(write_behind),
        started_(end),
        dropped_(end) {}

  const std::string& path() const override { return path_; }

  absl::Status Append(ByteSpan data) override {
    TM_RETURN_IF_ERROR(WriteAt(end_, data));
    return write_behind_ > 0 && end_ - started_ >= write_behind_ ? WriteBehind()
                                                                   : absl::OkStatus();
  }

  absl::Status WriteAt(uint64_t offset, ByteSpan data) override {
    TM_RETURN_IF_ERROR(CheckOpen("write"));
    TM_RETURN_IF_ERROR(FullPwrite(options_->syscalls, fd_.get(), path_, offset, data));
    end_ = std::max(end_, offset + data.size());
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    TM_RETURN_IF_ERROR(CheckOpen("truncate"));
    while (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return ErrnoStatus(errno, "truncate", path_);
    }
    end_ = size;
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    TM_RETURN_IF_ERROR(CheckOpen("sync"));
    while (::fdatasync(fd_.get()) != 0) {
      if (errno != EINTR) return ErrnoStatus(errno, "sync", path_);
    }
    return absl::OkStatus();
  }

  absl::Status Close() override {
    TM_RETURN_IF_ERROR(CheckOpen("close"));
    // Linux releases the descriptor even when close() fails, so it is never retried.
    if (::close(fd_.Release()) != 0) return ErrnoStatus(errno, "close", path_);
    return absl::OkStatus();
  }

 private:
  absl::Status CheckOpen(std::string_view op) const {
    if (fd_.valid()) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrFormat("%s '%s': file is closed", op, path_));
  }

  // Starts writeback of [started_, end_); then waits for [dropped_, started_) — the window
  // started last time, by now mostly written — and drops it from the page cache.
  absl::Status WriteBehind() {
    const PosixSyscalls& sys = options_->syscalls;
    if (sys.sync_file_range(fd_.get(), started_, end_ - started_, SYNC_FILE_RANGE_WRITE) != 0) {
      return ErrnoStatus(errno, "write", path_);
    }
    if (started_ > dropped_) {
      constexpr unsigned kWait =
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
      if (sys.sync_file_range(fd_.get(), dropped_, started_ - dropped_, kWait) != 0) {
        return ErrnoStatus(errno, "write", path_);
      }
      // Advice only: a failure changes nothing about the data.
      sys.fadvise(fd_.get(), dropped_, started_ - dropped_, POSIX_FADV_DONTNEED);
      dropped_ = started_;
    }
    started_ = end_;
    return absl::OkStatus();
  }

  const std::shared_ptr<const PosixOptions> options_;
  const std::string path_;
  UniqueFd fd_;
  uint64_t end_;  // where Append writes
  const uint64_t write_behind_;
  uint64_t started_;  // writeback started for [.., started_)
  uint64_t dropped_;  // on disk and out of the page cache: [.., dropped_)
};

// Opens with O_DIRECT when asked, and again without it when the file system refuses (EINVAL).
absl::StatusOr<UniqueFd> OpenRead(const PosixSyscalls& sys, const std::string& path, bool& direct) {
  int flags = O_RDONLY | O_CLOEXEC;
  int fd = sys.open(path.c_str(), flags | (direct ? O_DIRECT : 0), 0);
  if (fd < 0 && direct && errno == EINVAL) {
    direct = false;
    fd = sys.open(path.c_str(), flags, 0);
  }
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  return UniqueFd(fd);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenPosixFileForRead(
    std::shared_ptr<const PosixOptions> options, std::string_view path,
    const ReadOptions& read_options) {
  std::string p(path);
  bool direct = read_options.direct_io;
  TM_ASSIGN_OR_RETURN(UniqueFd fd, OpenRead(options->syscalls, p, direct));
  TM_ASSIGN_OR_RETURN(struct stat st, Fstat(fd.get(), p));
  if (S_ISDIR(st.st_mode)) return ErrnoStatus(EISDIR, "open", p);
  return std::make_unique<PosixRandomAccessFile>(std::move(options), std::move(p), std::move(fd),
                                                 direct, read_options.drop_cache);
}

absl::StatusOr<std::unique_ptr<WritableFile>> OpenPosixFileForWrite(
    std::shared_ptr<const PosixOptions> options, std::string_view path,
    const WriteOptions& write_options) {
  std::string p(path);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (write_options.exclusive ? O_EXCL : 0) |
              (write_options.truncate ? O_TRUNC : 0);
  int raw = options->syscalls.open(p.c_str(), flags, static_cast<mode_t>(write_options.mode));
  if (raw < 0) return ErrnoStatus(errno, "open", p);
  UniqueFd fd(raw);
  TM_ASSIGN_OR_RETURN(struct stat st, Fstat(fd.get(), p));
  return std::make_unique<PosixWritableFile>(std::move(options), std::move(p), std::move(fd),
                                             static_cast<uint64_t>(st.st_size),
                                             write_options.write_behind_bytes);
}

}  // namespace tidemark::io
