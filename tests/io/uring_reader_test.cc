// Tests of the io_uring reader on real temporary files. Faults the kernel does not produce on
// demand (short transfers, -EAGAIN, -EIO) are injected through PosixSyscalls::uring_result,
// which rewrites a completion's result before the reader acts on it.
#include "io/uring_reader.h"

#include <fcntl.h>

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/aligned_buffer.h"
#include "io/file_system.h"
#include "io/posix_file_system.h"
#include "io/unique_fd.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsMutableBytes;
using ::tidemark::testing::PatternBytes;

class UringReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Join("f");
    data_ = PatternBytes(1 << 20);
    ASSERT_TRUE(WriteStringToFile(*NewPosixFileSystem(), path_, data_).ok());
    fd_.Reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd_.valid());
  }
  std::unique_ptr<AsyncReader> NewReader(size_t depth) {
    absl::StatusOr<std::unique_ptr<AsyncReader>> r =
        NewUringReader({fd_.get(), path_, depth}, sys_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : nullptr;
  }
  // Reads [offset, offset + size) through a fresh reader of depth 1.
  absl::StatusOr<AsyncRead> ReadOne(uint64_t offset, std::string& buf) {
    auto reader = NewReader(1);
    absl::Status s = reader->Submit(offset, AsMutableBytes(buf), 42);
    if (!s.ok()) return s;
    return reader->Wait();
  }

  tidemark::testing::TempDir dir_;
  std::string path_;
  std::string data_;
  UniqueFd fd_;
  PosixSyscalls sys_;
};

TEST_F(UringReaderTest, ReadsWithManyInFlight) {
  auto reader = NewReader(8);
  EXPECT_EQ(reader->backend(), "io_uring");
  std::vector<std::string> bufs(8, std::string(65536, '\0'));
  for (size_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(reader->Submit(i * 131072, AsMutableBytes(bufs[i]), i).ok());
  }
  EXPECT_EQ(reader->in_flight(), 8u);
  for (int i = 0; i < 8; ++i) {
    AsyncRead done = *reader->Wait();
    ASSERT_TRUE(done.status.ok()) << done.status;
    EXPECT_EQ(done.bytes_read, 65536u);
    EXPECT_EQ(bufs[done.tag], data_.substr(done.tag * 131072, 65536));
  }
  EXPECT_EQ(reader->in_flight(), 0u);
}

TEST_F(UringReaderTest, DepthIsBounded) {
  auto reader = NewReader(2);
  std::string a(10, '\0'), b(10, '\0'), c(10, '\0');
  ASSERT_TRUE(reader->Submit(0, AsMutableBytes(a), 1).ok());
  ASSERT_TRUE(reader->Submit(10, AsMutableBytes(b), 2).ok());
  EXPECT_EQ(reader->Submit(20, AsMutableBytes(c), 3),
            absl::FailedPreconditionError("submit read of '" + path_ +
                                          "' at 20: 2 reads already in flight"));
  ASSERT_TRUE(reader->Wait().ok());
  EXPECT_TRUE(reader->Submit(20, AsMutableBytes(c), 3).ok());
}

TEST_F(UringReaderTest, ShortAtEndOfFile) {
  std::string buf(4096, '\0');
  AsyncRead done = *ReadOne(data_.size() - 100, buf);
  EXPECT_EQ(done.tag, 42u);
  EXPECT_EQ(done.bytes_read, 100u);
  EXPECT_EQ(buf.substr(0, 100), data_.substr(data_.size() - 100));
  EXPECT_EQ(ReadOne(data_.size() + 5, buf)->bytes_read, 0u);
}

TEST_F(UringReaderTest, ShortTransfersAreResubmitted) {
  std::vector<std::pair<uint64_t, size_t>> seen;
  sys_.uring_result = [&](uint64_t offset, size_t length, int res) {
    seen.emplace_back(offset, length);
    return std::min(res, 1000);  // the kernel transferred at most 1000 bytes
  };
  std::string buf(2500, '\0');
  AsyncRead done = *ReadOne(7, buf);
  EXPECT_EQ(done.bytes_read, 2500u);
  EXPECT_EQ(buf, data_.substr(7, 2500));
  EXPECT_EQ(seen, (std::vector<std::pair<uint64_t, size_t>>{{7, 2500}, {1007, 1500}, {2007, 500}}));
}

