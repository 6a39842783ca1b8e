// The xbstream writer and reader (see xbstream.h). Layout and rules from mariabackup's
// xbstream_write.cc, xbstream_read.cc and xbstream.cc (MariaDB 10.11).
#include "engine/xbstream.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "innodb/base/crc32.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

constexpr char kKindPayloadUrl[] = "tidemark/xbstream-error-kind";
constexpr size_t kReadBufferSize = size_t{1} << 20;
constexpr size_t kPayloadStep = size_t{16} << 20;  // grow a payload buffer as bytes arrive

ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// magic, flags, type, path length, path; then `extra` zero bytes for the type's fields.
std::vector<uint8_t> ChunkHeader(XbstreamChunkType type, uint8_t flags, std::string_view path,
                                 size_t extra) {
  std::vector<uint8_t> h(kXbstreamHeaderSize + path.size() + extra);
  std::memcpy(h.data(), kXbstreamMagic.data(), 8);
  h[8] = flags;
  h[9] = static_cast<uint8_t>(type);
  WriteLe32(h, 10, static_cast<uint32_t>(path.size()));
  std::memcpy(h.data() + kXbstreamHeaderSize, path.data(), path.size());
  return h;
}

std::string Printable(ByteSpan b) {
  std::string out;
  for (uint8_t c : b) {
    out += (c >= 0x20 && c < 0x7F) ? std::string(1, static_cast<char>(c))
                                   : absl::StrFormat("\\x%02x", c);
  }
  return out;
}

bool KnownType(uint8_t t) {
  switch (static_cast<XbstreamChunkType>(t)) {
    case XbstreamChunkType::kPayload:
    case XbstreamChunkType::kEof:
    case XbstreamChunkType::kSeek:
    case XbstreamChunkType::kRename:
    case XbstreamChunkType::kRemove:
      return true;
  }
  return false;
}

}  // namespace

absl::Status ValidateXbstreamPath(std::string_view path) {
  if (path.size() > kXbstreamMaxPathLength) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "path '%s' is longer than %d bytes", path.substr(0, 64), kXbstreamMaxPathLength));
  }
  bool ok = !path.empty() && path[0] != '.' && path[0] != '/' &&
            path.find('\0') == std::string_view::npos;
  for (size_t start = 0; ok && start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    ok = !part.empty() && part != "." && part != "..";
    start = end + 1;
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("unsafe path '%s' in an xbstream: must be relative, without '.', '..' or "
                      "empty components, not starting with '.'",
                      Printable(AsBytes(path))));
}

XbstreamErrorKind GetXbstreamErrorKind(const absl::Status& status) {
  auto p = status.GetPayload(kKindPayloadUrl);
  if (!p.has_value()) return XbstreamErrorKind::kOther;
  const std::string s(*p);
  if (s == "corrupt") return XbstreamErrorKind::kCorrupt;
  if (s == "input") return XbstreamErrorKind::kInput;
  if (s == "target") return XbstreamErrorKind::kTarget;
  return XbstreamErrorKind::kOther;
}

absl::Status TagXbstreamError(absl::Status status, XbstreamErrorKind kind) {
  if (status.ok()) return status;
  const char* name = kind == XbstreamErrorKind::kCorrupt ? "corrupt"
                     : kind == XbstreamErrorKind::kInput ? "input"
                     : kind == XbstreamErrorKind::kTarget ? "target"
                                                          : "other";
  status.SetPayload(kKindPayloadUrl, absl::Cord(name));
  return status;
}

// ---- Writer.

XbstreamSink WritableFileSink(io::WritableFile& file) {
  return [&file](ByteSpan b) { return file.Append(b); };
}

XbstreamSink FdSink(int fd, std::string name) {
  return [fd, name = std::move(name)](ByteSpan b) { return io::WriteAllToFd(fd, name, b); };
}

// One file of the stream: a buffer of up to chunk_size bytes at file offset pos_.
class XbstreamFile final : public io::WritableFile {
 public:
  XbstreamFile(XbstreamWriter& writer, std::string path, bool rewrite)
      : writer_(writer), path_(std::move(path)), flags_(rewrite ? kXbstreamFlagRewrite : 0) {}
  ~XbstreamFile() override {
    if (!closed_) {
      writer_.OnDone(path_, absl::FailedPreconditionError(
                                absl::StrFormat("'%s' was not closed", path_)));
    }
  }

