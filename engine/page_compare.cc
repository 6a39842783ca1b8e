// Page comparison: which bytes of two page images differ and which named header fields
// they fall in (fil0fil.h, page0page.h, fsp0fsp.h, trx0undo.h of MariaDB 10.11), and the
// walk over two directories that pairs files and compares them. The masks applied here are
// documented in docs/compare.md, with the evidence for each.
#include "engine/page_compare.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <optional>
#include <thread>
#include <tuple>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/tablespace_finder.h"
#include "innodb/base/status.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/fsp/space_flags.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/page_verdict.h"
#include "innodb/redo/log_file.h"

namespace tidemark::engine {

namespace {

struct NamedField {
  const char* name;
  uint32_t offset;
  uint32_t length;
};

// FIL header (fil0fil.h).
constexpr NamedField kFilFields[] = {
    {"FIL_PAGE_SPACE_OR_CHKSUM", 0, 4}, {"FIL_PAGE_OFFSET", 4, 4},    {"FIL_PAGE_PREV", 8, 4},
    {"FIL_PAGE_NEXT", 12, 4},           {"FIL_PAGE_LSN", 16, 8},      {"FIL_PAGE_TYPE", 24, 2},
    {"FIL_PAGE_FILE_FLUSH_LSN", 26, 8}, {"FIL_PAGE_SPACE_ID", 34, 4},
};
// PAGE_HEADER of index pages, at 38 (page0page.h).
constexpr NamedField kIndexFields[] = {
    {"PAGE_N_DIR_SLOTS", 38, 2}, {"PAGE_HEAP_TOP", 40, 2},      {"PAGE_N_HEAP", 42, 2},
    {"PAGE_FREE", 44, 2},        {"PAGE_GARBAGE", 46, 2},       {"PAGE_LAST_INSERT", 48, 2},
    {"PAGE_INSTANT", 50, 1},     {"PAGE_DIRECTION_B", 51, 1},   {"PAGE_N_DIRECTION", 52, 2},
    {"PAGE_N_RECS", 54, 2},      {"PAGE_MAX_TRX_ID", 56, 8},    {"PAGE_LEVEL", 64, 2},
    {"PAGE_INDEX_ID", 66, 8},    {"PAGE_BTR_SEG_LEAF", 74, 10}, {"PAGE_BTR_SEG_TOP", 84, 10},
};
// FSP header of page 0, at 38 (fsp0fsp.h).
constexpr NamedField kFspFields[] = {
    {"FSP_SPACE_ID", 38, 4},   {"FSP_NOT_USED", 42, 4},          {"FSP_SIZE", 46, 4},
    {"FSP_FREE_LIMIT", 50, 4}, {"FSP_SPACE_FLAGS", 54, 4},       {"FSP_FRAG_N_USED", 58, 4},
    {"FSP_FREE", 62, 16},      {"FSP_FREE_FRAG", 78, 16},        {"FSP_FULL_FRAG", 94, 16},
    {"FSP_SEG_ID", 110, 8},    {"FSP_SEG_INODES_FULL", 118, 16}, {"FSP_SEG_INODES_FREE", 134, 16},
};
// Undo page header, at 38 (trx0undo.h).
constexpr NamedField kUndoFields[] = {
    {"TRX_UNDO_PAGE_TYPE", 38, 2},
    {"TRX_UNDO_PAGE_START", 40, 2},
    {"TRX_UNDO_PAGE_FREE", 42, 2},
    {"TRX_UNDO_PAGE_NODE", 44, 12},
};

bool Overlaps(const ByteRange& r, uint32_t offset, uint32_t length) {
  return r.begin < offset + length && offset < r.end;
}

bool InMask(const std::vector<ByteRange>& mask, uint32_t i) {
  for (const ByteRange& m : mask) {
    if (i >= m.begin && i < m.end) return true;
  }
  return false;
}

// All differing ranges, merging differences less than 8 bytes apart.
std::vector<ByteRange> DifferingRanges(ByteSpan a, ByteSpan b, const std::vector<ByteRange>& mask,
                                       uint32_t* count) {
  std::vector<ByteRange> ranges;
  *count = 0;
  for (uint32_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i] || InMask(mask, i)) continue;
    ++*count;
    if (!ranges.empty() && i < ranges.back().end + 8) {
      ranges.back().end = i + 1;
    } else {
      ranges.push_back({i, i + 1});
    }
  }
  return ranges;
}

