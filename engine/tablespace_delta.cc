// Incremental copy of one tablespace (see header): TablespaceReader for the pages, an LSN
// filter, and one DeltaWriter per data file, alive only while that file's delta is written.
#include "engine/tablespace_delta.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/delta_file.h"
#include "innodb/base/status.h"
#include "innodb/page/fil_page.h"

namespace tidemark::engine {

namespace {

// TRX_SYS_SPACE, TRX_SYS_PAGE_NO (trx0sys.h).
constexpr uint32_t kTrxSysSpace = 0;
constexpr uint32_t kTrxSysPageNo = 5;

// Routes changed pages to the delta of the file they lie in, renumbered from that file's first
// page, and gives every file its delta (files without a changed page get an empty one).
class DeltaSink {
 public:
  DeltaSink(const OutputOpener& open, const innodb::FspHeader& header,
            std::vector<uint64_t> file_pages, uint32_t page_size)
      : open_(open), header_(header), file_pages_(std::move(file_pages)), page_size_(page_size) {}

  absl::Status Add(uint32_t page_no, ByteSpan page) {
    // The last file takes any page past the sizes taken at the start (it may have grown).
    while (file_ + 1 < file_pages_.size() && page_no >= first_ + file_pages_[file_]) {
      TM_RETURN_IF_ERROR(FinishCurrent());
      first_ += file_pages_[file_++];
    }
    TM_RETURN_IF_ERROR(EnsureOpen());
    return writer_->Add(static_cast<uint32_t>(page_no - first_), page);
  }

  absl::Status Finish() {
    for (; file_ < file_pages_.size(); ++file_) TM_RETURN_IF_ERROR(FinishCurrent());
    return absl::OkStatus();
  }

 private:
  absl::Status EnsureOpen() {
    if (out_) return absl::OkStatus();
    TM_ASSIGN_OR_RETURN(out_, open_(file_, header_));
    writer_.emplace(*out_, page_size_);
    return absl::OkStatus();
  }

  absl::Status FinishCurrent() {
    TM_RETURN_IF_ERROR(EnsureOpen());
    absl::Status s = writer_->Finish();
    writer_.reset();  // frees the block buffer before the next file's
    absl::Status closed = out_->Close();
    out_.reset();
    return s.ok() ? closed : s;
  }

  const OutputOpener& open_;
  const innodb::FspHeader& header_;
  const std::vector<uint64_t> file_pages_;
  const uint32_t page_size_;
  std::unique_ptr<io::WritableFile> out_;
  std::optional<DeltaWriter> writer_;  // writes into *out_
  size_t file_ = 0;
  uint64_t first_ = 0;
};

// Counts read bytes into the progress counter and the throttle in steps of about 1 MiB.
class ReadMeter {
 public:
  ReadMeter(Throttle* throttle, std::atomic<uint64_t>* counter)
      : throttle_(throttle), counter_(counter) {}
  ~ReadMeter() { Flush(); }
  void Add(uint64_t bytes) {
    pending_ += bytes;
    if (pending_ >= kStep) Flush();
  }
  void Flush() {
    if (pending_ == 0) return;
    if (throttle_) throttle_->Acquire(pending_);
    if (counter_) *counter_ += pending_;
    pending_ = 0;
  }

 private:
  static constexpr uint64_t kStep = uint64_t{1} << 20;
  Throttle* throttle_;
  std::atomic<uint64_t>* counter_;
  uint64_t pending_ = 0;
};

// write_filt.cc refuses a changed TRX_SYS page, recognised by its header fields.
absl::Status CheckNotTrxSys(ByteSpan page, Lsn base, uint64_t page_lsn) {
  if (ReadBe32(page, innodb::kFilPageArchLogNoOrSpaceId) != kTrxSysSpace ||
      ReadBe32(page, innodb::kFilPageOffset) != kTrxSysPageNo) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrFormat(
      "page 5 (TRX_SYS) of the system tablespace changed after LSN %d (page LSN %d): an "
      "incremental backup is impossible once the server was restarted with a different "
      "innodb_undo_tablespaces; take a full backup",
      base.value(), page_lsn));
}

}  // namespace

absl::StatusOr<DeltaCopyResult> CopyTablespaceDelta(
    io::FileSystem& fs, const TablespaceTarget& target, const PageReadOptions& read,
    const DeltaCopyOptions& delta, const OutputOpener& open_delta, Throttle* throttle,
    std::atomic<uint64_t>* bytes_counter, const std::atomic<bool>* cancel) {
  TM_ASSIGN_OR_RETURN(auto reader, TablespaceReader::Open(fs, target, read));
  const uint32_t page_size = reader->context().flags.page_size.physical();
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> file_pages, PagesPerFile(fs, target, page_size));
  DeltaSink sink(open_delta, reader->header(), std::move(file_pages), page_size);
  ReadMeter meter(throttle, bytes_counter);
  const SpaceId space = reader->header().space_id;
  DeltaCopyResult result{.space = space};
  result.every_page =
      (delta.base_spaces != nullptr &&
       !std::binary_search(delta.base_spaces->begin(), delta.base_spaces->end(), space.value())) ||
      (delta.changed != nullptr && (delta.changed->flags(space) & kSpaceDeleted) != 0);
  auto consume = [&](uint32_t no, ByteSpan page, innodb::PageVerdict v) -> absl::Status {
    if (innodb::IsFailure(v)) {
      return absl::DataLossError(absl::StrFormat("page %d: %s (stable over %d re-reads)", no,
                                                 innodb::PageVerdictName(v), read.rereads));
    }
    ++result.pages_read;
    meter.Add(page.size());
    if (cancel && *cancel) return absl::CancelledError("copy cancelled");
    const uint64_t lsn = ReadBe64(page, innodb::kFilPageLsn);
    if (lsn <= delta.base_lsn.value() && (!result.every_page || innodb::IsAllZero(page))) {
      return absl::OkStatus();
    }
    TM_RETURN_IF_ERROR(CheckNotTrxSys(page, delta.base_lsn, lsn));
    ++result.pages_written;
    return sink.Add(no, page);
  };
  if (delta.changed != nullptr && !delta.changed->IsWhole(space) && !result.every_page) {
    std::vector<uint32_t> listed = {0};
    delta.changed->pages(space).ForEach([&](uint32_t no) {
      if (no != 0) listed.push_back(no);
    });
    result.listed = true;
    TM_RETURN_IF_ERROR(reader->ReadListedPages(listed, consume));
  } else {
    TM_RETURN_IF_ERROR(reader->ReadPages(consume));
  }
  meter.Flush();
  TM_RETURN_IF_ERROR(sink.Finish());
  result.bytes_read = reader->bytes_read();
  return result;
}

}  // namespace tidemark::engine