  const std::string& path() const override { return path_; }
  absl::Status Append(ByteSpan data) override { return WriteAt(size_, data); }
  absl::Status WriteAt(uint64_t offset, ByteSpan data) override;
  absl::Status Truncate(uint64_t size) override;
  absl::Status Sync() override { return Usable().ok() ? Remember(Flush()) : Usable(); }
  absl::Status Close() override;

 private:
  absl::Status Usable() const {
    if (closed_) return absl::FailedPreconditionError(absl::StrFormat("'%s' is closed", path_));
    return status_;
  }
  absl::Status Remember(absl::Status s) {
    if (!s.ok() && status_.ok()) status_ = s;
    return s;
  }
  absl::Status Flush();
  absl::Status EmitPayload(uint64_t offset, ByteSpan data);
  absl::Status EmitSeek(uint64_t offset);

  XbstreamWriter& writer_;
  const std::string path_;
  const uint8_t flags_;
  std::vector<uint8_t> buffer_;  // bytes for [pos_, pos_ + buffer_.size())
  uint64_t pos_ = 0;             // the stream's position in the file
  uint64_t size_ = 0;            // the file's size: the end of the furthest write
  absl::Status status_;          // the first failure; the file is then unusable
  bool closed_ = false;
};

absl::Status XbstreamFile::EmitPayload(uint64_t offset, ByteSpan data) {
  std::vector<uint8_t> h = ChunkHeader(XbstreamChunkType::kPayload, flags_, path_, 20);
  const size_t at = kXbstreamHeaderSize + path_.size();
  WriteLe64(h, at, data.size());
  WriteLe64(h, at + 8, offset);
  WriteLe32(h, at + 16, Crc32(data));
  return writer_.Emit(h, data);
}

absl::Status XbstreamFile::EmitSeek(uint64_t offset) {
  std::vector<uint8_t> h = ChunkHeader(XbstreamChunkType::kSeek, flags_, path_, 8);
  WriteLe64(h, kXbstreamHeaderSize + path_.size(), offset);
  return writer_.Emit(h);
}

absl::Status XbstreamFile::Flush() {
  if (buffer_.empty()) return absl::OkStatus();
  TM_RETURN_IF_ERROR(EmitPayload(pos_, buffer_));
  pos_ += buffer_.size();
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status XbstreamFile::WriteAt(uint64_t offset, ByteSpan data) {
  TM_RETURN_IF_ERROR(Usable());
  if (offset != pos_ + buffer_.size()) {
    TM_RETURN_IF_ERROR(Remember(Flush()));
    TM_RETURN_IF_ERROR(Remember(EmitSeek(offset)));
    pos_ = offset;
  }
  size_ = std::max(size_, offset + data.size());
  const size_t chunk = writer_.chunk_size_;
  while (!data.empty()) {
    if (buffer_.empty() && data.size() >= chunk) {  // a whole chunk: no copy
      TM_RETURN_IF_ERROR(Remember(EmitPayload(pos_, data.first(chunk))));
      pos_ += chunk;
      data = data.subspan(chunk);
      continue;
    }
    const size_t take = std::min(chunk - buffer_.size(), data.size());
    buffer_.insert(buffer_.end(), data.begin(), data.begin() + take);
    data = data.subspan(take);
    if (buffer_.size() == chunk) TM_RETURN_IF_ERROR(Remember(Flush()));
  }
  return absl::OkStatus();
}

absl::Status XbstreamFile::Truncate(uint64_t size) {
  TM_RETURN_IF_ERROR(Usable());
  if (size == size_) return absl::OkStatus();
  if (size < size_) {
    return absl::UnimplementedError(absl::StrFormat(
        "truncate '%s' to %d: a file in an xbstream cannot shrink (it has %d bytes)", path_,
        size, size_));
  }
  const uint8_t zero = 0;
  return WriteAt(size - 1, ByteSpan(&zero, 1));
}

absl::Status XbstreamFile::Close() {
  if (closed_) return Usable();
  absl::Status s = status_;
  if (s.ok()) s = Flush();
  if (s.ok()) s = writer_.Emit(ChunkHeader(XbstreamChunkType::kEof, flags_, path_, 0));
  closed_ = true;
  writer_.OnDone(path_, s);
  return s;
}

XbstreamWriter::XbstreamWriter(XbstreamSink sink, size_t chunk_size)
    : sink_(std::move(sink)), chunk_size_(std::max<size_t>(chunk_size, 1)) {}

XbstreamWriter::~XbstreamWriter() = default;

absl::StatusOr<std::unique_ptr<io::WritableFile>> XbstreamWriter::OpenFile(std::string_view path,
                                                                          bool rewrite) {
  TM_RETURN_IF_ERROR(ValidateXbstreamPath(path));
  absl::MutexLock lock(&mu_);
  TM_RETURN_IF_ERROR(sink_status_);
  const std::string p(path);
  if (open_.count(p) > 0 || (!rewrite && written_.count(p) > 0)) {
    return absl::AlreadyExistsError(absl::StrFormat("'%s' is already in the stream", path));
  }
  open_.insert(p);
  written_.insert(p);
  return std::make_unique<XbstreamFile>(*this, p, rewrite);
}

absl::Status XbstreamWriter::WriteFile(std::string_view path, ByteSpan contents) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> file, OpenFile(path));
  absl::Status s = file->Append(contents);
  absl::Status c = file->Close();
  return s.ok() ? c : s;
}