// The named fields of a page of `type` in a tablespace with these flags, plus the trailer.
std::vector<NamedField> FieldsFor(uint16_t type, const innodb::SpaceFlags& flags, uint32_t size) {
  std::vector<NamedField> fields(std::begin(kFilFields), std::end(kFilFields));
  auto add = [&](const auto& table) {
    fields.insert(fields.end(), std::begin(table), std::end(table));
  };
  if (innodb::IsIndexPageType(type, flags.flavor())) add(kIndexFields);
  if (type == innodb::kPageTypeFspHdr) add(kFspFields);
  if (type == innodb::kPageTypeUndoLog) add(kUndoFields);
  if (!flags.page_size.is_compressed() && size >= 46) {
    if (flags.full_crc32()) {
      fields.push_back({"FIL_PAGE_FCRC32_END_LSN", size - 8, 4});
      fields.push_back({"FIL_PAGE_FCRC32_CHECKSUM", size - 4, 4});
    } else {
      fields.push_back({"FIL_PAGE_END_LSN_OLD_CHKSUM", size - 8, 8});
    }
  }
  return fields;
}

// "XDES[n]" for every extent descriptor touched by `r` on an FSP_HDR or XDES page.
void AddXdesNames(const ByteRange& r, const innodb::SpaceFlags& flags,
                  std::vector<std::string>& names) {
  const uint32_t entry = innodb::XdesEntrySize(flags.page_size.logical());
  const uint32_t entries =
      flags.page_size.physical() / innodb::ExtentPages(flags.page_size.logical());
  const uint32_t end = innodb::kXdesArrOffset + entries * entry;
  for (uint32_t i = std::max<uint32_t>(r.begin, innodb::kXdesArrOffset); i < std::min(r.end, end);
       i += entry - (i - innodb::kXdesArrOffset) % entry) {
    std::string name = absl::StrFormat("XDES[%u]", (i - innodb::kXdesArrOffset) / entry);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
}

}  // namespace

CompareClass ClassifyForCompare(std::string_view rel) {
  const bool root = rel.find('/') == std::string_view::npos;
  std::string_view name =
      rel.substr(rel.rfind('/') == std::string_view::npos ? 0 : rel.rfind('/') + 1);
  if (root && name.substr(0, 5) == "ibtmp") return CompareClass::kIgnored;
  if (root && name.substr(0, 10) == "ib_logfile" && name.size() > 10 &&
      std::all_of(name.begin() + 10, name.end(), [](char c) { return std::isdigit(c); })) {
    return CompareClass::kRedoLog;
  }
  const TablespaceKind kind = KindFromName(name);
  if (kind == TablespaceKind::kFilePerTable) return CompareClass::kTablespace;
  if (root && (kind == TablespaceKind::kSystem || kind == TablespaceKind::kUndo)) {
    return CompareClass::kTablespace;
  }
  return CompareClass::kOther;
}

PageDifference DiffPage(ByteSpan a, ByteSpan b, uint32_t raw_flags,
                        const std::vector<ByteRange>& mask) {
  PageDifference d;
  if (a.size() >= innodb::kFilPageData) d.type_a = ReadBe16(a, innodb::kFilPageType);
  if (b.size() >= innodb::kFilPageData) d.type_b = ReadBe16(b, innodb::kFilPageType);
  const std::vector<ByteRange> all = DifferingRanges(a, b, mask, &d.differing_bytes);
  d.ranges.assign(all.begin(), all.begin() + std::min(all.size(), PageDifference::kMaxRanges));
  auto decoded = innodb::DecodeSpaceFlags(raw_flags);
  const innodb::SpaceFlags flags = decoded.ok() ? *decoded : innodb::SpaceFlags{};
  const auto fields = FieldsFor(d.type_a, flags, static_cast<uint32_t>(a.size()));
  const bool xdes = d.type_a == innodb::kPageTypeFspHdr || d.type_a == innodb::kPageTypeXdes;
  bool body = false;
  for (const ByteRange& r : all) {
    bool named = false;
    for (const NamedField& f : fields) {
      if (!Overlaps(r, f.offset, f.length)) continue;
      named = true;
      if (std::find(d.fields.begin(), d.fields.end(), f.name) == d.fields.end()) {
        d.fields.push_back(f.name);
      }
    }
    const size_t before = d.fields.size();
    if (xdes) AddXdesNames(r, flags, d.fields);
    // A range reaching past its named fields into the body counts as body too.
    uint32_t covered = 0;
    for (const NamedField& f : fields) {
      const uint32_t lo = std::max(r.begin, f.offset), hi = std::min(r.end, f.offset + f.length);
      if (lo < hi) covered += hi - lo;
    }
    if (!named && d.fields.size() == before) body = true;
    if (named && covered < r.end - r.begin && d.fields.size() == before) body = true;
  }
  if (body) d.fields.push_back("body");
  return d;
}

