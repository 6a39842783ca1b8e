// Reading a live ib_logfile0: the head at open, LSN ranges across the wrap (direct reads
// widened to whole 4 KiB units), the newest checkpoint, and the replaced-file check
// (log_t::calc_lsn_offset in log0log.cc and the read path of xtrabackup_copy_logfile in
// xtrabackup.cc, MariaDB 10.11).
#include "engine/redo_log_source.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

using innodb::kLogHeaderBlockSize;
using innodb::kLogStartOffset;
using io::AlignUp;
using io::kDirectIoAlignment;

namespace {

std::string Prefix(std::string_view path) { return absl::StrFormat("redo log '%s'", path); }

// Opens for direct reads when the file system and the file's size allow them.
absl::StatusOr<std::unique_ptr<io::RandomAccessFile>> OpenLog(io::FileSystem& fs,
                                                              const std::string& path) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file,
                      fs.OpenForRead(path, {.direct_io = true}));
  if (!file->is_direct()) return file;
  TM_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  if (io::IsAligned(size, kDirectIoAlignment)) return file;
  return fs.OpenForRead(path);  // whole 4 KiB units only: an odd size reads buffered
}

}  // namespace

RedoLogSource::RedoLogSource(std::string path, std::unique_ptr<io::RandomAccessFile> file,
                             std::vector<uint8_t> header_block, innodb::LogFileHead head,
                             innodb::LogGeometry geometry, size_t max_read, io::AlignedBuffer buf,
                             io::AlignedBuffer head_buf)
    : path_(std::move(path)),
      file_(std::move(file)),
      direct_(file_->is_direct()),
      header_block_(std::move(header_block)),
      head_(std::move(head)),
      geometry_(geometry),
      max_read_(max_read),
      buf_(std::move(buf)),
      head_buf_(std::move(head_buf)) {}

absl::StatusOr<std::unique_ptr<RedoLogSource>> RedoLogSource::Open(io::FileSystem& fs,
                                                                   std::string path,
                                                                   size_t max_read) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, OpenLog(fs, path));
  TM_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  TM_ASSIGN_OR_RETURN(io::AlignedBuffer head_buf, io::AlignedBuffer::Create(kLogStartOffset));
  TM_ASSIGN_OR_RETURN(const size_t n, file->ReadAt(0, head_buf.span()));
  if (n < kLogStartOffset) {
    return absl::DataLossError(
        absl::StrFormat("%s: the file has %d bytes, less than its %d-byte head", Prefix(path), size,
                        kLogStartOffset));
  }
  absl::StatusOr<innodb::LogFileHead> head = innodb::ParseLogFileHead(head_buf.span());
  if (!head.ok()) return Annotate(head.status(), Prefix(path));
  absl::StatusOr<innodb::LogGeometry> geometry =
      innodb::LogGeometry::Create(head->header.first_lsn, size);
  if (!geometry.ok()) return Annotate(geometry.status(), Prefix(path));
  max_read = std::min<uint64_t>(max_read, geometry->capacity());
  TM_ASSIGN_OR_RETURN(io::AlignedBuffer buf,
                      io::AlignedBuffer::Create(max_read + 2 * kDirectIoAlignment));
  std::vector<uint8_t> header_block(head_buf.data(), head_buf.data() + kLogHeaderBlockSize);
  return std::unique_ptr<RedoLogSource>(
      new RedoLogSource(std::move(path), std::move(file), std::move(header_block), *std::move(head),
                        *geometry, max_read, std::move(buf), std::move(head_buf)));
}

absl::Status RedoLogSource::ReadFully(uint8_t* dst, uint64_t offset, size_t n) {
  const size_t want = direct_ ? AlignUp(n, kDirectIoAlignment) : n;
  TM_ASSIGN_OR_RETURN(const size_t got, file_->ReadAt(offset, MutableByteSpan(dst, want)));
  if (got >= n) return absl::OkStatus();
  return absl::DataLossError(absl::StrFormat("%s: the file ends at %d, expected %d bytes",
                                             Prefix(path_), offset + got, geometry_.file_size()));
}

absl::StatusOr<MutableByteSpan> RedoLogSource::Read(Lsn from, size_t n) {
  assert(n <= max_read_);
  const uint64_t offset = geometry_.Offset(from);
  // A direct read starts at the aligned offset below; the data then begins `lead` bytes in.
  const size_t lead = direct_ ? offset % kDirectIoAlignment : 0;
  const size_t first = std::min<uint64_t>(n, geometry_.file_size() - offset);
  TM_RETURN_IF_ERROR(ReadFully(buf_.data(), offset - lead, lead + first));
  if (first < n) {  // wrapped: the rest from the start of the data area, which is aligned
    TM_RETURN_IF_ERROR(ReadFully(buf_.data() + lead + first, kLogStartOffset, n - first));
  }
  return MutableByteSpan(buf_.data() + lead, n);
}

absl::StatusOr<innodb::LogCheckpoint> RedoLogSource::ReadCheckpoint() {
  TM_RETURN_IF_ERROR(ReadFully(head_buf_.data(), 0, kLogStartOffset));
  const ByteSpan header(head_buf_.data(), kLogHeaderBlockSize);
  if (!std::equal(header.begin(), header.end(), header_block_.begin())) {
    return ReplacedError(header, geometry_.file_size());
  }
  absl::StatusOr<innodb::LogFileHead> head = innodb::ParseLogFileHead(head_buf_.span());
  if (!head.ok()) return Annotate(head.status(), Prefix(path_));
  return head->checkpoint;
}

absl::Status RedoLogSource::CheckUnchanged(io::FileSystem& fs) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, fs.OpenForRead(path_));
  TM_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  std::vector<uint8_t> header(kLogHeaderBlockSize);
  TM_ASSIGN_OR_RETURN(const size_t n, file->ReadAt(0, header));
  header.resize(n);
  if (size == geometry_.file_size() && header == header_block_) return absl::OkStatus();
  return ReplacedError(header, size);
}

absl::Status RedoLogSource::ReplacedError(ByteSpan header_block, uint64_t size) const {
  std::string now = "an unreadable header";
  if (header_block.size() >= kLogHeaderBlockSize) {
    absl::StatusOr<innodb::LogHeader> h = innodb::ParseLogHeader(header_block);
    if (h.ok()) now = absl::StrFormat("first_lsn %d", h->first_lsn.value());
  }
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s was replaced while it was being copied (first_lsn %d, %d bytes at open; now %s, %d "
      "bytes): the log was resized (SET GLOBAL innodb_log_file_size) or recreated; "
      "start the backup again",
      Prefix(path_), head_.header.first_lsn.value(), geometry_.file_size(), now, size));
}

}  // namespace tidemark::engine
