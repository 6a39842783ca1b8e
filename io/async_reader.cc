// The synchronous AsyncReader (reads happen inside Wait(), in submission order) and the batch
// loop that drives any AsyncReader at its full depth.
#include "io/async_reader.h"

#include <cassert>
#include <deque>
#include <vector>

#include "absl/strings/str_format.h"
#include "io/file_system.h"

namespace tidemark::io {
namespace {

class SynchronousReader final : public AsyncReader {
 public:
  SynchronousReader(RandomAccessFile& file, size_t depth) : file_(file), depth_(depth) {
    assert(depth >= 1);
  }

  size_t depth() const override { return depth_; }
  size_t in_flight() const override { return queue_.size(); }
  std::string_view backend() const override { return "sync"; }

  absl::Status Submit(uint64_t offset, MutableByteSpan buffer, uint64_t tag) override {
    if (queue_.size() >= depth_) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "submit read of '%s' at %d: %d reads already in flight", file_.path(), offset, depth_));
    }
    queue_.push_back({offset, buffer, tag});
    return absl::OkStatus();
  }

  absl::StatusOr<AsyncRead> Wait() override {
    if (queue_.empty()) {
      return absl::FailedPreconditionError(
          absl::StrFormat("wait for read of '%s': nothing in flight", file_.path()));
    }
    Pending p = queue_.front();
    queue_.pop_front();
    absl::StatusOr<size_t> n = file_.ReadAt(p.offset, p.buffer);
    return AsyncRead{p.tag, n.ok() ? *n : 0, n.status()};
  }

 private:
  struct Pending {
    uint64_t offset;
    MutableByteSpan buffer;
    uint64_t tag;
  };

  RandomAccessFile& file_;
  const size_t depth_;
  std::deque<Pending> queue_;
};

// Waits for one read and records it in its request (the tag is the request's index).
absl::Status ReapOne(AsyncReader& reader, std::span<ReadRequest> requests,
                     std::vector<bool>& finished) {
  absl::StatusOr<AsyncRead> done = reader.Wait();
  if (!done.ok()) return done.status();
  ReadRequest& r = requests[done->tag];
  r.bytes_read = done->bytes_read;
  r.status = std::move(done->status);
  finished[done->tag] = true;
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckAsyncDepth(std::string_view path, size_t depth) {
  if (depth >= 1 && depth <= kMaxAsyncDepth) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("read '%s': queue depth %d is outside [1, %d]", path, depth, kMaxAsyncDepth));
}

std::unique_ptr<AsyncReader> NewSynchronousReader(RandomAccessFile& file, size_t depth) {
  return std::make_unique<SynchronousReader>(file, depth);
}

absl::Status RunReadBatch(AsyncReader& reader, std::span<ReadRequest> requests) {
  std::vector<bool> finished(requests.size(), false);
  absl::Status submit_error;  // stops submitting; what is in flight is still reaped
  absl::Status wait_error;    // the queue is broken: stops everything
  size_t next = 0;
  while (wait_error.ok()) {
    while (submit_error.ok() && next < requests.size() && reader.in_flight() < reader.depth()) {
      submit_error = reader.Submit(requests[next].offset, requests[next].buffer, next);
      if (submit_error.ok()) ++next;
    }
    if (reader.in_flight() == 0) break;
    wait_error = ReapOne(reader, requests, finished);
  }
  const absl::Status& stop = wait_error.ok() ? submit_error : wait_error;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!finished[i]) requests[i] = {requests[i].offset, requests[i].buffer, 0, stop};
  }
  for (const ReadRequest& r : requests) {
    if (!r.status.ok()) return r.status;
  }
  return absl::OkStatus();
}

}  // namespace tidemark::io