namespace {

struct CompareSides {
  std::string dir_a, dir_b;
};

// A tablespace as the files it has on both sides: the ibdata files form one, in numeric
// order; every other tablespace file is its own.
struct TablespaceGroup {
  std::vector<std::string> files;
  bool system = false;
};

// The files of one side of a tablespace, read as one sequence of pages.
class SpaceSide {
 public:
  static absl::StatusOr<SpaceSide> Open(io::FileSystem& fs, const std::string& dir,
                                        const std::vector<std::string>& files) {
    SpaceSide side;
    for (const std::string& rel : files) {
      const std::string path = io::JoinPath(dir, rel);
      TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> f, fs.OpenForRead(path));
      TM_ASSIGN_OR_RETURN(uint64_t size, f->Size());
      side.files_.push_back(std::move(f));
      side.sizes_.push_back(size);
    }
    return side;
  }
  io::RandomAccessFile& file(size_t i) { return *files_[i]; }
  uint64_t size(size_t i) const { return sizes_[i]; }

  // Reads `buf.size()` bytes at byte `offset` of file i; zeros past its end.
  absl::Status ReadAt(size_t i, uint64_t offset, MutableByteSpan buf) {
    TM_ASSIGN_OR_RETURN(size_t n, files_[i]->ReadAt(offset, buf));
    std::fill(buf.begin() + n, buf.end(), 0);
    return absl::OkStatus();
  }
  // Reads page `page_no` of the tablespace (numbered across the files); false past the end.
  absl::StatusOr<bool> ReadPage(uint32_t page_no, uint32_t physical, MutableByteSpan buf) {
    uint64_t first = 0;
    for (size_t i = 0; i < files_.size(); ++i) {
      const uint64_t pages = sizes_[i] / physical;
      if (page_no < first + pages) {
        TM_RETURN_IF_ERROR(ReadAt(i, (page_no - first) * physical, buf));
        return true;
      }
      first += pages;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<io::RandomAccessFile>> files_;
  std::vector<uint64_t> sizes_;
};

// Whether pages are free in one side's extent descriptors (fseg_page_is_allocated,
// fsp0fsp.cc: beyond FSP_SIZE or FSP_FREE_LIMIT, or the XDES_FREE_BIT set).
class FreePageMap {
 public:
  FreePageMap(SpaceSide& side, const innodb::SpaceFlags& flags, ByteSpan page0)
      : side_(side), flags_(flags) {
    auto header = innodb::ParseFspHeader(page0);
    if (header.ok()) {
      known_ = true;
      size_ = header->size;
      free_limit_ = header->free_limit;
    }
  }
  // False when unknown (page 0 does not parse): nothing is masked then.
  absl::StatusOr<bool> IsFree(uint32_t page_no) {
    if (!known_) return false;
    if (page_no >= size_ || page_no >= free_limit_) return true;
    const uint32_t physical = flags_.page_size.physical();
    const uint32_t xdes_no = page_no - page_no % physical;
    if (!xdes_.count(xdes_no)) {
      std::vector<uint8_t> page(physical);
      TM_ASSIGN_OR_RETURN(bool found, side_.ReadPage(xdes_no, physical, page));
      if (!found) return false;
      xdes_[xdes_no] = std::move(page);
    }
    return innodb::XdesPageIsFree(xdes_[xdes_no], flags_, page_no);
  }

 private:
  SpaceSide& side_;
  innodb::SpaceFlags flags_;
  bool known_ = false;
  uint32_t size_ = 0, free_limit_ = 0;
  std::map<uint32_t, std::vector<uint8_t>> xdes_;
};

// The ranges of the checksum fields, which a masked field difference also changes.
std::vector<ByteRange> ChecksumRanges(const innodb::SpaceFlags& flags, uint32_t size) {
  if (flags.page_size.is_compressed()) return {{0, 4}};
  if (flags.full_crc32()) return {{size - 4, size}};
  return {{0, 4}, {size - 8, size - 4}};
}

bool ChecksumValid(ByteSpan page, const innodb::SpaceContext& ctx, uint32_t page_no) {
  const innodb::PageVerdict v = innodb::ValidatePage(page, ctx, page_no);
  return v == innodb::PageVerdict::kOk || v == innodb::PageVerdict::kAllZero;
}

// Compares one tablespace; a partial report with its counts and lists.
class GroupComparer {
 public:
  GroupComparer(const TablespaceGroup& group, const CompareOptions& options, SpaceSide& a,
                SpaceSide& b)
      : group_(group), options_(options), a_(a), b_(b) {}

  absl::StatusOr<CompareReport> Run() {
    TM_RETURN_IF_ERROR(LearnFormat());
    uint32_t base = 0;
    for (size_t i = 0; i < group_.files.size(); ++i) {
      TM_RETURN_IF_ERROR(CompareFile(i, base));
      base += static_cast<uint32_t>(a_.size(i) / physical_);
    }
    report_.tablespace_files = group_.files.size();
    return std::move(report_);
  }

 private:
  // Page size and flags from side A's page 0; classic 16 KiB when it does not decode.
  absl::Status LearnFormat() {
    std::vector<uint8_t> head(64, 0);
    TM_RETURN_IF_ERROR(a_.ReadAt(0, 0, head));
    raw_flags_ = innodb::ReadRawSpaceFlags(head);
    auto flags = innodb::DecodeSpaceFlags(raw_flags_);
    if (!flags.ok()) raw_flags_ = 0;
    flags_ = flags.ok() ? *flags : *innodb::DecodeSpaceFlags(0);
    physical_ = flags_.page_size.physical();
    page0_a_.resize(physical_);
    page0_b_.resize(physical_);
    TM_RETURN_IF_ERROR(a_.ReadAt(0, 0, page0_a_));
    TM_RETURN_IF_ERROR(b_.ReadAt(0, 0, page0_b_));
    ctx_ = {.flags = flags_,
            .space_id = SpaceId(ReadBe32(page0_a_, innodb::kFilPageArchLogNoOrSpaceId))};
    free_a_.emplace(a_, flags_, page0_a_);
    free_b_.emplace(b_, flags_, page0_b_);
    return absl::OkStatus();
  }

  absl::Status CompareFile(size_t i, uint32_t base) {
    const uint64_t common = std::min(a_.size(i), b_.size(i));
    const uint64_t chunk =
        std::max<uint64_t>(physical_, options_.chunk_bytes / physical_ * physical_);
    std::vector<uint8_t> buf_a(chunk), buf_b(chunk);
    for (uint64_t off = 0; off < common; off += chunk) {
      const size_t n = static_cast<size_t>(std::min(chunk, common - off));
      TM_RETURN_IF_ERROR(Annotated(a_.ReadAt(i, off, std::span(buf_a).first(n)), i));
      TM_RETURN_IF_ERROR(Annotated(b_.ReadAt(i, off, std::span(buf_b).first(n)), i));
      for (size_t p = 0; p < n; p += physical_) {
        const size_t len = std::min<size_t>(physical_, n - p);
        ++report_.pages_compared;
        if (std::equal(buf_a.begin() + p, buf_a.begin() + p + len, buf_b.begin() + p)) continue;
        const uint32_t page_no = base + static_cast<uint32_t>((off + p) / physical_);
        TM_RETURN_IF_ERROR(
            Judge(i, page_no, std::span(buf_a).subspan(p, len), std::span(buf_b).subspan(p, len)));
      }
    }
    if (a_.size(i) != b_.size(i)) return RecordSizeDifference(i, common);
    return absl::OkStatus();
  }

  absl::Status Annotated(absl::Status s, size_t i) {
    return Annotate(s, absl::StrFormat("compare '%s'", group_.files[i]));
  }

  absl::Status Judge(size_t i, uint32_t page_no, ByteSpan a, ByteSpan b) {
    std::vector<ByteRange> mask;
    if (group_.system && page_no == 0) mask.push_back({26, 34});  // FIL_PAGE_FILE_FLUSH_LSN
    if (!mask.empty() && a.size() == physical_) {
      std::vector<ByteRange> with_checksum = mask;
      for (const ByteRange& r : ChecksumRanges(flags_, physical_)) with_checksum.push_back(r);
      if (DiffPage(a, b, raw_flags_, with_checksum).differing_bytes == 0) {
        if (ChecksumValid(a, ctx_, page_no) && ChecksumValid(b, ctx_, page_no)) {
          ++report_.masked_field_pages;
          return absl::OkStatus();
        }
        mask.clear();  // a page with a bad checksum is not excused by the mask
      }
    }
    PageDifference d = DiffPage(a, b, raw_flags_, mask);
    d.file = group_.files[i];
    d.page_no = page_no;
    TM_ASSIGN_OR_RETURN(bool free_a, free_a_->IsFree(page_no));
    TM_ASSIGN_OR_RETURN(bool free_b, free_b_->IsFree(page_no));
    const bool is_free = free_a && free_b;
    uint64_t& count = is_free ? report_.differing_free_pages : report_.differing_pages;
    std::vector<PageDifference>& list = is_free ? report_.free_pages : report_.pages;
    ++count;
    if (list.size() < options_.max_report) list.push_back(std::move(d));
    return absl::OkStatus();
  }

  // The longer side's tail: all zero or not.
  absl::Status RecordSizeDifference(size_t i, uint64_t common) {
    SpaceSide& longer = a_.size(i) > b_.size(i) ? a_ : b_;
    const uint64_t end = std::max(a_.size(i), b_.size(i));
    bool zero = true;
    std::vector<uint8_t> buf(std::max<uint64_t>(physical_, options_.chunk_bytes));
    for (uint64_t off = common; off < end && zero; off += buf.size()) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - off));
      TM_RETURN_IF_ERROR(Annotated(longer.ReadAt(i, off, std::span(buf).first(n)), i));
      zero = std::all_of(buf.begin(), buf.begin() + n, [](uint8_t c) { return c == 0; });
    }
    report_.tablespace_size_differences.push_back({.file = group_.files[i],
                                                   .size_a = a_.size(i),
                                                   .size_b = b_.size(i),
                                                   .tail_all_zero = zero});
    return absl::OkStatus();
  }

  const TablespaceGroup& group_;
  const CompareOptions& options_;
  SpaceSide& a_;
  SpaceSide& b_;
  uint32_t raw_flags_ = 0;
  innodb::SpaceFlags flags_;
  innodb::SpaceContext ctx_;
  uint32_t physical_ = 16384;
  std::vector<uint8_t> page0_a_, page0_b_;
  std::optional<FreePageMap> free_a_, free_b_;
  CompareReport report_;
};