absl::Status XbstreamWriter::Emit(ByteSpan header, ByteSpan payload) {
  absl::MutexLock lock(&mu_);
  TM_RETURN_IF_ERROR(sink_status_);
  sink_status_ = sink_(header);
  if (sink_status_.ok() && !payload.empty()) sink_status_ = sink_(payload);
  if (sink_status_.ok()) bytes_written_ += header.size() + payload.size();
  return sink_status_;
}

void XbstreamWriter::OnDone(const std::string& path, const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  open_.erase(path);
  if (!status.ok() && first_failure_.ok()) {
    first_failure_ = absl::FailedPreconditionError(absl::StrFormat(
        "xbstream: '%s' was not written completely (%s)", path, status.message()));
  }
}

absl::Status XbstreamWriter::Finish() {
  absl::MutexLock lock(&mu_);
  TM_RETURN_IF_ERROR(sink_status_);
  if (!open_.empty()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("xbstream: %d files are still open: '%s'", open_.size(),
                        absl::StrJoin(open_, "', '")));
  }
  return first_failure_;
}

uint64_t XbstreamWriter::bytes_written() const {
  absl::MutexLock lock(&mu_);
  return bytes_written_;
}

absl::Status XbstreamWriter::sink_status() const {
  absl::MutexLock lock(&mu_);
  return sink_status_;
}

// ---- Reader.

absl::Status VerifyXbstreamChecksum(const XbstreamChunk& chunk, std::string_view stream_name) {
  const uint32_t computed = Crc32(chunk.payload);
  if (computed == chunk.checksum) return absl::OkStatus();
  return TagXbstreamError(
      absl::DataLossError(absl::StrFormat(
          "xbstream '%s' at byte %d: chunk of '%s' at file offset %d: checksum mismatch "
          "(stored 0x%08x, computed 0x%08x)",
          stream_name, chunk.stream_offset, chunk.path, chunk.offset, chunk.checksum, computed)),
      XbstreamErrorKind::kCorrupt);
}

XbstreamReader::XbstreamReader(io::ByteSource& in, XbstreamReaderOptions options)
    : in_(in), options_(options), buffer_(kReadBufferSize) {}

absl::Status XbstreamReader::Corrupt(uint64_t at, std::string_view what) const {
  return TagXbstreamError(
      absl::DataLossError(absl::StrFormat("xbstream '%s' at byte %d: %s", in_.name(), at, what)),
      XbstreamErrorKind::kCorrupt);
}

absl::StatusOr<size_t> XbstreamReader::ReadFull(MutableByteSpan out) {
  size_t done = 0;
  while (done < out.size()) {
    if (buffer_pos_ == buffer_end_) {
      if (out.size() - done >= buffer_.size()) {  // large: straight into `out`
        absl::StatusOr<size_t> n = in_.Read(out.subspan(done));
        if (!n.ok()) return TagXbstreamError(n.status(), XbstreamErrorKind::kInput);
        if (*n == 0) break;
        done += *n;
        offset_ += *n;
        continue;
      }
      absl::StatusOr<size_t> n = in_.Read(buffer_);
      if (!n.ok()) return TagXbstreamError(n.status(), XbstreamErrorKind::kInput);
      if (*n == 0) break;
      buffer_pos_ = 0;
      buffer_end_ = *n;
    }
    const size_t take = std::min(out.size() - done, buffer_end_ - buffer_pos_);
    std::memcpy(out.data() + done, buffer_.data() + buffer_pos_, take);
    buffer_pos_ += take;
    done += take;
    offset_ += take;
  }
  return done;
}

