// The .delta / .meta formats (see header).
#include "engine/delta_file.h"

#include <bit>
#include <charconv>

#include "absl/strings/str_format.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

constexpr uint32_t kMagicMore = 0x78747261;  // "xtra"
constexpr uint32_t kMagicLast = 0x58545241;  // "XTRA"
constexpr uint32_t kTerminator = 0xFFFFFFFF;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The next whitespace-separated token of `text` from `*pos`, or "" at the end.
std::string_view NextToken(std::string_view text, size_t* pos) {
  while (*pos < text.size() && IsBlank(text[*pos])) ++*pos;
  const size_t start = *pos;
  while (*pos < text.size() && !IsBlank(text[*pos])) ++*pos;
  return text.substr(start, *pos - start);
}

}  // namespace

std::string FormatDeltaMeta(const DeltaMeta& meta) {
  return absl::StrFormat("page_size = %d\nzip_size = %d \nspace_id = %d\n", meta.page_size,
                         meta.zip_size, meta.space_id.value_or(0));
}

absl::StatusOr<DeltaMeta> ParseDeltaMeta(std::string_view text, std::string_view name) {
  // xb_read_delta_metadata: fscanf("%50s = %50s\n") pairs until one does not match.
  DeltaMeta meta;
  bool have_page_size = false;
  size_t pos = 0;
  for (;;) {
    const std::string_view key = NextToken(text, &pos);
    if (key.empty()) break;
    const std::string_view eq = NextToken(text, &pos);
    const std::string_view value = NextToken(text, &pos);
    if (eq != "=" || value.empty()) break;
    uint32_t* field = key == "page_size" ? &meta.page_size
                      : key == "zip_size" ? &meta.zip_size
                                          : nullptr;
    uint32_t space = 0;
    if (key == "space_id") field = &space;
    if (field == nullptr) continue;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), *field);
    if (ec != std::errc() || end != value.data() + value.size()) {
      return absl::DataLossError(
          absl::StrFormat("'%s': %s = '%s' is not a number", name, key, value));
    }
    if (key == "page_size") have_page_size = true;
    if (key == "space_id") meta.space_id = space;
  }
  if (!have_page_size) return absl::DataLossError(absl::StrFormat("'%s': no page_size", name));
  if (!std::has_single_bit(meta.page_size) || meta.page_size < 1024 || meta.page_size > 65536) {
    return absl::DataLossError(absl::StrFormat(
        "'%s': page_size %d is not a power of two between 1024 and 65536", name, meta.page_size));
  }
  if (meta.zip_size != 0 && meta.zip_size != meta.page_size) {
    return absl::DataLossError(absl::StrFormat("'%s': zip_size %d does not fit page_size %d", name,
                                               meta.zip_size, meta.page_size));
  }
  return meta;
}

DeltaWriter::DeltaWriter(io::WritableFile& out, uint32_t page_size)
    : out_(out), page_size_(page_size), per_block_(page_size / 4 - 1) {
  block_.reserve(page_size_);
}

absl::Status DeltaWriter::Add(uint32_t page_no, ByteSpan page) {
  if (page.size() != page_size_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "delta '%s': page %d has %d bytes, not %d", out_.path(), page_no, page.size(), page_size_));
  }
  if (last_page_ && page_no <= *last_page_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "delta '%s': page %d after page %d", out_.path(), page_no, *last_page_));
  }
  if (in_block_ == per_block_) TM_RETURN_IF_ERROR(WriteBlock(/*last=*/false));
  if (block_.empty()) block_.resize(page_size_, 0);
  ++in_block_;
  WriteBe32(block_, 4 * size_t{in_block_}, page_no);
  block_.insert(block_.end(), page.begin(), page.end());
  last_page_ = page_no;
  ++pages_;
  return absl::OkStatus();
}

absl::Status DeltaWriter::Finish() {
  if (finished_) return absl::FailedPreconditionError("delta already finished");
  finished_ = true;
  if (block_.empty()) block_.resize(page_size_, 0);
  return WriteBlock(/*last=*/true);
}

absl::Status DeltaWriter::WriteBlock(bool last) {
  WriteBe32(block_, 0, last ? kMagicLast : kMagicMore);
  if (in_block_ < per_block_) WriteBe32(block_, 4 * size_t{in_block_ + 1}, kTerminator);
  TM_RETURN_IF_ERROR(out_.Append(block_));
  block_.clear();
  in_block_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<DeltaEntry>> ReadDeltaIndex(io::RandomAccessFile& file,
                                                       uint32_t page_size, std::string_view name) {
  TM_ASSIGN_OR_RETURN(const uint64_t size, file.Size());
  if (size == 0) return absl::DataLossError(absl::StrFormat("'%s': empty file", name));
  if (size % page_size != 0) {
    return absl::DataLossError(absl::StrFormat(
        "'%s': size %d is not a multiple of the page size %d", name, size, page_size));
  }
  const uint32_t per_block = page_size / 4 - 1;
  std::vector<DeltaEntry> entries;
  std::vector<uint8_t> header(page_size);
  uint64_t offset = 0;
  for (uint64_t block = 1;; ++block) {
    if (offset >= size) {
      return absl::DataLossError(absl::StrFormat(
          "'%s': truncated: no last ('XTRA') block; the file ends after block %d", name,
          block - 1));
    }
    TM_ASSIGN_OR_RETURN(size_t n, file.ReadAt(offset, header));
    if (n != page_size) {
      return absl::DataLossError(absl::StrFormat("'%s': the file shrank while being read", name));
    }
    const uint32_t magic = ReadBe32(header, 0);
    if (magic != kMagicMore && magic != kMagicLast) {
      return absl::DataLossError(
          absl::StrFormat("'%s' block %d (offset %d): bad magic 0x%08x, expected 'xtra' or 'XTRA'",
                          name, block, offset, magic));
    }
    uint32_t count = 0;
    while (count < per_block && ReadBe32(header, 4 * size_t{count + 1}) != kTerminator) {
      const uint32_t page_no = ReadBe32(header, 4 * size_t{count + 1});
      if (!entries.empty() && page_no <= entries.back().page_no) {
        return absl::DataLossError(
            absl::StrFormat("'%s' block %d: page %d after page %d (page numbers must ascend)",
                            name, block, page_no, entries.back().page_no));
      }
      ++count;
      entries.push_back({.page_no = page_no, .offset = offset + uint64_t{count} * page_size});
    }
    if (magic == kMagicMore && count != per_block) {
      return absl::DataLossError(absl::StrFormat(
          "'%s' block %d (offset %d): 'xtra' block with %d of %d pages (only the last block may "
          "be partial)",
          name, block, offset, count, per_block));
    }
    const uint64_t end = offset + (uint64_t{count} + 1) * page_size;
    if (end > size) {
      return absl::DataLossError(absl::StrFormat(
          "'%s': truncated: block %d (offset %d) lists %d pages, ending at %d, but the file has "
          "%d bytes",
          name, block, offset, count, end, size));
    }
    offset = end;
    if (magic == kMagicLast) break;
  }
  if (offset != size) {
    return absl::DataLossError(
        absl::StrFormat("'%s': %d bytes after the last block", name, size - offset));
  }
  return entries;
}

}  // namespace tidemark::engine