absl::StatusOr<CompareReport> CompareTablespaceGroup(io::FileSystem& fs, const CompareSides& sides,
                                                     const TablespaceGroup& group,
                                                     const CompareOptions& options) {
  TM_ASSIGN_OR_RETURN(SpaceSide a, SpaceSide::Open(fs, sides.dir_a, group.files));
  TM_ASSIGN_OR_RETURN(SpaceSide b, SpaceSide::Open(fs, sides.dir_b, group.files));
  return GroupComparer(group, options, a, b).Run();
}

void MergeTablespaceReport(CompareReport& part, CompareReport& into) {
  into.tablespace_files += part.tablespace_files;
  into.pages_compared += part.pages_compared;
  into.differing_pages += part.differing_pages;
  into.masked_field_pages += part.masked_field_pages;
  into.differing_free_pages += part.differing_free_pages;
  auto move = [](auto& from, auto& to) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  move(part.pages, into.pages);
  move(part.free_pages, into.free_pages);
  move(part.tablespace_size_differences, into.tablespace_size_differences);
}

// Byte comparison of a non-InnoDB file present on both sides.
absl::Status CompareOtherFile(io::FileSystem& fs, const CompareSides& sides, const std::string& rel,
                              uint64_t size_a, uint64_t size_b, const CompareOptions& options,
                              CompareReport& report) {
  ++report.other_files;
  if (size_a != size_b) {
    report.other_size_differences.push_back({.file = rel, .size_a = size_a, .size_b = size_b});
    return absl::OkStatus();
  }
  TM_ASSIGN_OR_RETURN(SpaceSide a, SpaceSide::Open(fs, sides.dir_a, {rel}));
  TM_ASSIGN_OR_RETURN(SpaceSide b, SpaceSide::Open(fs, sides.dir_b, {rel}));
  std::vector<uint8_t> buf_a(options.chunk_bytes), buf_b(options.chunk_bytes);
  for (uint64_t off = 0; off < size_a; off += buf_a.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf_a.size(), size_a - off));
    TM_RETURN_IF_ERROR(Annotate(a.ReadAt(0, off, std::span(buf_a).first(n)),
                                absl::StrFormat("compare '%s'", rel)));
    TM_RETURN_IF_ERROR(Annotate(b.ReadAt(0, off, std::span(buf_b).first(n)),
                                absl::StrFormat("compare '%s'", rel)));
    auto [ia, ib] = std::mismatch(buf_a.begin(), buf_a.begin() + n, buf_b.begin());
    if (ia != buf_a.begin() + n) {
      report.other_differences.push_back({.file = rel, .first_offset = off + (ia - buf_a.begin())});
      break;
    }
  }
  return absl::OkStatus();
}

