// Encoding, decoding and atomic writing of page-set files (docs/page-tracking.md "The
// page-set file"). The reader trusts nothing: the checksum first, then every count and
// order the encoder guarantees, so a damaged file is named and refused, never half-used.
#include "engine/page_set_file.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "innodb/base/crc32c.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

// Header offsets (docs/page-tracking.md).
constexpr size_t kMagic = 0;
constexpr size_t kVersion = 8;
constexpr size_t kHeaderSizeField = 12;
constexpr size_t kFromLsn = 16;
constexpr size_t kToLsn = 24;
constexpr size_t kChainStart = 32;
constexpr size_t kAnchorFlags = 40;
constexpr size_t kFromAnchor = 44;
constexpr size_t kToAnchor = 48;
constexpr size_t kLogFormat = 52;
constexpr size_t kLogFirstLsn = 56;
constexpr size_t kLogFileSize = 64;
constexpr size_t kLogHeaderCrc = 72;
constexpr size_t kCheckpointLsn = 76;
constexpr size_t kCheckpointEnd = 84;
constexpr size_t kWritten = 92;
constexpr size_t kSpaceCount = 100;
constexpr size_t kPageCount = 104;
constexpr size_t kFileSize = 112;
constexpr size_t kCreator = 120;
constexpr size_t kCreatorSize = 32;
constexpr size_t kReserved = 152;  // 8 bytes, zero
constexpr size_t kReservedSize = 8;
static_assert(kCreator + kCreatorSize == kReserved);
static_assert(kReserved + kReservedSize == kPageSetHeaderSize);

constexpr size_t kSpaceHeaderSize = 12;  // space id, flags, chunk count
constexpr size_t kChunkHeaderSize = 8;   // high, kind, reserved, count
constexpr uint8_t kChunkArray = 0;
constexpr uint8_t kChunkBitmap = 1;
constexpr size_t kTrailerSize = 4;
constexpr size_t kBitmapBytes = PageNumberSet::kBitmapWords * 8;
constexpr char kPrefix[] = "pages-";

void PutBe32(std::vector<uint8_t>& out, uint32_t v) {
  const size_t at = out.size();
  out.resize(at + 4);
  WriteBe32(out, at, v);
}

void PutChunk(std::vector<uint8_t>& out, const PageNumberSet::Chunk& c) {
  const size_t at = out.size();
  out.resize(at + kChunkHeaderSize);
  WriteBe16(out, at, c.high);
  out[at + 2] = c.is_bitmap() ? kChunkBitmap : kChunkArray;
  WriteBe32(out, at + 4, c.count);
  if (!c.is_bitmap()) {
    const size_t data = out.size();
    out.resize(data + 2 * c.array.size());
    for (size_t i = 0; i < c.array.size(); ++i) WriteBe16(out, data + 2 * i, c.array[i]);
    return;
  }
  const size_t data = out.size();
  out.resize(data + kBitmapBytes);
  for (size_t w = 0; w < PageNumberSet::kBitmapWords; ++w) {
    WriteBe64(out, data + 8 * w, c.bitmap[w]);
  }
}

void PutHeader(const PageSetFile& f, MutableByteSpan h) {
  std::memcpy(h.data() + kMagic, kPageSetMagic, sizeof(kPageSetMagic));
  WriteBe32(h, kVersion, kPageSetVersion);
  WriteBe32(h, kHeaderSizeField, kPageSetHeaderSize);
  WriteBe64(h, kFromLsn, f.pages.from_lsn().value());
  WriteBe64(h, kToLsn, f.pages.to_lsn().value());
  WriteBe64(h, kChainStart, f.chain_start.value());
  WriteBe32(h, kAnchorFlags, (f.from_anchor ? 1u : 0u) | (f.to_anchor ? 2u : 0u));
  WriteBe32(h, kFromAnchor, f.from_anchor.value_or(0));
  WriteBe32(h, kToAnchor, f.to_anchor.value_or(0));
  WriteBe32(h, kLogFormat, f.identity.format);
  WriteBe64(h, kLogFirstLsn, f.identity.first_lsn.value());
  WriteBe64(h, kLogFileSize, f.identity.file_size);
  WriteBe32(h, kLogHeaderCrc, f.identity.header_crc);
  WriteBe64(h, kCheckpointLsn, f.checkpoint.checkpoint_lsn.value());
  WriteBe64(h, kCheckpointEnd, f.checkpoint.end_lsn.value());
  WriteBe64(h, kWritten, static_cast<uint64_t>(absl::ToUnixMicros(f.written)));
  WriteBe32(h, kSpaceCount, static_cast<uint32_t>(f.pages.space_count()));
  WriteBe64(h, kPageCount, f.pages.page_count());
  const size_t n = std::min(f.identity.creator.size(), kCreatorSize);
  std::memcpy(h.data() + kCreator, f.identity.creator.data(), n);
}

