// TempDir: a fresh directory per test under $TMPDIR (or /tmp), removed with its contents when
// the test ends, for tests that need a real file system (the POSIX backend, io_uring).
#pragma once

#include <string>
#include <string_view>

namespace tidemark::testing {

// Creates "<$TMPDIR or /tmp>/tidemark-<test name>-XXXXXX" on construction (a gtest failure is
// recorded, and path() is empty, if it cannot) and removes it recursively on destruction.
// Not copyable or movable.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Join(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace tidemark::testing