// Header and checkpoint of one side's ib_logfile0, when they parse.
void ParseRedoHead(SpaceSide& side, uint64_t* checkpoint, uint64_t* end, std::string* creator) {
  if (side.size(0) < innodb::kLogStartOffset) return;
  std::vector<uint8_t> head(innodb::kLogStartOffset);
  if (!side.ReadAt(0, 0, head).ok()) return;
  auto parsed = innodb::ParseLogFileHead(head);
  if (!parsed.ok()) return;
  *checkpoint = parsed->checkpoint.checkpoint_lsn.value();
  *end = parsed->checkpoint.end_lsn.value();
  *creator = parsed->header.creator;
}

absl::Status CompareRedoLogs(io::FileSystem& fs, const CompareSides& sides, bool in_a, bool in_b,
                             const CompareOptions& options, RedoComparison& redo) {
  redo.present_a = in_a;
  redo.present_b = in_b;
  if (!in_a || !in_b) return absl::OkStatus();
  const std::string name = "ib_logfile0";
  TM_ASSIGN_OR_RETURN(SpaceSide a, SpaceSide::Open(fs, sides.dir_a, {name}));
  TM_ASSIGN_OR_RETURN(SpaceSide b, SpaceSide::Open(fs, sides.dir_b, {name}));
  redo.size_a = a.size(0);
  redo.size_b = b.size(0);
  ParseRedoHead(a, &redo.checkpoint_lsn_a, &redo.end_lsn_a, &redo.creator_a);
  ParseRedoHead(b, &redo.checkpoint_lsn_b, &redo.end_lsn_b, &redo.creator_b);
  CompareReport scratch;
  TM_RETURN_IF_ERROR(CompareOtherFile(fs, sides, name, redo.size_a, redo.size_b, options, scratch));
  redo.bytes_equal = scratch.OtherFilesEqual();
  return absl::OkStatus();
}

