// Tests of the sequential byte sources and the fd writer (io/byte_stream.h): a pipe read to
// its end, a file read in order, a memory source with short reads, and write/read errors.
#include "io/byte_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::PatternBytes;

// Reads `src` to its end in reads of up to `step` bytes.
absl::StatusOr<std::string> ReadAll(ByteSource& src, size_t step = 4096) {
  std::string out, buf(step, '\0');
  for (;;) {
    absl::StatusOr<size_t> n = src.Read(testing::AsMutableBytes(buf));
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf, 0, *n);
  }
}

TEST(ByteStreamTest, PipeThroughFdSinkAndSource) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string data = PatternBytes(300000);  // more than a pipe buffer
  std::thread writer([&] {
    EXPECT_TRUE(WriteAllToFd(fds[1], "pipe", AsBytes(data)).ok());
    close(fds[1]);
  });
  auto src = NewFdSource(fds[0], "stdin");
  EXPECT_EQ(src->name(), "stdin");
  absl::StatusOr<std::string> got = ReadAll(*src);
  writer.join();
  close(fds[0]);
  TM_ASSERT_OK(got.status());
  EXPECT_EQ(*got, data);
}

TEST(ByteStreamTest, FileSourceReadsInOrder) {
  testing::MemFileSystem fs;
  const std::string data = PatternBytes(10000, 3);
  TM_ASSERT_OK(WriteStringToFile(fs, "s.xb", data));
  TM_ASSERT_OK_AND_ASSIGN(auto file, fs.OpenForRead("s.xb"));
  auto src = NewFileSource(std::move(file));
  EXPECT_EQ(src->name(), "s.xb");
  TM_ASSERT_OK_AND_ASSIGN(std::string got, ReadAll(*src, 777));
  EXPECT_EQ(got, data);
}

TEST(ByteStreamTest, MemorySourceHonoursMaxRead) {
  const std::string data = "abcdefghij";
  auto src = NewMemorySource(AsBytes(data), "m", 3);
  std::string buf(8, '\0');
  TM_ASSERT_OK_AND_ASSIGN(size_t n, src->Read(testing::AsMutableBytes(buf)));
  EXPECT_EQ(n, 3u);
  TM_ASSERT_OK_AND_ASSIGN(std::string rest, ReadAll(*src));
  EXPECT_EQ(rest, "defghij");
}

TEST(ByteStreamTest, ErrorsNameTheStream) {
  auto src = NewFdSource(-1, "stdin");
  std::string buf(8, '\0');
  EXPECT_EQ(src->Read(testing::AsMutableBytes(buf)).status().message(),
            "read 'stdin' at 0: Bad file descriptor");
  EXPECT_EQ(WriteAllToFd(-1, "stdout", AsBytes("x")).message(),
            "write 'stdout': Bad file descriptor");
}

}  // namespace
}  // namespace tidemark::io
