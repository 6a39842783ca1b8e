// UniqueFd: owns a POSIX file descriptor and closes it on destruction (STYLE.md: every C
// handle gets a small RAII type). Release() hands the descriptor to a caller that closes it
// itself and wants to see close()'s error.
#pragma once

#include <unistd.h>

#include <utility>

namespace tidemark::io {

// Movable, not copyable; not thread-safe. -1 means "no descriptor".
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership and returns the descriptor.
  int Release() { return std::exchange(fd_, -1); }
  // Closes the owned descriptor (ignoring close()'s result) and takes `fd`.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace tidemark::io
