// io_uring AsyncReader. The loop follows liburing's examples/io_uring-cp.c: one SQE per slot,
// a completion either finishes its read or requeues the unread remainder, and the destructor
// reaps every SQE still owned by the kernel before the ring (and the caller's buffers) go.
#include "io/uring_reader.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <deque>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/aligned_buffer.h"
#include "io/errno_status.h"

namespace tidemark::io {
namespace {

// One SQE reads at most this much: the SQE's length field is 32 bits. Longer reads continue
// through the short-transfer path.
constexpr size_t kMaxTransfer = size_t{1} << 30;

// Owns an initialised io_uring.
class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    if (initialized_) io_uring_queue_exit(&ring_);
  }
  // Returns 0 or -errno, as io_uring_queue_init.
  int Init(const PosixSyscalls& sys, unsigned entries) {
    int ret = sys.io_uring_queue_init(entries, &ring_, 0);
    initialized_ = ret == 0;
    return ret;
  }
  io_uring* get() { return &ring_; }

 private:
  io_uring ring_{};
  bool initialized_ = false;
};

class UringReader final : public AsyncReader {
 public:
  UringReader(const UringReaderOptions& options, const PosixSyscalls& sys)
      : options_(options), sys_(sys) {}
  ~UringReader() override { Drain(); }

  absl::Status Init();
  size_t depth() const override { return options_.depth; }
  size_t in_flight() const override { return in_flight_; }
  std::string_view backend() const override { return use_read_ ? "io_uring" : "io_uring/readv"; }
  absl::Status Submit(uint64_t offset, MutableByteSpan buffer, uint64_t tag) override;
  absl::StatusOr<AsyncRead> Wait() override;

 private:
  struct Slot {
    uint64_t tag = 0;
    uint64_t offset = 0;
    MutableByteSpan buffer;
    size_t done = 0;  // bytes read so far
    int again = 0;    // -EAGAIN results so far
    iovec iov{};      // for IORING_OP_READV; read by the kernel at submission
  };

  void Queue(uint32_t index);
  absl::Status Flush();
  absl::Status WaitCqe(io_uring_cqe** cqe);
  std::optional<AsyncRead> Complete(uint32_t index, int result);
  AsyncRead Finish(uint32_t index, absl::Status status);
  void Drain();

  const UringReaderOptions options_;
  const PosixSyscalls& sys_;
  Ring ring_;
  bool use_read_ = true;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;   // indexes of idle slots
  std::deque<AsyncRead> ready_;  // reads finished without the kernel (empty or misaligned)
  size_t in_flight_ = 0;         // submitted and not yet returned by Wait()
  size_t in_kernel_ = 0;         // SQEs queued whose completion has not been reaped
  absl::Status broken_;          // the ring failed; every later call returns this
};

absl::Status UringReader::Init() {
  TM_RETURN_IF_ERROR(CheckAsyncDepth(options_.path, options_.depth));
  int ret = ring_.Init(sys_, static_cast<unsigned>(options_.depth));
  if (ret < 0) return ErrnoStatus(-ret, "io_uring_queue_init", options_.path);
  // IORING_OP_READ arrived in 5.6; READV has existed as long as io_uring itself.
  use_read_ = sys_.opcode_supported(ring_.get(), IORING_OP_READ);
  slots_.resize(options_.depth);
  for (size_t i = options_.depth; i > 0; --i) free_.push_back(static_cast<uint32_t>(i - 1));
  return absl::OkStatus();
}

// Queues an SQE for the slot's unread remainder. Each busy slot owns at most one SQE and the
// ring has at least depth() entries, so an SQE is always available.
void UringReader::Queue(uint32_t index) {
  Slot& s = slots_[index];
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  assert(sqe != nullptr);
  uint8_t* dst = s.buffer.data() + s.done;
  auto len = static_cast<unsigned>(std::min(s.buffer.size() - s.done, kMaxTransfer));
  if (use_read_) {
    io_uring_prep_read(sqe, options_.fd, dst, len, s.offset + s.done);
  } else {
    s.iov = {dst, len};
    io_uring_prep_readv(sqe, options_.fd, &s.iov, 1, s.offset + s.done);
  }
  io_uring_sqe_set_data64(sqe, index);
  ++in_kernel_;
}

// Hands queued SQEs to the kernel. -EAGAIN/-EBUSY leave them queued in the SQ ring; the next
// WaitCqe submits them again.
absl::Status UringReader::Flush() {
  for (;;) {
    int ret = io_uring_submit(ring_.get());
    if (ret >= 0 || ret == -EAGAIN || ret == -EBUSY) return absl::OkStatus();
    if (ret == -EINTR) continue;
    broken_ = ErrnoStatus(-ret, "io_uring_submit", options_.path);
    return broken_;
  }
}

