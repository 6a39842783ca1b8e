// TablespaceReader (see header): page 0, then a streaming scan through io::FileScanner, so
// memory stays at depth x chunk whatever the file size.
#include "engine/tablespace_reader.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "innodb/page/fil_page.h"
#include "io/aligned_buffer.h"
#include "io/file_scanner.h"

namespace tidemark::engine {

using innodb::PageVerdict;

absl::StatusOr<innodb::FspHeader> ReadSpaceHeader(io::RandomAccessFile& file) {
  // The flags (bytes 54..57) give the page size; then read exactly page 0.
  constexpr size_t kFlagsEnd = innodb::kFspHeaderOffset + innodb::kFspSpaceFlags + 4;
  std::vector<uint8_t> buf(kFlagsEnd);
  TM_ASSIGN_OR_RETURN(size_t n, file.ReadAt(0, buf));
  if (n < kFlagsEnd) {
    return absl::DataLossError(
        absl::StrFormat("not a tablespace: %d bytes is too short for a page 0", n));
  }
  auto flags = innodb::DecodeSpaceFlags(innodb::ReadRawSpaceFlags(buf));
  if (!flags.ok()) {
    return absl::DataLossError(absl::StrFormat("not a tablespace: %s", flags.status().message()));
  }
  const uint32_t physical = flags->page_size.physical();
  buf.resize(physical);
  TM_ASSIGN_OR_RETURN(n, file.ReadAt(0, buf));
  if (n < physical) {
    return absl::DataLossError(
        absl::StrFormat("truncated: %d bytes, less than one page of %d bytes", n, physical));
  }
  if (innodb::IsAllZero(buf)) {
    return absl::UnavailableError(
        "page 0 is all zero: the server has not written it yet (a tablespace being created), "
        "or it was wiped");
  }
  auto header = innodb::ParseFspHeader(buf);
  if (!header.ok()) return Annotate(header.status(), "not a tablespace");
  return header;
}

bool IsPage0NotWritten(const absl::Status& status) {
  return absl::StrContains(status.message(), "page 0 is all zero");
}

innodb::SpaceContext ContextFor(const innodb::FspHeader& header) {
  innodb::SpaceContext c;
  c.flags = header.flags;
  c.space_id = header.space_id;
  c.encrypted = header.crypt && header.crypt->encrypted();
  return c;
}

namespace {

// A running server writes page 0 of a new tablespace a second or two after creating the
// file; wait for it (through before_reread) before calling the file broken.
absl::StatusOr<innodb::FspHeader> ReadSpaceHeaderPatiently(io::RandomAccessFile& file,
                                                           const PageReadOptions& options) {
  constexpr int kPage0Attempts = 100;
  auto header = ReadSpaceHeader(file);
  for (int i = 0; i < kPage0Attempts && absl::IsUnavailable(header.status()) &&
                  options.before_reread;
       ++i) {
    options.before_reread();
    header = ReadSpaceHeader(file);
  }
  if (absl::IsUnavailable(header.status())) {
    return absl::DataLossError(absl::StrFormat("not a tablespace: %s", header.status().message()));
  }
  return header;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TablespaceReader>> TablespaceReader::Open(
    io::FileSystem& fs, const TablespaceTarget& target, const PageReadOptions& options) {
  const std::string what = absl::StrFormat("read '%s'", target.path);
  if (!target.status.ok()) return Annotate(target.status, what);
  if (target.files.empty()) return absl::InvalidArgumentError(what + ": no files");
  auto first = fs.OpenForRead(target.files[0], io::ReadOptions{});
  if (!first.ok()) return Annotate(first.status(), what);
  auto header = ReadSpaceHeaderPatiently(**first, options);
  if (!header.ok()) return Annotate(header.status(), what);
  return std::unique_ptr<TablespaceReader>(new TablespaceReader(fs, target, options, *header));
}

TablespaceReader::TablespaceReader(io::FileSystem& fs, TablespaceTarget target,
                                   PageReadOptions options, innodb::FspHeader header)
    : fs_(fs), target_(std::move(target)), options_(std::move(options)), header_(header),
      context_(ContextFor(header_)), physical_(header_.flags.page_size.physical()) {}

absl::Status TablespaceReader::ReadPages(const PageConsumer& consumer) {
  for (const std::string& file : target_.files) {
    absl::Status s = ReadFile(file, consumer);
    if (!s.ok()) return Annotate(s, absl::StrFormat("read '%s'", file));
  }
  return absl::OkStatus();
}

absl::Status TablespaceReader::ReadFile(const std::string& path, const PageConsumer& consumer) {
  TM_ASSIGN_OR_RETURN(auto file, fs_.OpenForRead(path, io::ReadOptions{
      .direct_io = options_.direct_io, .drop_cache = options_.drop_cache}));
  TM_ASSIGN_OR_RETURN(auto scanner, io::FileScanner::Create(*file, io::ScanOptions{
      .chunk_size = options_.chunk_bytes, .depth = options_.depth}));
  while (true) {
    TM_ASSIGN_OR_RETURN(io::Chunk chunk, scanner->Next());
    if (chunk.data.empty()) return absl::OkStatus();
    bytes_ += chunk.data.size();
    const size_t whole = chunk.data.size() / physical_ * physical_;
    for (size_t off = 0; off < whole; off += physical_) {
      ByteSpan page = chunk.data.subspan(off, physical_);
      const PageVerdict v = Judge(path, chunk.offset + off, next_page_, page);
      TM_RETURN_IF_ERROR(consumer(next_page_++, page, v));
    }
    if (whole != chunk.data.size()) {
      return absl::DataLossError(absl::StrFormat(
          "truncated: %d bytes after page %d, less than a page of %d bytes",
          chunk.data.size() - whole, next_page_ - 1, physical_));
    }
  }
}

namespace {

// Adjacent listed pages read with one request: [first, first + count) of the list.
struct PageRun {
  size_t first = 0;
  size_t count = 0;
  uint64_t offset = 0;  // of the read, aligned down for a direct file
  size_t length = 0;    // of the read, aligned up for a direct file
};

// Splits `pages` (ascending, all in one file whose first page is `first_page`) into runs of
// adjacent pages of at most `max_pages` pages, each read aligned to `align`.
std::vector<PageRun> PageRuns(std::span<const uint32_t> pages, uint32_t first_page,
                              uint32_t page_size, size_t max_pages, uint64_t align) {
  std::vector<PageRun> runs;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (runs.empty() || runs.back().count == max_pages || pages[i] != pages[i - 1] + 1) {
      runs.push_back({.first = i});
    }
    ++runs.back().count;
  }
  for (PageRun& r : runs) {
    const uint64_t begin = uint64_t{pages[r.first] - first_page} * page_size;
    const uint64_t end = begin + uint64_t{r.count} * page_size;
    r.offset = begin / align * align;
    r.length = static_cast<size_t>(io::AlignUp(end, align) - r.offset);
  }
  return runs;
}

}  // namespace

absl::Status TablespaceReader::ReadListedPages(std::span<const uint32_t> pages,
                                               const PageConsumer& consumer) {
  for (size_t i = 1; i < pages.size(); ++i) {
    if (pages[i] <= pages[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("read '%s': page %d listed after page %d (the list must ascend)",
                          target_.path, pages[i], pages[i - 1]));
    }
  }
  std::vector<uint32_t> with_doublewrite;
  if (target_.kind == TablespaceKind::kSystem) {
    // The doublewrite blocks hold copies of recently written pages, newer than the base as
    // often as not, and ReadPages returns them: read them too, so that a listed read keeps
    // every page a full read would keep. Page 5 (TRX_SYS) names them.
    constexpr uint32_t kTrxSysPage = 5;
    std::span<const uint32_t> trx_sys(&kTrxSysPage, 1);
    uint64_t ignored = 0;
    absl::Status s = ReadListedInFile(
        target_.files[0], 0, trx_sys, target_.files.size() == 1,
        [](uint32_t, ByteSpan, innodb::PageVerdict) { return absl::OkStatus(); }, &ignored);
    if (!s.ok()) return Annotate(s, absl::StrFormat("read '%s'", target_.files[0]));
    with_doublewrite.assign(pages.begin(), pages.end());
    with_doublewrite.push_back(kTrxSysPage);
    for (uint32_t block : {doublewrite_.block1, doublewrite_.block2}) {
      for (uint32_t k = 0; k < doublewrite_.extent; ++k) with_doublewrite.push_back(block + k);
    }
    std::sort(with_doublewrite.begin(), with_doublewrite.end());
    with_doublewrite.erase(std::unique(with_doublewrite.begin(), with_doublewrite.end()),
                           with_doublewrite.end());
    pages = with_doublewrite;
  }
  uint64_t first = 0;
  for (size_t i = 0; i < target_.files.size() && !pages.empty(); ++i) {
    uint64_t file_pages = 0;
    absl::Status s = ReadListedInFile(target_.files[i], static_cast<uint32_t>(first), pages,
                                      i + 1 == target_.files.size(), consumer, &file_pages);
    if (!s.ok()) return Annotate(s, absl::StrFormat("read '%s'", target_.files[i]));
    first += file_pages;
  }
  return absl::OkStatus();
}

absl::Status TablespaceReader::ReadListedInFile(const std::string& path, uint32_t first_page,
                                                std::span<const uint32_t>& pages, bool last_file,
                                                const PageConsumer& consumer,
                                                uint64_t* file_pages) {
  TM_ASSIGN_OR_RETURN(auto file, fs_.OpenForRead(path, io::ReadOptions{
      .direct_io = options_.direct_io, .drop_cache = options_.drop_cache}));
  TM_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  *file_pages = size / physical_;
  size_t mine = 0;
  while (mine < pages.size() && pages[mine] < first_page + *file_pages) ++mine;
  const std::span<const uint32_t> listed = pages.first(mine);
  pages = last_file ? std::span<const uint32_t>() : pages.subspan(mine);
  const uint64_t align = file->is_direct() ? io::kDirectIoAlignment : 1;
  const size_t max_pages = std::max<size_t>(1, options_.chunk_bytes / physical_);
  const std::vector<PageRun> runs = PageRuns(listed, first_page, physical_, max_pages, align);
  // Listed pages are mostly scattered single pages: many small reads go into one batch (the
  // file keeps a window of them in flight, io::PosixOptions::batch_depth), up to the memory a
  // scan's read-ahead would hold (depth x chunk_bytes), in one buffer carved per read.
  constexpr size_t kMaxRunsPerBatch = 256;
  const uint64_t max_bytes = std::max<size_t>(1, options_.depth) * max_pages * physical_;
  io::AlignedBuffer arena;
  uint64_t arena_bytes = 0;
  std::vector<io::ReadRequest> requests;
  std::vector<uint64_t> at_in_arena;
  for (size_t batch = 0, n = 0; batch < runs.size(); batch += n) {
    uint64_t bytes = 0;
    n = 0;
    while (batch + n < runs.size() && n < kMaxRunsPerBatch &&
           (n == 0 || bytes + runs[batch + n].length <= max_bytes)) {
      bytes += runs[batch + n].length;  // a multiple of `align`: every read stays aligned
      ++n;
    }
    if (arena_bytes < bytes) {
      TM_ASSIGN_OR_RETURN(arena, io::AlignedBuffer::Create(bytes));
      arena_bytes = bytes;
    }
    requests.assign(n, {});
    at_in_arena.assign(n, 0);
    for (size_t k = 0, pos = 0; k < n; pos += runs[batch + k].length, ++k) {
      const PageRun& r = runs[batch + k];
      at_in_arena[k] = pos;
      requests[k] = {.offset = r.offset, .buffer = MutableByteSpan(arena.data() + pos, r.length)};
    }
    TM_RETURN_IF_ERROR(file->ReadBatch(requests));
    for (size_t k = 0; k < n; ++k) {
      const PageRun& r = runs[batch + k];
      bytes_ += requests[k].bytes_read;
      for (size_t j = 0; j < r.count; ++j) {
        const uint32_t no = listed[r.first + j];
        const uint64_t offset = uint64_t{no - first_page} * physical_;
        const size_t at = static_cast<size_t>(offset - r.offset);
        if (at + physical_ > requests[k].bytes_read) return absl::OkStatus();  // shrank
        ByteSpan page(arena.data() + at_in_arena[k] + at, physical_);
        const PageVerdict v = Judge(path, offset, no, page);
        TM_RETURN_IF_ERROR(consumer(no, page, v));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ByteSpan> TablespaceReader::Reread(const std::string& path, uint64_t offset) {
  if (reread_path_ != path) {
    TM_ASSIGN_OR_RETURN(reread_file_, fs_.OpenForRead(path, io::ReadOptions{}));
    reread_path_ = path;
  }
  reread_buf_.resize(physical_);
  TM_ASSIGN_OR_RETURN(size_t n, reread_file_->ReadAt(offset, reread_buf_));
  if (n < physical_) return absl::DataLossError("page vanished while re-reading");
  return ByteSpan(reread_buf_);
}

PageVerdict TablespaceReader::Judge(const std::string& path, uint64_t offset, uint32_t no,
                                    ByteSpan& page) {
  PageVerdict v = innodb::ValidatePage(page, context_, no);
  if (IsFailure(v) && doublewrite_.Contains(no)) return PageVerdict::kSkipped;
  const bool patient = IsFailure(v) && patient_pages_left_ > 0;
  if (patient) --patient_pages_left_;
  const int rereads = patient ? options_.rereads : std::min(options_.rereads, 1);
  for (int i = 0; IsFailure(v) && i < rereads; ++i) {
    if (patient && options_.before_reread) options_.before_reread();
    auto again = Reread(path, offset);
    if (!again.ok()) break;
    page = *again;
    v = innodb::ValidatePage(page, context_, no);
  }
  if (v == PageVerdict::kOk) LearnDoublewrite(no, page);
  return v;
}

// TRX_SYS page (5) of the system tablespace: doublewrite header at page_size - 200
// (trx0sys.h TRX_SYS_DOUBLEWRITE: fseg header 10, magic 4, block1 4, block2 4).
void TablespaceReader::LearnDoublewrite(uint32_t page_no, ByteSpan page) {
  constexpr uint32_t kTrxSysPage = 5;
  constexpr uint32_t kMagic = 536853855;  // TRX_SYS_DOUBLEWRITE_MAGIC_N
  if (target_.kind != TablespaceKind::kSystem || page_no != kTrxSysPage) return;
  const size_t hdr = physical_ - 200;
  if (ReadBe32(page, hdr + 10) != kMagic) return;
  doublewrite_ = {.extent = innodb::ExtentPages(header_.flags.page_size.logical()),
                  .block1 = ReadBe32(page, hdr + 14),
                  .block2 = ReadBe32(page, hdr + 18)};
}

bool TablespaceReader::Doublewrite::Contains(uint32_t no) const {
  return extent && ((no >= block1 && no < block1 + extent) || (no >= block2 && no < block2 + extent));
}

}  // namespace tidemark::engine