absl::Status Damaged(std::string_view name, std::string_view what) {
  return absl::DataLossError(absl::StrFormat("page-set file '%s': %s", name, what));
}

// Parses the fixed header into `f` (no checksum, no body).
absl::Status ParseHeader(ByteSpan b, std::string_view name, PageSetFile& f, uint64_t& size,
                         uint32_t& spaces, uint64_t& pages) {
  if (b.size() < kPageSetHeaderSize) {
    return Damaged(name, absl::StrFormat("%d bytes, too short for the %d-byte header", b.size(),
                                         kPageSetHeaderSize));
  }
  if (std::memcmp(b.data(), kPageSetMagic, sizeof(kPageSetMagic)) != 0) {
    return Damaged(name, "bad magic");
  }
  if (const uint32_t v = ReadBe32(b, kVersion); v != kPageSetVersion) {
    return Damaged(name, absl::StrFormat("unsupported version %d", v));
  }
  if (const uint32_t h = ReadBe32(b, kHeaderSizeField); h != kPageSetHeaderSize) {
    return Damaged(name, absl::StrFormat("header size %d, expected %d", h, kPageSetHeaderSize));
  }
  const uint32_t anchors = ReadBe32(b, kAnchorFlags);
  if (anchors > 3) return Damaged(name, absl::StrFormat("unknown anchor flags 0x%x", anchors));
  const ByteSpan reserved = b.subspan(kReserved, kReservedSize);
  if (std::any_of(reserved.begin(), reserved.end(), [](uint8_t x) { return x != 0; })) {
    return Damaged(name, absl::StrFormat("nonzero reserved header bytes at %d", kReserved));
  }
  const Lsn from(ReadBe64(b, kFromLsn)), to(ReadBe64(b, kToLsn));
  if (from > to) {
    return Damaged(name,
                   absl::StrFormat("from_lsn %d is after to_lsn %d", from.value(), to.value()));
  }
  f.pages = ChangedPages(from, to);
  f.chain_start = Lsn(ReadBe64(b, kChainStart));
  if (anchors & 1) f.from_anchor = ReadBe32(b, kFromAnchor);
  if (anchors & 2) f.to_anchor = ReadBe32(b, kToAnchor);
  f.identity.format = ReadBe32(b, kLogFormat);
  f.identity.first_lsn = Lsn(ReadBe64(b, kLogFirstLsn));
  f.identity.file_size = ReadBe64(b, kLogFileSize);
  f.identity.header_crc = ReadBe32(b, kLogHeaderCrc);
  const ByteSpan creator = b.subspan(kCreator, kCreatorSize);
  const auto end = std::find(creator.begin(), creator.end(), uint8_t{0});
  f.identity.creator.assign(creator.begin(), end);
  f.checkpoint = {Lsn(ReadBe64(b, kCheckpointLsn)), Lsn(ReadBe64(b, kCheckpointEnd))};
  f.written = absl::FromUnixMicros(static_cast<int64_t>(ReadBe64(b, kWritten)));
  spaces = ReadBe32(b, kSpaceCount);
  pages = ReadBe64(b, kPageCount);
  size = ReadBe64(b, kFileSize);
  return absl::OkStatus();
}

