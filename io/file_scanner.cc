// In-order read-ahead over an AsyncReader. Chunk k lives in slot k % slots: when the caller
// asks for chunk k+1, the slot of chunk k is free again and is refilled with chunk k+slots,
// so exactly one buffer is lent to the caller and the others are being read.
#include "io/file_scanner.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::io {
namespace {

absl::Status CheckOptions(const RandomAccessFile& file, const ScanOptions& options) {
  if (options.chunk_size == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("scan '%s': chunk size must be positive", file.path()));
  }
  TM_RETURN_IF_ERROR(CheckAsyncDepth(file.path(), options.depth));
  if (file.is_direct() && (!IsAligned(options.chunk_size, kDirectIoAlignment) ||
                           !IsAligned(options.begin, kDirectIoAlignment))) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "scan '%s': direct i/o needs the chunk size (%d) and start offset (%d) aligned to %d",
        file.path(), options.chunk_size, options.begin, kDirectIoAlignment));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileScanner>> FileScanner::Create(RandomAccessFile& file,
                                                                 const ScanOptions& options) {
  TM_RETURN_IF_ERROR(CheckOptions(file, options));
  TM_ASSIGN_OR_RETURN(uint64_t size, file.Size());
  uint64_t end = std::min(options.end, size);
  uint64_t begin = std::min(options.begin, end);
  // A small range gets a buffer just big enough (rounded to the direct-I/O grid).
  auto chunk_size = static_cast<size_t>(
      std::min<uint64_t>(options.chunk_size, AlignUp(end - begin, kDirectIoAlignment)));
  auto scanner =
      std::make_unique<FileScanner>(Key(), file, size, begin, end, std::max<size_t>(chunk_size, 1));
  TM_RETURN_IF_ERROR(scanner->Start(options.depth));
  return scanner;
}

FileScanner::FileScanner(Key, RandomAccessFile& file, uint64_t size, uint64_t begin, uint64_t end,
                         size_t chunk_size)
    : file_(file),
      size_at_open_(size),
      begin_(begin),
      end_(end),
      chunk_size_(chunk_size),
      num_chunks_((end - begin + chunk_size - 1) / chunk_size) {}

// Allocates one buffer per slot and submits the first chunks.
absl::Status FileScanner::Start(size_t depth) {
  size_t slots = static_cast<size_t>(std::min<uint64_t>(depth, num_chunks_));
  if (slots == 0) return absl::OkStatus();
  slots_.resize(slots);
  for (Slot& slot : slots_) {
    TM_ASSIGN_OR_RETURN(slot.buffer, AlignedBuffer::Create(chunk_size_));
  }
  TM_ASSIGN_OR_RETURN(reader_, file_.NewAsyncReader(slots));
  while (next_submit_ < slots) TM_RETURN_IF_ERROR(SubmitChunk(next_submit_++));
  return absl::OkStatus();
}

size_t FileScanner::ChunkLength(uint64_t chunk) const {
  return static_cast<size_t>(std::min<uint64_t>(chunk_size_, end_ - ChunkOffset(chunk)));
}

absl::Status FileScanner::SubmitChunk(uint64_t chunk) {
  Slot& slot = slots_[chunk % slots_.size()];
  slot.done = false;
  size_t length = ChunkLength(chunk);
  // A direct read must cover whole blocks; the bytes past end_ are read but not returned.
  if (file_.is_direct()) length = AlignUp(length, kDirectIoAlignment);
  return reader_->Submit(ChunkOffset(chunk), slot.buffer.span().first(length), chunk);
}

// Collects completions (which may arrive out of order) until `chunk`'s read is among them.
absl::Status FileScanner::AwaitChunk(uint64_t chunk) {
  while (!slots_[chunk % slots_.size()].done) {
    TM_ASSIGN_OR_RETURN(AsyncRead read, reader_->Wait());
    Slot& slot = slots_[read.tag % slots_.size()];
    slot.done = true;
    slot.bytes = read.bytes_read;
    slot.status = std::move(read.status);
  }
  return absl::OkStatus();
}

absl::StatusOr<Chunk> FileScanner::Deliver(uint64_t chunk) {
  const Slot& slot = slots_[chunk % slots_.size()];
  TM_RETURN_IF_ERROR(slot.status);
  uint64_t offset = ChunkOffset(chunk);
  size_t length = ChunkLength(chunk);
  if (slot.bytes < length) {
    return absl::OutOfRangeError(absl::StrFormat(
        "read '%s' at %d: file shrank below its size at open (%d): got %d of %d bytes",
        file_.path(), offset, size_at_open_, slot.bytes, length));
  }
  return Chunk{offset, ByteSpan(slot.buffer.data(), length)};
}

absl::StatusOr<Chunk> FileScanner::Next() {
  if (!error_.ok()) return error_;
  if (holding_) {
    holding_ = false;
    if (next_submit_ < num_chunks_) {
      absl::Status s = SubmitChunk(next_submit_++);
      if (!s.ok()) return Fail(std::move(s));
    }
  }
  if (next_deliver_ == num_chunks_) return Chunk{end_, {}};
  absl::Status s = AwaitChunk(next_deliver_);
  if (!s.ok()) return Fail(std::move(s));
  absl::StatusOr<Chunk> chunk = Deliver(next_deliver_);
  if (!chunk.ok()) return Fail(chunk.status());
  ++next_deliver_;
  holding_ = true;
  return chunk;
}

absl::Status FileScanner::Fail(absl::Status status) {
  error_ = std::move(status);
  return error_;
}

}  // namespace tidemark::io