absl::Status UringReader::WaitCqe(io_uring_cqe** cqe) {
  for (int again = 0;;) {
    if (io_uring_peek_cqe(ring_.get(), cqe) == 0) return absl::OkStatus();
    int ret = io_uring_sq_ready(ring_.get()) > 0 ? io_uring_submit_and_wait(ring_.get(), 1)
                                                 : io_uring_wait_cqe(ring_.get(), cqe);
    if (ret >= 0 || ret == -EINTR) continue;
    if ((ret == -EAGAIN || ret == -EBUSY) && ++again <= kMaxAgainRetries) continue;
    broken_ = ErrnoStatus(-ret, "io_uring_wait_cqe", options_.path);
    return broken_;
  }
}

absl::Status UringReader::Submit(uint64_t offset, MutableByteSpan buffer, uint64_t tag) {
  if (!broken_.ok()) return broken_;
  if (in_flight_ >= options_.depth) {
    return absl::FailedPreconditionError(
        absl::StrFormat("submit read of '%s' at %d: %d reads already in flight", options_.path,
                        offset, options_.depth));
  }
  ++in_flight_;
  absl::Status aligned =
      options_.direct ? CheckDirectIoAlignment(options_.path, offset, buffer) : absl::OkStatus();
  if (!aligned.ok() || buffer.empty()) {
    ready_.push_back({tag, 0, aligned});
    return absl::OkStatus();
  }
  uint32_t index = free_.back();
  free_.pop_back();
  slots_[index] = Slot{tag, offset, buffer};
  Queue(index);
  return Flush();
}

absl::StatusOr<AsyncRead> UringReader::Wait() {
  if (!broken_.ok()) return broken_;
  if (!ready_.empty()) {
    AsyncRead done = std::move(ready_.front());
    ready_.pop_front();
    --in_flight_;
    return done;
  }
  if (in_flight_ == 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("wait for read of '%s': nothing in flight", options_.path));
  }
  for (;;) {
    io_uring_cqe* cqe = nullptr;
    TM_RETURN_IF_ERROR(WaitCqe(&cqe));
    auto index = static_cast<uint32_t>(io_uring_cqe_get_data64(cqe));
    int result = cqe->res;
    io_uring_cqe_seen(ring_.get(), cqe);
    --in_kernel_;
    std::optional<AsyncRead> done = Complete(index, result);
    if (done.has_value()) return *std::move(done);
    TM_RETURN_IF_ERROR(Flush());  // the requeued remainder
  }
}

// Acts on one completion: finishes the read, or requeues what is left of it.
std::optional<AsyncRead> UringReader::Complete(uint32_t index, int result) {
  Slot& s = slots_[index];
  size_t want = std::min(s.buffer.size() - s.done, kMaxTransfer);
  if (sys_.uring_result) result = sys_.uring_result(s.offset + s.done, want, result);
  if (result == -EINTR || (result == -EAGAIN && ++s.again <= kMaxAgainRetries)) {
    Queue(index);
    return std::nullopt;
  }
  if (result < 0)
    return Finish(index, ErrnoStatusAt(-result, "read", options_.path, s.offset + s.done));
  assert(static_cast<size_t>(result) <= want);
  s.done += static_cast<size_t>(result);
  // 0 bytes is end of file; so is a direct transfer that stops off the alignment grid, and the
  // remainder could not be read with O_DIRECT anyway.
  bool at_end = result == 0 || (options_.direct && !IsAligned(s.done, kDirectIoAlignment));
  if (!at_end && s.done < s.buffer.size()) {
    Queue(index);
    return std::nullopt;
  }
  return Finish(index, absl::OkStatus());
}

AsyncRead UringReader::Finish(uint32_t index, absl::Status status) {
  const Slot& s = slots_[index];
  if (status.ok() && options_.drop_cache && !options_.direct && s.done > 0) {
    // Advisory: a failure only means the pages stay cached.
    (void)sys_.fadvise(options_.fd, static_cast<off_t>(s.offset), static_cast<off_t>(s.done),
                       POSIX_FADV_DONTNEED);
  }
  free_.push_back(index);
  --in_flight_;
  return AsyncRead{s.tag, s.done, std::move(status)};
}

// Reaps every SQE the kernel still owns, so no read lands in a buffer after the owner frees it.
// A ring that fails here cannot be reaped further; nothing more can be done.
void UringReader::Drain() {
  while (in_kernel_ > 0) {
    io_uring_cqe* cqe = nullptr;
    if (!WaitCqe(&cqe).ok()) return;
    io_uring_cqe_seen(ring_.get(), cqe);
    --in_kernel_;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<AsyncReader>> NewUringReader(const UringReaderOptions& options,
                                                            const PosixSyscalls& syscalls) {
  auto reader = std::make_unique<UringReader>(options, syscalls);
  TM_RETURN_IF_ERROR(reader->Init());
  return reader;
}

}  // namespace tidemark::io