TEST_F(UringReaderTest, EagainAndEintrAreResubmitted) {
  std::vector<int> script = {-EAGAIN, -EINTR, -EAGAIN};
  sys_.uring_result = [&](uint64_t, size_t, int res) {
    if (script.empty()) return res;
    int r = script.back();
    script.pop_back();
    return r;
  };
  std::string buf(100, '\0');
  AsyncRead done = *ReadOne(0, buf);
  ASSERT_TRUE(done.status.ok()) << done.status;
  EXPECT_EQ(buf, data_.substr(0, 100));
}

TEST_F(UringReaderTest, EagainForeverIsUnavailable) {
  sys_.uring_result = [](uint64_t, size_t, int) { return -EAGAIN; };
  std::string buf(100, '\0');
  EXPECT_EQ(
      ReadOne(4096, buf)->status,
      absl::UnavailableError("read '" + path_ + "' at 4096: Resource temporarily unavailable"));
}

TEST_F(UringReaderTest, ErrorNamesPathAndOffsetOfTheFailedTransfer) {
  sys_.uring_result = [](uint64_t offset, size_t, int res) {
    return offset == 0 ? std::min(res, 16384) : -EIO;
  };
  std::string buf(32768, '\0');
  AsyncRead done = *ReadOne(0, buf);
  EXPECT_EQ(done.status, absl::DataLossError("read '" + path_ + "' at 16384: Input/output error"));
  EXPECT_EQ(done.bytes_read, 16384u);
}

TEST_F(UringReaderTest, ReadvWhenTheProbeLacksRead) {
  sys_.opcode_supported = [](io_uring*, int) { return false; };
  auto reader = NewReader(4);
  EXPECT_EQ(reader->backend(), "io_uring/readv");
  std::string buf(5000, '\0');
  ASSERT_TRUE(reader->Submit(300, AsMutableBytes(buf), 1).ok());
  EXPECT_EQ(reader->Wait()->bytes_read, 5000u);
  EXPECT_EQ(buf, data_.substr(300, 5000));
}

TEST_F(UringReaderTest, RingCreationFailureIsReported) {
  sys_.io_uring_queue_init = [](unsigned, io_uring*, unsigned) { return -ENOSYS; };
  EXPECT_EQ(NewUringReader({fd_.get(), path_, 4}, sys_).status(),
            absl::InternalError("io_uring_queue_init '" + path_ + "': Function not implemented"));
  EXPECT_FALSE(NewUringReader({fd_.get(), path_, 0}, PosixSyscalls()).ok());
}

TEST_F(UringReaderTest, EmptyReadCompletesWithoutTheKernel) {
  std::string empty;
  AsyncRead done = *ReadOne(0, empty);
  EXPECT_EQ(done.bytes_read, 0u);
  EXPECT_TRUE(done.status.ok());
}

TEST_F(UringReaderTest, DestructionWaitsForReadsInFlight) {
  std::vector<std::string> bufs(16, std::string(65536, '\0'));
  {
    auto reader = NewReader(16);
    for (size_t i = 0; i < 16; ++i) {
      ASSERT_TRUE(reader->Submit(i * 65536, AsMutableBytes(bufs[i]), i).ok());
    }
  }  // destroyed with 16 reads in flight: they are reaped before the ring goes
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(bufs[i], data_.substr(i * 65536, 65536)) << i;
}

TEST_F(UringReaderTest, MisalignedDirectReadIsInvalidArgument) {
  auto reader = *NewUringReader({fd_.get(), path_, 2, /*direct=*/true}, sys_);
  std::string buf(100, '\0');
  ASSERT_TRUE(reader->Submit(0, AsMutableBytes(buf), 5).ok());
  AsyncRead done = *reader->Wait();
  EXPECT_EQ(done.tag, 5u);
  EXPECT_EQ(done.status.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(UringReaderTest, DropCacheAdvisesEachCompletedRead) {
  std::vector<std::pair<off_t, off_t>> advised;
  sys_.fadvise = [&](int, off_t off, off_t len, int) {
    advised.emplace_back(off, len);
    return 0;
  };
  auto reader = *NewUringReader({fd_.get(), path_, 1, false, /*drop_cache=*/true}, sys_);
  std::string buf(8192, '\0');
  ASSERT_TRUE(reader->Submit(4096, AsMutableBytes(buf), 0).ok());
  ASSERT_TRUE(reader->Wait().ok());
  EXPECT_EQ(advised, (std::vector<std::pair<off_t, off_t>>{{4096, 8192}}));
}

}  // namespace
}  // namespace tidemark::io