// Reads all of `out`, a part of the chunk at `chunk_start` that ends at `chunk_end` (0 when
// not known yet); the end of the input there is a truncated stream.
absl::Status XbstreamReader::Need(MutableByteSpan out, uint64_t chunk_start,
                                  const std::string& path, uint64_t chunk_end) {
  TM_ASSIGN_OR_RETURN(size_t n, ReadFull(out));
  if (n == out.size()) return absl::OkStatus();
  std::string what = path.empty()
                         ? absl::StrFormat("the chunk at byte %d", chunk_start)
                         : absl::StrFormat("the chunk of '%s' at byte %d", path, chunk_start);
  what += chunk_end != 0 ? absl::StrFormat(" ends at byte %d, the input at byte %d", chunk_end,
                                           offset_)
                         : absl::StrFormat(" is cut off at byte %d", offset_);
  return TagXbstreamError(
      absl::OutOfRangeError(absl::StrFormat("truncated stream '%s': %s", in_.name(), what)),
      XbstreamErrorKind::kInput);
}

absl::StatusOr<bool> XbstreamReader::Next(XbstreamChunk& chunk) {
  if (failed_) return absl::FailedPreconditionError("xbstream reader: used after an error");
  for (;;) {
    absl::StatusOr<bool> got = ReadHeader(chunk);
    absl::Status s = got.status();
    if (s.ok() && *got) {
      const uint8_t type = static_cast<uint8_t>(chunk.type);
      s = ReadBody(chunk, type);
      if (s.ok() && !KnownType(type)) {
        ++skipped_;
        continue;
      }
      if (s.ok()) s = CheckOrder(chunk);
      if (s.ok() && options_.verify_checksums && chunk.type == XbstreamChunkType::kPayload) {
        s = VerifyXbstreamChecksum(chunk, in_.name());
      }
    } else if (s.ok()) {
      s = EndOfInput();
    }
    if (!s.ok()) {
      failed_ = true;
      return s;
    }
    return *got;
  }
}

absl::StatusOr<bool> XbstreamReader::ReadHeader(XbstreamChunk& chunk) {
  uint8_t h[kXbstreamHeaderSize];
  chunk.stream_offset = offset_;
  TM_ASSIGN_OR_RETURN(size_t n, ReadFull(h));
  if (n == 0) return false;
  if (n < sizeof(h)) {
    return TagXbstreamError(
        absl::OutOfRangeError(absl::StrFormat(
            "truncated stream '%s': ends at byte %d inside the header of the chunk at byte %d",
            in_.name(), offset_, chunk.stream_offset)),
        XbstreamErrorKind::kInput);
  }
  const ByteSpan hs(h);
  if (std::memcmp(h, kXbstreamMagic.data(), 8) != 0) {
    return Corrupt(chunk.stream_offset,
                   absl::StrFormat("bad chunk magic '%s' (expected '%s')",
                                   Printable(hs.first(8)), kXbstreamMagic));
  }
  chunk.flags = h[8];
  chunk.type = static_cast<XbstreamChunkType>(h[9]);
  const uint32_t path_len = ReadLe32(hs, 10);
  if (path_len > kXbstreamMaxPathLength) {
    return Corrupt(chunk.stream_offset, absl::StrFormat("path length %d exceeds %d", path_len,
                                                        kXbstreamMaxPathLength));
  }
  chunk.path.resize(path_len);
  TM_RETURN_IF_ERROR(Need(MutableByteSpan(reinterpret_cast<uint8_t*>(chunk.path.data()),
                                          path_len),
                          chunk.stream_offset, "", 0));
  const uint8_t type = h[9];
  if (!KnownType(type) && !(chunk.flags & kXbstreamFlagIgnorable)) {
    return Corrupt(chunk.stream_offset,
                   absl::StrFormat("unknown chunk type 0x%02x for '%s' (not ignorable)", type,
                                   Printable(AsBytes(chunk.path))));
  }
  if (KnownType(type)) {
    absl::Status p = ValidateXbstreamPath(chunk.path);
    if (!p.ok()) return Corrupt(chunk.stream_offset, std::string(p.message()));
  }
  return true;
}

