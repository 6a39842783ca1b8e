// Single-page decoding for `inspect --page N`. Field offsets: fil0fil.h, page0page.h,
// fsp0fsp.h, trx0undo.h (MariaDB 10.11).
#include "engine/page_dump.h"

#include <map>

#include "absl/strings/str_format.h"
#include "engine/inspect.h"
#include "innodb/base/status.h"
#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/index_page.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {

namespace {

using json = nlohmann::ordered_json;
using namespace innodb;

json FilJson(const PageDump& d) {
  const FilHeader h = FilHeader::Parse(d.bytes);
  const ByteSpan p(d.bytes);
  return json{{"checksum_or_key_version", h.checksum_or_key_version},
              {"page_no", h.page_no.value()},
              {"prev", h.prev},
              {"next", h.next},
              {"lsn", h.lsn.value()},
              {"type", h.type},
              {"type_name", PageTypeName(h.type, d.context.flags.flavor())},
              {"flush_lsn_or_key_version", h.flush_lsn_or_key_version},
              {"space_id", h.space_id.value()},
              {"trailer", {{"field_at_size_minus_8", ReadBe32(p, p.size() - 8)},
                           {"field_at_size_minus_4", ReadBe32(p, p.size() - 4)}}}};
}

json ChecksumsJson(const PageDump& d) {
  const ByteSpan p(d.bytes);
  json j{{"scheme", std::string(ChecksumSchemeName(d.context.flags.checksum()))},
         {"stored_field1", ReadBe32(p, 0)},
         {"stored_field2", ReadBe32(p, p.size() - 8)},
         {"stored_full_crc32", ReadBe32(p, p.size() - 4)},
         {"full_crc32", PageFullCrc32(p)}};
  if (d.context.flags.page_size.is_compressed()) {
    j["zip_crc32"] = ZipPageCrc32(p);
    j["zip_adler32"] = ZipPageAdler32(p);
  } else {
    j["crc32"] = PageCrc32(p);
    j["crc32_legacy_big_endian"] = PageCrc32LegacyBigEndian(p);
    j["innodb_new"] = PageInnodbNewChecksum(p);
    j["innodb_old"] = PageInnodbOldChecksum(p);
  }
  return j;
}

json IndexJson(ByteSpan p) {
  const IndexPageHeader h = IndexPageHeader::Parse(p);
  return json{{"index_id", h.index_id},     {"level", h.level},
              {"n_recs", h.n_recs},         {"n_heap", h.n_heap},
              {"compact", h.compact},       {"n_dir_slots", h.n_dir_slots},
              {"heap_top", h.heap_top},     {"free", h.free},
              {"garbage", h.garbage},       {"last_insert", h.last_insert},
              {"direction", h.direction},   {"n_direction", h.n_direction},
              {"max_trx_id", h.max_trx_id}, {"data_bytes", h.DataBytes()}};
}

// Extent descriptors on an FSP_HDR or XDES page: pages free per extent state.
json XdesJson(const PageDump& d) {
  const SpaceFlags& f = d.context.flags;
  const uint32_t extent = ExtentPages(f.page_size.logical());
  std::map<std::string, uint64_t> extents;
  uint64_t free_pages = 0;
  static constexpr const char* kStates[] = {"none", "free", "free_frag", "full_frag", "fseg"};
  for (uint32_t first = d.page_no; first < d.page_no + f.page_size.physical(); first += extent) {
    const uint32_t state = XdesStateOf(d.bytes, f, first);
    ++extents[state <= 4 ? kStates[state] : "invalid"];
    for (uint32_t i = 0; i < extent; ++i) free_pages += XdesPageIsFree(d.bytes, f, first + i);
  }
  return json{{"extents_by_state", extents}, {"pages_marked_free", free_pages}};
}

json FspJson(const PageDump& d) {
  const FspHeader& h = d.header;
  return json{{"space_id", h.space_id.value()}, {"size", h.size},
              {"free_limit", h.free_limit},     {"flags", h.flags.raw},
              {"frag_n_used", h.frag_n_used},   {"next_seg_id", h.next_seg_id}};
}

json UndoJson(ByteSpan p) {
  const UndoPageHeader u = UndoPageHeader::Parse(p);
  return json{{"type", u.type}, {"start", u.start}, {"free", u.free},
              {"segment_state", u.segment_state}};
}

}  // namespace

