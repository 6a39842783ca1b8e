// Sequential sources and the fd writer (see byte_stream.h).
#include "io/byte_stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "io/errno_status.h"

namespace tidemark::io {
namespace {

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  absl::StatusOr<size_t> Read(MutableByteSpan buf) override {
    for (;;) {
      const ssize_t n = ::read(fd_, buf.data(), buf.size());
      if (n >= 0) {
        offset_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) return ErrnoStatusAt(errno, "read", name_, offset_);
    }
  }

 private:
  int fd_;
  std::string name_;
  uint64_t offset_ = 0;
};

class FileSource final : public ByteSource {
 public:
  explicit FileSource(std::unique_ptr<RandomAccessFile> file) : file_(std::move(file)) {}
  const std::string& name() const override { return file_->path(); }
  absl::StatusOr<size_t> Read(MutableByteSpan buf) override {
    absl::StatusOr<size_t> n = file_->ReadAt(offset_, buf);
    if (n.ok()) offset_ += *n;
    return n;
  }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t offset_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(ByteSpan data, std::string name, size_t max_read)
      : data_(data), name_(std::move(name)), max_read_(std::max<size_t>(max_read, 1)) {}
  const std::string& name() const override { return name_; }
  absl::StatusOr<size_t> Read(MutableByteSpan buf) override {
    const size_t n = std::min({buf.size(), data_.size() - offset_, max_read_});
    if (n > 0) std::memcpy(buf.data(), data_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  ByteSpan data_;
  std::string name_;
  size_t max_read_;
  size_t offset_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> NewFdSource(int fd, std::string name) {
  return std::make_unique<FdSource>(fd, std::move(name));
}

std::unique_ptr<ByteSource> NewFileSource(std::unique_ptr<RandomAccessFile> file) {
  return std::make_unique<FileSource>(std::move(file));
}

std::unique_ptr<ByteSource> NewMemorySource(ByteSpan data, std::string name, size_t max_read) {
  return std::make_unique<MemorySource>(data, std::move(name), max_read);
}

absl::Status WriteAllToFd(int fd, std::string_view name, ByteSpan data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", name);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace tidemark::io
