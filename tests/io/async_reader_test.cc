// Tests of the synchronous AsyncReader and of RunReadBatch, using a scripted reader that
// completes out of order and can fail its queue.
#include "io/async_reader.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsMutableBytes;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

// Completes the most recently submitted read first; fails Submit number `fail_submit` (1-based)
// or every Wait after `fail_wait_after` completions.
class LifoReader final : public AsyncReader {
 public:
  LifoReader(RandomAccessFile& file, size_t depth) : file_(file), depth_(depth) {}
  size_t depth() const override { return depth_; }
  size_t in_flight() const override { return pending_.size(); }
  std::string_view backend() const override { return "lifo"; }
  absl::Status Submit(uint64_t offset, MutableByteSpan buf, uint64_t tag) override {
    if (++submits_ == fail_submit) return absl::InternalError("submit failed");
    EXPECT_LT(pending_.size(), depth_);
    pending_.push_back({offset, buf, tag});
    max_in_flight = std::max(max_in_flight, pending_.size());
    return absl::OkStatus();
  }
  absl::StatusOr<AsyncRead> Wait() override {
    if (completions_++ == fail_wait_after) return absl::InternalError("wait failed");
    Pending p = pending_.back();
    pending_.pop_back();
    absl::StatusOr<size_t> n = file_.ReadAt(p.offset, p.buf);
    return AsyncRead{p.tag, *n, absl::OkStatus()};
  }

  int fail_submit = -1;
  int fail_wait_after = -1;
  size_t max_in_flight = 0;

 private:
  struct Pending {
    uint64_t offset;
    MutableByteSpan buf;
    uint64_t tag;
  };
  RandomAccessFile& file_;
  size_t depth_;
  int submits_ = 0;
  int completions_ = 0;
  std::vector<Pending> pending_;
};

class AsyncReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = PatternBytes(100000);
    ASSERT_TRUE(WriteStringToFile(fs_, "f", data_).ok());
    file_ = *fs_.OpenForRead("f");
  }
  // Ten requests of 1000 bytes, every 9000 bytes.
  std::vector<ReadRequest> Requests() {
    bufs_.assign(10, std::string(1000, '\0'));
    std::vector<ReadRequest> r;
    for (size_t i = 0; i < 10; ++i) r.push_back({i * 9000, AsMutableBytes(bufs_[i])});
    return r;
  }

  MemFileSystem fs_;
  std::string data_;
  std::unique_ptr<RandomAccessFile> file_;
  std::vector<std::string> bufs_;
};

TEST_F(AsyncReaderTest, SynchronousReaderCompletesInSubmissionOrder) {
  auto reader = NewSynchronousReader(*file_, 2);
  std::string a(10, '\0'), b(10, '\0');
  ASSERT_TRUE(reader->Submit(500, AsMutableBytes(a), 7).ok());
  ASSERT_TRUE(reader->Submit(99995, AsMutableBytes(b), 8).ok());
  EXPECT_EQ(reader->in_flight(), 2u);
  AsyncRead first = *reader->Wait();
  EXPECT_EQ(first.tag, 7u);
  EXPECT_EQ(a, data_.substr(500, 10));
  AsyncRead second = *reader->Wait();
  EXPECT_EQ(second.tag, 8u);
  EXPECT_EQ(second.bytes_read, 5u);  // short at the end of the file
  EXPECT_EQ(reader->backend(), "sync");
}

TEST_F(AsyncReaderTest, SynchronousReaderBoundsTheDepth) {
  auto reader = NewSynchronousReader(*file_, 1);
  std::string a(10, '\0');
  ASSERT_TRUE(reader->Submit(0, AsMutableBytes(a), 1).ok());
  EXPECT_EQ(reader->Submit(10, AsMutableBytes(a), 2),
            absl::FailedPreconditionError("submit read of 'f' at 10: 1 reads already in flight"));
  ASSERT_TRUE(reader->Wait().ok());
  EXPECT_EQ(reader->Wait().status(),
            absl::FailedPreconditionError("wait for read of 'f': nothing in flight"));
}

TEST_F(AsyncReaderTest, CheckAsyncDepthBounds) {
  EXPECT_TRUE(CheckAsyncDepth("f", 1).ok());
  EXPECT_TRUE(CheckAsyncDepth("f", kMaxAsyncDepth).ok());
  EXPECT_EQ(CheckAsyncDepth("f", 0),
            absl::InvalidArgumentError("read 'f': queue depth 0 is outside [1, 4096]"));
  EXPECT_FALSE(CheckAsyncDepth("f", kMaxAsyncDepth + 1).ok());
  EXPECT_FALSE(file_->NewAsyncReader(0).ok());
}

TEST_F(AsyncReaderTest, RunReadBatchMatchesOutOfOrderCompletions) {
  LifoReader reader(*file_, 3);
  std::vector<ReadRequest> requests = Requests();
  ASSERT_TRUE(RunReadBatch(reader, requests).ok());
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(bufs_[i], data_.substr(i * 9000, 1000)) << i;
    EXPECT_EQ(requests[i].bytes_read, 1000u);
  }
  EXPECT_EQ(reader.max_in_flight, 3u);
  EXPECT_EQ(reader.in_flight(), 0u);
}

TEST_F(AsyncReaderTest, RunReadBatchSubmitErrorStopsButReapsInFlight) {
  LifoReader reader(*file_, 3);
  reader.fail_submit = 5;
  std::vector<ReadRequest> requests = Requests();
  EXPECT_EQ(RunReadBatch(reader, requests), absl::InternalError("submit failed"));
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(requests[i].status.ok()) << i;
  for (size_t i = 4; i < 10; ++i) {
    EXPECT_EQ(requests[i].status, absl::InternalError("submit failed")) << i;
  }
  EXPECT_EQ(reader.in_flight(), 0u);
}

TEST_F(AsyncReaderTest, RunReadBatchWaitErrorFailsUnfinishedRequests) {
  LifoReader reader(*file_, 2);
  reader.fail_wait_after = 1;
  std::vector<ReadRequest> requests = Requests();
  EXPECT_EQ(RunReadBatch(reader, requests), absl::InternalError("wait failed"));
  EXPECT_TRUE(requests[1].status.ok());  // LIFO: request 1 completed first
  EXPECT_EQ(requests[0].status, absl::InternalError("wait failed"));
  EXPECT_EQ(requests[9].status, absl::InternalError("wait failed"));
}

TEST_F(AsyncReaderTest, RunReadBatchOfNothingIsOk) {
  LifoReader reader(*file_, 2);
  EXPECT_TRUE(RunReadBatch(reader, {}).ok());
}

}  // namespace
}  // namespace tidemark::io