absl::Status XbstreamReader::ReadBody(XbstreamChunk& chunk, uint8_t type) {
  chunk.payload.clear();
  chunk.new_path.clear();
  chunk.offset = 0;
  chunk.checksum = 0;
  switch (static_cast<XbstreamChunkType>(type)) {
    case XbstreamChunkType::kEof:
    case XbstreamChunkType::kRemove:
      return absl::OkStatus();
    case XbstreamChunkType::kSeek: {
      uint8_t b[8];
      TM_RETURN_IF_ERROR(Need(b, chunk.stream_offset, chunk.path, offset_ + 8));
      chunk.offset = ReadLe64(b, 0);
      return absl::OkStatus();
    }
    case XbstreamChunkType::kRename: {
      uint8_t b[4];
      TM_RETURN_IF_ERROR(Need(b, chunk.stream_offset, chunk.path, offset_ + 4));
      const uint32_t len = ReadLe32(b, 0);
      if (len == 0 || len > kXbstreamMaxPathLength) {
        return Corrupt(chunk.stream_offset,
                       absl::StrFormat("rename chunk of '%s': new path length %d not in 1..%d",
                                       chunk.path, len, kXbstreamMaxPathLength));
      }
      chunk.new_path.resize(len);
      TM_RETURN_IF_ERROR(
          Need(MutableByteSpan(reinterpret_cast<uint8_t*>(chunk.new_path.data()), len),
               chunk.stream_offset, chunk.path, offset_ + len));
      absl::Status p = ValidateXbstreamPath(chunk.new_path);
      return p.ok() ? p : Corrupt(chunk.stream_offset, std::string(p.message()));
    }
    default:  // P, and unknown ignorable types, which mbstream reads with P's layout
      return ReadPayload(chunk);
  }
}

absl::Status XbstreamReader::ReadPayload(XbstreamChunk& chunk) {
  uint8_t b[20];
  TM_RETURN_IF_ERROR(Need(b, chunk.stream_offset, chunk.path, 0));
  const uint64_t length = ReadLe64(b, 0);
  chunk.offset = ReadLe64(b, 8);
  chunk.checksum = ReadLe32(b, 16);
  if (length > kXbstreamMaxPayload) {
    return Corrupt(chunk.stream_offset, absl::StrFormat("payload length %d of '%s' exceeds %d",
                                                        length, chunk.path, kXbstreamMaxPayload));
  }
  const uint64_t end = offset_ + length;
  // Grow the buffer as bytes arrive: a damaged length on a short stream allocates little.
  while (chunk.payload.size() < length) {
    const size_t old = chunk.payload.size();
    chunk.payload.resize(std::min<uint64_t>(length, old + kPayloadStep));
    TM_RETURN_IF_ERROR(Need(MutableByteSpan(chunk.payload).subspan(old), chunk.stream_offset,
                            chunk.path, end));
  }
  return absl::OkStatus();
}

absl::Status XbstreamReader::CheckOrder(const XbstreamChunk& chunk) {
  auto it = open_.find(chunk.path);
  const bool open = it != open_.end();
  switch (chunk.type) {
    case XbstreamChunkType::kRename:
    case XbstreamChunkType::kRemove:
      if (open || open_.count(chunk.new_path) > 0) {
        return Corrupt(chunk.stream_offset,
                       absl::StrFormat("%s chunk for '%s', which is open",
                                       chunk.type == XbstreamChunkType::kRename ? "rename"
                                                                                : "remove",
                                       open ? chunk.path : chunk.new_path));
      }
      return absl::OkStatus();
    case XbstreamChunkType::kEof:
      if (open) open_.erase(it);
      return absl::OkStatus();
    case XbstreamChunkType::kSeek:
      open_[chunk.path] = chunk.offset;
      return absl::OkStatus();
    default:
      break;
  }
  const uint64_t expected = open ? it->second : 0;
  if (chunk.offset != expected) {
    return Corrupt(chunk.stream_offset,
                   absl::StrFormat("out-of-order chunk of '%s': file offset %d, expected %d",
                                   chunk.path, chunk.offset, expected));
  }
  open_[chunk.path] = expected + chunk.payload.size();
  return absl::OkStatus();
}

absl::Status XbstreamReader::EndOfInput() {
  if (open_.empty()) return absl::OkStatus();
  std::vector<std::string> names;
  for (const auto& [path, next] : open_) names.push_back(path);
  std::sort(names.begin(), names.end());
  return TagXbstreamError(
      absl::OutOfRangeError(absl::StrFormat(
          "truncated stream '%s': ends at byte %d with %d %s not closed by an end chunk: '%s'",
          in_.name(), offset_, names.size(), names.size() == 1 ? "file" : "files",
          absl::StrJoin(names, "', '"))),
      XbstreamErrorKind::kInput);
}

}  // namespace tidemark::engine
