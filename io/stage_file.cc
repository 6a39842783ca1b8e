// The sequential-stage rules (see header).
#include "io/stage_file.h"

#include <utility>
#include <vector>

#include "absl/strings/str_format.h"

namespace tidemark::io {
namespace {

class SinkWritableFile final : public WritableFile {
 public:
  SinkWritableFile(std::string path, ByteSink sink) : path_(std::move(path)), sink_(std::move(sink)) {}
  const std::string& path() const override { return path_; }
  absl::Status Append(ByteSpan data) override { return sink_(data); }
  absl::Status WriteAt(uint64_t, ByteSpan) override { return OutOfOrder(); }
  absl::Status Truncate(uint64_t) override { return OutOfOrder(); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  absl::Status OutOfOrder() const {
    return absl::InternalError(absl::StrFormat("'%s': not written in order", path_));
  }
  const std::string path_;
  const ByteSink sink_;
};

}  // namespace

std::unique_ptr<WritableFile> NewSinkWritableFile(std::string path, ByteSink sink) {
  return std::make_unique<SinkWritableFile>(std::move(path), std::move(sink));
}

absl::Status PushFile(RandomAccessFile& in, WritableFile& out) {
  std::vector<uint8_t> buf(size_t{1} << 20);
  for (uint64_t at = 0;;) {
    absl::StatusOr<size_t> n = in.ReadAt(at, MutableByteSpan(buf));
    absl::Status s = n.ok() ? absl::OkStatus() : n.status();
    if (s.ok() && *n == 0) break;
    if (s.ok()) s = out.Append(ByteSpan(buf.data(), *n));
    if (!s.ok()) {
      out.Close().IgnoreError();
      return s;
    }
    at += *n;
  }
  return out.Close();
}

StageFile::StageFile(std::unique_ptr<WritableFile> inner, std::string_view what)
    : inner_(std::move(inner)), what_(what) {}

absl::Status StageFile::Append(ByteSpan data) {
  if (closed_) return inner_->Append(data);
  if (!first_error_.ok()) return first_error_;
  absl::Status s = Consume(data);
  if (!s.ok()) {
    first_error_ = s;
    return s;
  }
  consumed_ += data.size();
  return absl::OkStatus();
}

absl::Status StageFile::WriteAt(uint64_t offset, ByteSpan data) {
  if (!closed_ && offset != consumed_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "write '%s' at %d: %s sequentially (next offset %d)", path(), offset, what_, consumed_));
  }
  return Append(data);
}

absl::Status StageFile::Truncate(uint64_t size) {
  if (closed_) return inner_->Truncate(size);
  return absl::InvalidArgumentError(
      absl::StrFormat("truncate '%s' to %d: %s sequentially", path(), size, what_));
}

absl::Status StageFile::Close() {
  if (closed_) return inner_->Close();
  absl::Status s = first_error_.ok() ? Finish() : first_error_;
  closed_ = true;
  absl::Status closed = inner_->Close();
  return s.ok() ? closed : s;
}

}  // namespace tidemark::io