// Every regular file and directory under `root`, by relative path ("db/t.ibd", "db/").
absl::Status Walk(io::FileSystem& fs, const std::string& root, const std::string& rel,
                  std::map<std::string, uint64_t>& out) {
  const std::string dir = rel.empty() ? root : io::JoinPath(root, rel);
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
    const std::string path = io::JoinPath(dir, e.name);
    const io::FileType type = io::FollowedType(fs, path, e);
    if (type == io::FileType::kDirectory) {
      out[child + "/"] = 0;
      TM_RETURN_IF_ERROR(Walk(fs, root, child, out));
    } else if (type == io::FileType::kRegular) {
      TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(path));
      out[child] = info.size;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDirectory(io::FileSystem& fs, const std::string& dir) {
  TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(dir));
  if (info.type != io::FileType::kDirectory) {
    return absl::InvalidArgumentError(absl::StrFormat("'%s' is not a directory", dir));
  }
  return absl::OkStatus();
}

std::vector<TablespaceGroup> GroupTablespaces(const std::vector<std::string>& common) {
  std::vector<TablespaceGroup> groups;
  std::vector<std::pair<int, std::string>> ibdata;
  for (const std::string& rel : common) {
    if (rel.find('/') == std::string::npos && KindFromName(rel) == TablespaceKind::kSystem) {
      ibdata.emplace_back(std::stoi(rel.substr(6)), rel);
    } else {
      groups.push_back({.files = {rel}, .system = false});
    }
  }
  std::sort(ibdata.begin(), ibdata.end());
  if (!ibdata.empty()) {
    TablespaceGroup sys{.files = {}, .system = true};
    for (auto& [n, rel] : ibdata) sys.files.push_back(rel);
    groups.insert(groups.begin(), std::move(sys));
  }
  return groups;
}