// A cursor over the body that fails with a message naming where it ran out.
class BodyReader {
 public:
  BodyReader(ByteSpan body, std::string_view name) : body_(body), name_(name) {}
  bool Has(size_t n) const { return body_.size() - pos_ >= n; }
  ByteSpan Take(size_t n) {
    const ByteSpan s = body_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  size_t remaining() const { return body_.size() - pos_; }
  std::string_view name() const { return name_; }

 private:
  ByteSpan body_;
  size_t pos_ = 0;
  std::string_view name_;
};

absl::Status Truncated(const BodyReader& r, uint32_t space) {
  return Damaged(r.name(), absl::StrFormat("truncated in space %d", space));
}

absl::Status BadChunk(const BodyReader& r, uint32_t space, uint16_t high, std::string_view what) {
  return Damaged(r.name(), absl::StrFormat("space %d chunk %d: %s", space, high, what));
}

absl::Status ReadArray(BodyReader& r, uint32_t space, PageNumberSet::Chunk& c) {
  if (c.count == 0 || c.count > PageNumberSet::kArrayMax) {
    return BadChunk(r, space, c.high, absl::StrFormat("array of %d pages", c.count));
  }
  if (!r.Has(2 * size_t{c.count})) return Truncated(r, space);
  const ByteSpan data = r.Take(2 * size_t{c.count});
  c.array.resize(c.count);
  for (size_t i = 0; i < c.count; ++i) {
    c.array[i] = ReadBe16(data, 2 * i);
    if (i > 0 && c.array[i] <= c.array[i - 1]) {
      return BadChunk(r, space, c.high, "array not ascending");
    }
  }
  return absl::OkStatus();
}

absl::Status ReadBitmap(BodyReader& r, uint32_t space, PageNumberSet::Chunk& c) {
  if (!r.Has(kBitmapBytes)) return Truncated(r, space);
  const ByteSpan data = r.Take(kBitmapBytes);
  c.bitmap.resize(PageNumberSet::kBitmapWords);
  uint32_t bits = 0;
  for (size_t w = 0; w < c.bitmap.size(); ++w) {
    c.bitmap[w] = ReadBe64(data, 8 * w);
    bits += static_cast<uint32_t>(__builtin_popcountll(c.bitmap[w]));
  }
  // A bitmap holds more pages than an array may (the encoder's rule), and its count.
  if (bits != c.count || c.count <= PageNumberSet::kArrayMax) {
    return BadChunk(r, space, c.high,
                    absl::StrFormat("bitmap of %d pages, count %d", bits, c.count));
  }
  return absl::OkStatus();
}

absl::StatusOr<PageNumberSet::Chunk> ReadChunk(BodyReader& r, uint32_t space) {
  if (!r.Has(kChunkHeaderSize)) return Truncated(r, space);
  const ByteSpan h = r.Take(kChunkHeaderSize);
  PageNumberSet::Chunk c;
  c.high = ReadBe16(h, 0);
  c.count = ReadBe32(h, 4);
  if (h[3] != 0) return BadChunk(r, space, c.high, "nonzero reserved byte");
  if (h[2] == kChunkArray) {
    TM_RETURN_IF_ERROR(ReadArray(r, space, c));
  } else if (h[2] == kChunkBitmap) {
    TM_RETURN_IF_ERROR(ReadBitmap(r, space, c));
  } else {
    return BadChunk(r, space, c.high, absl::StrFormat("unknown kind %d", h[2]));
  }
  return c;
}

absl::Status ReadSpace(BodyReader& r, uint32_t index, uint32_t& last_space, ChangedPages& out) {
  if (!r.Has(kSpaceHeaderSize)) {
    return Damaged(r.name(), absl::StrFormat("truncated at space #%d", index));
  }
  const ByteSpan h = r.Take(kSpaceHeaderSize);
  const uint32_t space = ReadBe32(h, 0), flags = ReadBe32(h, 4), chunks = ReadBe32(h, 8);
  if (index > 0 && space <= last_space) {
    return Damaged(r.name(), absl::StrFormat("space %d listed after space %d", space, last_space));
  }
  last_space = space;
  if (flags & ~kAllSpaceFlags) {
    return Damaged(r.name(), absl::StrFormat("space %d has unknown flags 0x%x", space, flags));
  }
  if (flags == 0 && chunks == 0) {
    return Damaged(r.name(), absl::StrFormat("space %d has neither pages nor flags", space));
  }
  PageNumberSet pages;
  int last_high = -1;
  for (uint32_t i = 0; i < chunks; ++i) {
    TM_ASSIGN_OR_RETURN(PageNumberSet::Chunk c, ReadChunk(r, space));
    if (int{c.high} <= last_high) {
      return Damaged(r.name(), absl::StrFormat("space %d chunk %d listed after chunk %d", space,
                                               c.high, last_high));
    }
    last_high = c.high;
    pages.AppendChunk(std::move(c));
  }
  out.SetSpace(SpaceId(space), flags, std::move(pages));
  return absl::OkStatus();
}

}  // namespace

std::string LogIdentity::Describe() const {
  return absl::StrFormat("first_lsn %d, %d bytes, '%s', header crc 0x%08x", first_lsn.value(),
                         file_size, creator, header_crc);
}

LogIdentity IdentityOf(const innodb::LogHeader& h, uint64_t file_size) {
  std::vector<uint8_t> block(innodb::kLogHeaderBlockSize);
  innodb::WriteLogHeader(h, block);
  LogIdentity id;
  id.format = h.format;
  id.first_lsn = h.first_lsn;
  id.file_size = file_size;
  id.creator = h.creator.substr(0, kCreatorSize);
  id.header_crc = ReadBe32(block, innodb::kLogHeaderChecksum);
  return id;
}