absl::StatusOr<PageDump> ReadPageDump(io::FileSystem& fs, const std::string& path,
                                      uint32_t page_no) {
  const std::string what = absl::StrFormat("inspect '%s'", path);
  auto file = fs.OpenForRead(path, io::ReadOptions{});
  if (!file.ok()) return Annotate(file.status(), what);
  auto header = ReadSpaceHeader(**file);
  if (!header.ok()) return Annotate(header.status(), what);
  PageDump d{.path = path, .page_no = page_no, .header = *header, .context = ContextFor(*header)};
  const uint32_t physical = d.context.flags.page_size.physical();
  d.bytes.resize(physical);
  TM_ASSIGN_OR_RETURN(size_t n, (*file)->ReadAt(uint64_t{page_no} * physical, d.bytes));
  if (n < physical) {
    TM_ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
    return absl::OutOfRangeError(absl::StrFormat("%s: no page %d (the file has %d pages)", what,
                                                 page_no, size / physical));
  }
  d.verdict = ValidatePage(d.bytes, d.context, page_no);
  return d;
}

json PageDumpJson(const PageDump& d) {
  const ByteSpan p(d.bytes);
  json j{{"path", d.path}, {"page_no", d.page_no},
         {"verdict", std::string(PageVerdictName(d.verdict))},
         {"fil", FilJson(d)}, {"checksums", ChecksumsJson(d)}};
  const uint16_t type = ReadBe16(p, kFilPageType);
  const bool readable = !d.context.encrypted && d.verdict != PageVerdict::kPageCompressed;
  if (readable && IsIndexPageType(type, d.context.flags.flavor())) j["index"] = IndexJson(p);
  if (type == kPageTypeFspHdr) j["fsp"] = FspJson(d);
  if (type == kPageTypeFspHdr || type == kPageTypeXdes) j["xdes"] = XdesJson(d);
  if (readable && type == kPageTypeUndoLog) j["undo"] = UndoJson(p);
  return j;
}

namespace {

// Nested objects become indented blocks; numbers inside "checksums" print in hex.
void AppendJsonFields(const json& j, const std::string& indent, bool hex_numbers,
                      std::string& out) {
  for (const auto& [key, value] : j.items()) {
    if (value.is_object()) {
      absl::StrAppendFormat(&out, "%s%s:\n", indent, key);
      AppendJsonFields(value, indent + "  ", key == "checksums", out);
    } else if (value.is_number_unsigned() && hex_numbers) {
      absl::StrAppendFormat(&out, "%s%-26s 0x%08x\n", indent, key, value.get<uint64_t>());
    } else {
      absl::StrAppendFormat(&out, "%s%-26s %s\n", indent, key,
                            value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
}

void AppendHex(ByteSpan p, std::string& out) {
  for (size_t off = 0; off < p.size(); off += 16) {
    absl::StrAppendFormat(&out, "%06x ", off);
    for (size_t i = 0; i < 16; ++i) absl::StrAppendFormat(&out, " %02x", p[off + i]);
    out += "  ";
    for (size_t i = 0; i < 16; ++i) {
      const char c = static_cast<char>(p[off + i]);
      out += (c >= 0x20 && c < 0x7f) ? c : '.';
    }
    out += '\n';
  }
}

}  // namespace

std::string PageDumpText(const PageDump& d, bool hex) {
  std::string out = absl::StrFormat("%s page %d: %s\n", d.path, d.page_no,
                                    PageVerdictName(d.verdict));
  json j = PageDumpJson(d);
  j.erase("path");
  j.erase("page_no");
  j.erase("verdict");
  AppendJsonFields(j, "  ", false, out);
  if (hex) AppendHex(d.bytes, out);
  return out;
}

}  // namespace tidemark::engine
