// The inspect job (see header). Page 0 decides page size and checksum scheme; the rest
// is a streaming scan through io::FileScanner, so memory stays at depth x chunk per
// worker whatever the file size.
#include "engine/inspect.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "innodb/page/fil_page.h"
#include "io/file_scanner.h"

namespace tidemark::engine {

namespace {

using innodb::PageVerdict;

// The doublewrite buffer of the system tablespace: two blocks of one extent each, named by
// the TRX_SYS page (page 5) at page_size - 200 (trx0sys.h TRX_SYS_DOUBLEWRITE). Its slots
// hold copies of other tablespaces' pages, so they are not judged as this space's pages.
class DoublewriteArea {
 public:
  void Learn(uint32_t page_no, ByteSpan page, const TablespaceTarget& t,
             const innodb::SpaceContext& ctx) {
    if (t.kind != TablespaceKind::kSystem || page_no != kTrxSysPage) return;
    const size_t hdr = ctx.flags.page_size.physical() - 200;
    if (ReadBe32(page, hdr + 10) != kMagic) return;
    extent_ = innodb::ExtentPages(ctx.flags.page_size.logical());
    block1_ = ReadBe32(page, hdr + 14);
    block2_ = ReadBe32(page, hdr + 18);
  }
  bool Contains(uint32_t no) const {
    return extent_ && ((no >= block1_ && no < block1_ + extent_) ||
                       (no >= block2_ && no < block2_ + extent_));
  }

 private:
  static constexpr uint32_t kTrxSysPage = 5;
  static constexpr uint32_t kMagic = 536853855;  // TRX_SYS_DOUBLEWRITE_MAGIC_N
  uint32_t extent_ = 0, block1_ = 0, block2_ = 0;
};

// Scans one file of a tablespace, feeding every whole page to `summary`.
class SpaceScanner {
 public:
  SpaceScanner(io::FileSystem& fs, const TablespaceReport& report, const InspectOptions& o)
      : fs_(fs), report_(report), options_(o),
        physical_(report.context.flags.page_size.physical()) {}

  absl::Status ScanFile(const std::string& path, innodb::SpaceSummary& summary);
  uint64_t bytes() const { return bytes_; }

 private:
  PageVerdict Judge(const std::string& path, uint64_t offset, ByteSpan& page);
  absl::StatusOr<ByteSpan> Reread(const std::string& path, uint64_t offset);

  io::FileSystem& fs_;
  const TablespaceReport& report_;
  const InspectOptions& options_;
  const uint32_t physical_;
  uint32_t next_page_ = 0;
  uint64_t bytes_ = 0;
  DoublewriteArea doublewrite_;
  // Pages that may still get the patient re-reads (with options_.before_reread). A file
  // with many stable bad pages is damaged, not being written: later pages get one
  // immediate re-read, so a badly damaged file is reported in seconds, not minutes.
  int patient_pages_left_ = kPatientPages;
  static constexpr int kPatientPages = 16;
  std::unique_ptr<io::RandomAccessFile> reread_file_;
  std::string reread_path_;
  std::vector<uint8_t> reread_buf_;
};

absl::StatusOr<ByteSpan> SpaceScanner::Reread(const std::string& path, uint64_t offset) {
  if (reread_path_ != path) {
    // Buffered, so any page size and offset can be read.
    TM_ASSIGN_OR_RETURN(reread_file_, fs_.OpenForRead(path, io::ReadOptions{}));
    reread_path_ = path;
  }
  reread_buf_.resize(physical_);
  TM_ASSIGN_OR_RETURN(size_t n, reread_file_->ReadAt(offset, reread_buf_));
  if (n < physical_) return absl::DataLossError("page vanished while re-reading");
  return ByteSpan(reread_buf_);
}

PageVerdict SpaceScanner::Judge(const std::string& path, uint64_t offset, ByteSpan& page) {
  const innodb::SpaceContext& ctx = report_.context;
  const uint32_t no = next_page_;
  PageVerdict v = innodb::ValidatePage(page, ctx, no);
  if (IsFailure(v) && doublewrite_.Contains(no)) return PageVerdict::kSkipped;
  const bool patient = IsFailure(v) && patient_pages_left_ > 0;
  if (patient) --patient_pages_left_;
  const int rereads = patient ? options_.rereads : std::min(options_.rereads, 1);
  for (int i = 0; IsFailure(v) && i < rereads; ++i) {
    if (patient && options_.before_reread) options_.before_reread();
    auto again = Reread(path, offset);
    if (!again.ok()) break;
    page = *again;
    v = innodb::ValidatePage(page, ctx, no);
  }
  if (v == PageVerdict::kOk) doublewrite_.Learn(no, page, report_.target, ctx);
  return v;
}

absl::Status SpaceScanner::ScanFile(const std::string& path, innodb::SpaceSummary& summary) {
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
      const PageVerdict v = Judge(path, chunk.offset + off, page);
      summary.AddPage(next_page_++, page, v);
    }
    if (whole != chunk.data.size()) {
      return absl::DataLossError(absl::StrFormat(
          "truncated: %d bytes after page %d, less than a page of %d bytes",
          chunk.data.size() - whole, next_page_ - 1, physical_));
    }
  }
}

}  // namespace

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

namespace {

// A running server writes page 0 of a new tablespace a second or two after creating the
// file; wait for it (through options.before_reread) before calling the file broken.
absl::StatusOr<innodb::FspHeader> ReadSpaceHeaderPatiently(io::RandomAccessFile& file,
                                                           const InspectOptions& options) {
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

innodb::SpaceContext ContextFor(const innodb::FspHeader& header) {
  innodb::SpaceContext c;
  c.flags = header.flags;
  c.space_id = header.space_id;
  c.encrypted = header.crypt && header.crypt->encrypted();
  return c;
}

TablespaceReport InspectTablespace(io::FileSystem& fs, const TablespaceTarget& target,
                                   const InspectOptions& options) {
  TablespaceReport r{.target = target, .status = target.status};
  if (!r.status.ok() || target.files.empty()) return r;
  auto first = fs.OpenForRead(target.files[0], io::ReadOptions{});
  auto header = first.ok() ? ReadSpaceHeaderPatiently(**first, options) : first.status();
  if (!header.ok()) {
    r.status = Annotate(header.status(), absl::StrFormat("inspect '%s'", target.path));
    return r;
  }
  r.header = *header;
  r.context = ContextFor(*header);
  r.summary.emplace(r.context, options.since_lsn, options.list_changed);
  SpaceScanner scanner(fs, r, options);
  for (const std::string& file : target.files) {
    absl::Status s = scanner.ScanFile(file, *r.summary);
    if (!s.ok()) {
      r.status = Annotate(s, absl::StrFormat("inspect '%s'", file));
      break;
    }
  }
  r.file_bytes = scanner.bytes();
  return r;
}

std::vector<TablespaceReport> InspectTablespaces(io::FileSystem& fs,
                                                 const std::vector<TablespaceTarget>& targets,
                                                 const InspectOptions& options) {
  std::vector<TablespaceReport> reports(targets.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < targets.size();) {
      reports[i] = InspectTablespace(fs, targets[i], options);
    }
  };
  const size_t n = std::max<size_t>(1, std::min(options.parallel, targets.size()));
  std::vector<std::jthread> workers;
  for (size_t i = 1; i < n; ++i) workers.emplace_back(work);
  work();
  return reports;
}

}  // namespace tidemark::engine
