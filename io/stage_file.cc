// The sequential-stage rules (see header).
#include "io/stage_file.h"

#include <utility>

#include "absl/strings/str_format.h"

namespace tidemark::io {

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