std::vector<uint8_t> EncodePageSetFile(const PageSetFile& f) {
  std::vector<uint8_t> out(kPageSetHeaderSize);
  for (SpaceId id : f.pages.spaces()) {
    const PageNumberSet& pages = f.pages.pages(id);
    PutBe32(out, id.value());
    PutBe32(out, f.pages.flags(id));
    PutBe32(out, static_cast<uint32_t>(pages.chunks().size()));
    for (const PageNumberSet::Chunk& c : pages.chunks()) PutChunk(out, c);
  }
  PutHeader(f, out);
  WriteBe64(out, kFileSize, out.size() + kTrailerSize);
  PutBe32(out, Crc32c(out));
  return out;
}

absl::StatusOr<PageSetFile> DecodePageSetFile(ByteSpan b, std::string_view name) {
  PageSetFile f;
  uint64_t size = 0, pages = 0;
  uint32_t spaces = 0;
  TM_RETURN_IF_ERROR(ParseHeader(b, name, f, size, spaces, pages));
  if (size != b.size()) {
    return Damaged(name, absl::StrFormat("%d bytes, the header says %d", b.size(), size));
  }
  if (b.size() < kPageSetHeaderSize + kTrailerSize) {
    return Damaged(name, absl::StrFormat("%d bytes, too short for header and checksum", b.size()));
  }
  const ByteSpan covered = b.first(b.size() - kTrailerSize);
  const uint32_t stored = ReadBe32(b, covered.size()), computed = Crc32c(covered);
  if (stored != computed) {
    return Damaged(name, absl::StrFormat("checksum mismatch (stored 0x%08x, computed 0x%08x)",
                                         stored, computed));
  }
  BodyReader r(covered.subspan(kPageSetHeaderSize), name);
  uint32_t last_space = 0;
  for (uint32_t i = 0; i < spaces; ++i) TM_RETURN_IF_ERROR(ReadSpace(r, i, last_space, f.pages));
  if (r.remaining() != 0) {
    return Damaged(name, absl::StrFormat("%d bytes after the last space", r.remaining()));
  }
  if (f.pages.page_count() != pages) {
    return Damaged(name, absl::StrFormat("page count %d in the header, %d in the sets", pages,
                                         f.pages.page_count()));
  }
  return f;
}

std::string PageSetFileName(Lsn from, Lsn to) {
  return absl::StrFormat("%s%020d-%020d%s", kPrefix, from.value(), to.value(), kPageSetSuffix);
}

std::optional<std::pair<Lsn, Lsn>> ParsePageSetFileName(std::string_view name) {
  const std::string_view prefix = kPrefix, suffix = kPageSetSuffix;
  if (name.size() != prefix.size() + 41 + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix) || name[prefix.size() + 20] != '-') {
    return std::nullopt;
  }
  const std::string_view from_text = name.substr(prefix.size(), 20);
  const std::string_view to_text = name.substr(prefix.size() + 21, 20);
  uint64_t from = 0, to = 0;
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(from_text) || !digits(to_text) || !absl::SimpleAtoi(std::string(from_text), &from) ||
      !absl::SimpleAtoi(std::string(to_text), &to) || from > to) {
    return std::nullopt;
  }
  return std::make_pair(Lsn(from), Lsn(to));
}

absl::StatusOr<std::string> WritePageSetFile(io::FileSystem& fs, std::string_view dir,
                                             const PageSetFile& file) {
  const std::string path =
      io::JoinPath(dir, PageSetFileName(file.pages.from_lsn(), file.pages.to_lsn()));
  const std::string tmp = path + ".tmp";
  const std::vector<uint8_t> bytes = EncodePageSetFile(file);
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> f, fs.OpenForWrite(tmp));
  absl::Status s = f->Append(bytes);
  if (s.ok()) s = f->Sync();
  if (absl::Status c = f->Close(); s.ok()) s = c;
  if (s.ok()) s = fs.Rename(tmp, path);
  if (!s.ok()) {
    fs.RemoveFile(tmp).IgnoreError();
    return s;
  }
  TM_RETURN_IF_ERROR(fs.SyncDir(dir));
  return path;
}

absl::StatusOr<PageSetFile> ReadPageSetFile(io::FileSystem& fs, std::string_view path) {
  TM_ASSIGN_OR_RETURN(const std::string text, io::ReadFileToString(fs, path));
  return DecodePageSetFile(ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                           path);
}

absl::StatusOr<PageSetFile> ReadPageSetHeader(io::FileSystem& fs, std::string_view path) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, fs.OpenForRead(path));
  std::vector<uint8_t> header(kPageSetHeaderSize);
  TM_ASSIGN_OR_RETURN(const size_t n, file->ReadAt(0, header));
  PageSetFile f;
  uint64_t size = 0, pages = 0;
  uint32_t spaces = 0;
  TM_RETURN_IF_ERROR(ParseHeader(ByteSpan(header).first(n), path, f, size, spaces, pages));
  return f;
}

}  // namespace tidemark::engine
