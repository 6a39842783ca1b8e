// Tablespace copy (see header).
#include "engine/tablespace_copier.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

Throttle::Throttle(io::Clock& clock, uint64_t bytes_per_second)
    : clock_(clock), rate_(bytes_per_second) {}

void Throttle::Acquire(uint64_t bytes) {
  if (rate_ == 0) return;
  const int64_t cost = static_cast<int64_t>(bytes * 1'000'000'000 / rate_);
  const int64_t now = absl::ToUnixNanos(clock_.Now());
  int64_t start = next_free_ns_.load();
  // Reserve [max(now, start), +cost) of the bucket's time line.
  while (!next_free_ns_.compare_exchange_weak(start, std::max(now, start) + cost)) {
  }
  const int64_t wait = std::max(now, start) - now;
  if (wait > 0) clock_.SleepFor(absl::Nanoseconds(wait));
}

namespace {

// Buffers pages and appends them to the output of the file they belong to.
class PageSink {
 public:
  PageSink(const OutputOpener& open, const innodb::FspHeader& header,
           std::vector<uint64_t> file_pages, Throttle* throttle, std::atomic<uint64_t>* counter)
      : open_(open), header_(header), file_pages_(std::move(file_pages)), throttle_(throttle),
        counter_(counter) {
    buffer_.reserve(kBufferBytes);
  }

  absl::Status Add(uint32_t page_no, ByteSpan page) {
    while (file_ + 1 < file_pages_.size() && page_no >= first_page_ + file_pages_[file_]) {
      TM_RETURN_IF_ERROR(CloseCurrent());
      first_page_ += file_pages_[file_++];
    }
    if (!out_) {
      TM_ASSIGN_OR_RETURN(out_, open_(file_, header_));
    }
    buffer_.insert(buffer_.end(), page.begin(), page.end());
    return buffer_.size() >= kBufferBytes ? Flush() : absl::OkStatus();
  }

  absl::Status Finish() {
    if (!out_) {  // an empty tablespace file
      TM_ASSIGN_OR_RETURN(out_, open_(file_, header_));
    }
    TM_RETURN_IF_ERROR(CloseCurrent());
    while (++file_ < file_pages_.size()) {  // trailing files that held no page
      TM_ASSIGN_OR_RETURN(out_, open_(file_, header_));
      TM_RETURN_IF_ERROR(CloseCurrent());
    }
    return absl::OkStatus();
  }

  uint64_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kBufferBytes = size_t{1} << 20;

  absl::Status Flush() {
    if (buffer_.empty()) return absl::OkStatus();
    if (throttle_) throttle_->Acquire(buffer_.size());
    TM_RETURN_IF_ERROR(out_->Append(buffer_));
    bytes_ += buffer_.size();
    if (counter_) *counter_ += buffer_.size();
    buffer_.clear();
    return absl::OkStatus();
  }

  absl::Status CloseCurrent() {
    if (!out_) return absl::OkStatus();
    TM_RETURN_IF_ERROR(Flush());
    absl::Status s = out_->Close();
    out_.reset();
    return s;
  }

  const OutputOpener& open_;
  const innodb::FspHeader& header_;
  const std::vector<uint64_t> file_pages_;
  Throttle* throttle_;
  std::atomic<uint64_t>* counter_;
  std::unique_ptr<io::WritableFile> out_;
  std::vector<uint8_t> buffer_;
  size_t file_ = 0;
  uint64_t first_page_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace

// The last file takes any page beyond these sizes (PageSink): it may grow during the copy.
absl::StatusOr<std::vector<uint64_t>> PagesPerFile(io::FileSystem& fs, const TablespaceTarget& t,
                                                   uint32_t page_size) {
  std::vector<uint64_t> pages;
  for (const std::string& f : t.files) {
    TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(f));
    pages.push_back(info.size / page_size);
  }
  return pages;
}

absl::StatusOr<TablespaceCopyResult> CopyTablespace(io::FileSystem& fs, const TablespaceTarget& target,
                                                    const PageReadOptions& read,
                                                    const OutputOpener& open_output,
                                                    Throttle* throttle,
                                                    std::atomic<uint64_t>* bytes_counter,
                                                    const std::atomic<bool>* cancel) {
  TM_ASSIGN_OR_RETURN(auto reader, TablespaceReader::Open(fs, target, read));
  const uint32_t page_size = reader->context().flags.page_size.physical();
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> file_pages, PagesPerFile(fs, target, page_size));
  PageSink sink(open_output, reader->header(), std::move(file_pages), throttle, bytes_counter);
  TablespaceCopyResult result{.space = reader->header().space_id};
  TM_RETURN_IF_ERROR(reader->ReadPages([&](uint32_t no, ByteSpan page, innodb::PageVerdict v) {
    if (innodb::IsFailure(v)) {
      return absl::DataLossError(absl::StrFormat("page %d: %s (stable over %d re-reads)", no,
                                                 innodb::PageVerdictName(v), read.rereads));
    }
    ++result.pages;
    if (cancel && *cancel) return absl::CancelledError("copy cancelled");
    return sink.Add(no, page);
  }));
  TM_RETURN_IF_ERROR(sink.Finish());
  result.bytes = sink.bytes();
  return result;
}

}  // namespace tidemark::engine