void SortAndCap(std::vector<PageDifference>& pages, size_t max) {
  std::sort(pages.begin(), pages.end(), [](const PageDifference& x, const PageDifference& y) {
    return std::tie(x.file, x.page_no) < std::tie(y.file, y.page_no);
  });
  if (pages.size() > max) pages.resize(max);
}

absl::Status CompareTablespaces(io::FileSystem& fs, const CompareSides& sides,
                                const std::vector<TablespaceGroup>& groups,
                                const CompareOptions& options, CompareReport& report) {
  absl::Mutex mu;
  absl::Status first_error;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < groups.size(); i = next++) {
      absl::StatusOr<CompareReport> part = CompareTablespaceGroup(fs, sides, groups[i], options);
      absl::MutexLock lock(&mu);
      if (!part.ok()) {
        if (first_error.ok()) first_error = part.status();
        return;
      }
      MergeTablespaceReport(*part, report);
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < std::max(1, options.parallel); ++t) threads.emplace_back(worker);
  }
  SortAndCap(report.pages, options.max_report);
  SortAndCap(report.free_pages, options.max_report);
  return first_error;
}

}  // namespace

absl::StatusOr<CompareReport> CompareDirectories(io::FileSystem& fs, const std::string& dir_a,
                                                 const std::string& dir_b,
                                                 const CompareOptions& options) {
  TM_RETURN_IF_ERROR(CheckDirectory(fs, dir_a));
  TM_RETURN_IF_ERROR(CheckDirectory(fs, dir_b));
  std::map<std::string, uint64_t> a, b;
  TM_RETURN_IF_ERROR(Walk(fs, dir_a, "", a));
  TM_RETURN_IF_ERROR(Walk(fs, dir_b, "", b));
  CompareReport report;
  std::vector<std::string> common_tablespaces;
  const CompareSides sides{.dir_a = dir_a, .dir_b = dir_b};
  for (const auto& [rel, size] : a) {
    const CompareClass c = ClassifyForCompare(rel);
    const bool in_b = b.count(rel) > 0;
    if (c == CompareClass::kIgnored || c == CompareClass::kRedoLog) continue;
    if (c == CompareClass::kTablespace && in_b) {
      common_tablespaces.push_back(rel);
    } else if (c == CompareClass::kTablespace) {
      report.tablespaces_only_in_a.push_back(rel);
    } else if (!in_b) {
      report.other_only_in_a.push_back(rel);
    } else if (rel.back() != '/') {
      TM_RETURN_IF_ERROR(CompareOtherFile(fs, sides, rel, size, b[rel], options, report));
    }
  }
  for (const auto& [rel, size] : b) {
    if (a.count(rel)) continue;
    const CompareClass c = ClassifyForCompare(rel);
    if (c == CompareClass::kTablespace) report.tablespaces_only_in_b.push_back(rel);
    if (c == CompareClass::kOther) report.other_only_in_b.push_back(rel);
  }
  TM_RETURN_IF_ERROR(CompareRedoLogs(fs, sides, a.count("ib_logfile0") > 0,
                                     b.count("ib_logfile0") > 0, options, report.redo));
  TM_RETURN_IF_ERROR(
      CompareTablespaces(fs, sides, GroupTablespaces(common_tablespaces), options, report));
  return report;
}

}  // namespace tidemark::engine
