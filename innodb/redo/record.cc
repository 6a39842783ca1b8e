// Decoding of the records of one mini-transaction (recv_sys_t::parse_tail,
// log_parse_file, mtr_t::parse_length in log0recv.cc; mtr0types.h; MariaDB 10.11).
#include "innodb/redo/record.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/redo/varint.h"

namespace tidemark::innodb {

namespace {

inline constexpr uint8_t kFilePaddingShort = 0xF1;  // FILE_CHECKPOINT + 1: `F1 00`
inline constexpr uint8_t kFilePaddingLong = 0xF2;   // FILE_CHECKPOINT + 2: `F2 00 00`

std::string_view AsChars(ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bool IsAllZero(ByteSpan b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

}  // namespace

std::optional<RecordHeader> DecodeRecordHeader(ByteSpan in) {
  RecordHeader h{in[0], 1, size_t{in[0] & 0x0Fu}};
  if (h.body_size != 0) return h;
  const std::optional<Varint> v = DecodeVarint(in.subspan(1));
  if (!v) return std::nullopt;
  h.header_size = 1 + v->length;
  h.body_size = size_t{v->value} + 15 - v->length;
  return h;
}

std::string PageRecordTypeName(uint8_t type_byte, ByteSpan payload) {
  static constexpr std::string_view kPage[] = {"FREE_PAGE", "INIT_PAGE", "EXTENDED", "WRITE",
                                               "MEMSET",    "MEMMOVE",   "RESERVED", "OPTION"};
  static constexpr std::string_view kExtended[] = {
      "INIT_ROW_FORMAT_REDUNDANT", "INIT_ROW_FORMAT_DYNAMIC", "UNDO_INIT",
      "UNDO_APPEND",               "INSERT_HEAP_REDUNDANT",   "INSERT_REUSE_REDUNDANT",
      "INSERT_HEAP_DYNAMIC",       "INSERT_REUSE_DYNAMIC",    "DELETE_ROW_FORMAT_REDUNDANT",
      "DELETE_ROW_FORMAT_DYNAMIC", "TRIM_PAGES"};
  const std::string_view name = kPage[(type_byte >> 4) & 7];
  if (PageRecordType(type_byte & 0x70) != PageRecordType::kExtended || payload.empty()) {
    return std::string(name);
  }
  const uint8_t sub = payload[0];
  return sub < std::size(kExtended) ? absl::StrFormat("EXTENDED %s", kExtended[sub])
                                    : absl::StrFormat("EXTENDED subtype %d", sub);
}

std::string_view FileRecordTypeName(uint8_t type_byte) {
  switch (FileRecordType(type_byte & 0xF0)) {
    case FileRecordType::kCreate: return "FILE_CREATE";
    case FileRecordType::kDelete: return "FILE_DELETE";
    case FileRecordType::kRename: return "FILE_RENAME";
    case FileRecordType::kModify: return "FILE_MODIFY";
    case FileRecordType::kCheckpoint: return "FILE_CHECKPOINT";
  }
  return "FILE_unknown";
}

std::optional<ExtendedType> RedoRecord::extended_type() const {
  if (kind != RecordKind::kPage || page_type() != PageRecordType::kExtended ||
      cipher != RecordCipher::kClear || payload.empty()) {
    return std::nullopt;
  }
  return ExtendedType(payload[0]);
}

bool RedoRecord::IsFirstPageInit() const {
  return kind == RecordKind::kPage && page_type() == PageRecordType::kInitPage &&
         cipher != RecordCipher::kBody && page.page == PageNo(0);
}

bool RedoRecord::IsTrimPages() const {
  return payload.size() == 1 && extended_type() == ExtendedType::kTrimPages;
}

bool RecordReader::Fail(std::string_view reason) {
  status_ = absl::DataLossError(
      absl::StrFormat("record at +%d (type 0x%02x): %s", pos_, records_[pos_], reason));
  return false;
}

bool RecordReader::Next(RedoRecord& out) {
  if (!status_.ok() || pos_ >= records_.size()) return false;
  const ByteSpan rest = records_.subspan(pos_);
  out = RedoRecord{};
  out.offset = pos_;
  out.type_byte = rest[0];
  if (rest[0] <= 1) return Fail("end marker inside the records");
  const std::optional<RecordHeader> h = DecodeRecordHeader(rest);
  if (!h) return Fail("corrupted length");
  if (h->total_size() > rest.size()) {
    return Fail(absl::StrFormat("length %d runs past the end of the records (%d left)",
                                h->total_size(), rest.size()));
  }
  out.size = h->total_size();
  if (out.page_type() == PageRecordType::kReserved) return Fail("reserved record type");
  if (!DecodeBody(out, rest.subspan(h->header_size, h->body_size))) return false;
  pos_ += out.size;
  return true;
}

bool RecordReader::DecodeBody(RedoRecord& r, ByteSpan body) {
  const bool bit7 = (r.type_byte & 0x80) != 0;
  const bool enc11 = encryption_ == LogEncryption::kEnc11;
  if (bit7 && got_page_op_) {  // same_page: no page id, the previous record's page
    r.same_page = true;
    r.page = last_page_;
    r.payload = body;
    r.cipher = enc11 ? RecordCipher::kBody
                     : (encryption_ == LogEncryption::kNone ? RecordCipher::kClear
                                                            : RecordCipher::kPayload);
    return CheckPageRecord(r);
  }
  if (enc11) {  // page ids and file names are ciphertext: only the kind is known
    r.kind = bit7 ? RecordKind::kFile : RecordKind::kPage;
    r.cipher = RecordCipher::kBody;
    r.payload = body;
    got_page_op_ = !bit7;
    return bit7 || CheckPageRecord(r);
  }
  if (!DecodePageId(r, body)) return false;
  if (r.kind == RecordKind::kPadding) return true;
  got_page_op_ = !bit7;
  if (bit7) return DecodeFileRecord(r, body);
  last_page_ = r.page;
  r.payload = body;
  r.cipher = encryption_ == LogEncryption::kNone ? RecordCipher::kClear : RecordCipher::kPayload;
  return CheckPageRecord(r);
}

// Space id and page number varints; `body` is advanced past them. The length rules are
// parse_tail's: the space id must leave at least one byte, the page number may use the
// rest. `F1 00` (a one-byte body of 0) is padding.
bool RecordReader::DecodePageId(RedoRecord& r, ByteSpan& body) {
  const size_t idlen = VarintLengthFromFirstByte(body[0]);
  if (idlen > kVarintMaxLength || idlen >= body.size()) {
    if (r.type_byte == kFilePaddingShort && body[0] == 0) {
      r.kind = RecordKind::kPadding;
      return true;
    }
    return Fail("corrupted page id");
  }
  const std::optional<Varint> space = DecodeVarint(body);
  if (!space) return Fail("corrupted page id (space id)");
  body = body.subspan(space->length);
  const size_t plen = VarintLengthFromFirstByte(body[0]);
  const std::optional<Varint> page = plen > body.size() ? std::nullopt : DecodeVarint(body);
  if (!page) return Fail("corrupted page id (page number)");
  body = body.subspan(page->length);
  r.page = RedoPageId{SpaceId(space->value), PageNo(page->value)};
  return true;
}

bool RecordReader::CheckPageRecord(const RedoRecord& r) {
  const PageRecordType t = r.page_type();
  const bool free_or_init = t == PageRecordType::kFreePage || t == PageRecordType::kInitPage;
  if (r.same_page && free_or_init) return Fail("FREE_PAGE or INIT_PAGE with same_page");
  if (r.size > kMaxPageRecordSize) {
    return Fail(absl::StrFormat("page record of %d bytes exceeds 65536", r.size));
  }
  if (r.cipher == RecordCipher::kBody && !r.same_page) return true;  // payload size unknown
  if (free_or_init && !r.payload.empty()) return Fail("FREE_PAGE or INIT_PAGE with payload");
  if (!free_or_init && t != PageRecordType::kOption && r.payload.empty()) {
    return Fail("page record without payload");
  }
  return true;
}

bool RecordReader::DecodeFileRecord(RedoRecord& r, ByteSpan body) {
  r.kind = RecordKind::kFile;
  r.cipher = RecordCipher::kClear;
  r.payload = body;
  const bool zero_id = r.page == RedoPageId{};
  if (body.empty()) {
    if (zero_id && r.type_byte == kFilePaddingLong) {
      r.kind = RecordKind::kPadding;
      return true;
    }
    return Fail("file record without payload");
  }
  if (r.page.page != PageNo(0)) {
    return Fail(absl::StrFormat("file record for page %d, expected 0", r.page.page.value()));
  }
  switch (r.file_type()) {
    case FileRecordType::kCheckpoint:
      return DecodeCheckpoint(r, body);
    case FileRecordType::kCreate:
    case FileRecordType::kDelete:
    case FileRecordType::kRename:
    case FileRecordType::kModify:
      return DecodeFileNames(r, body);
  }
  return Fail("unknown file record type");
}

// FILE_CHECKPOINT: space 0, the last record of its mtr, 8 bytes of LSN; an all-zero
// payload of any length up to a page is padding (log_parse_file).
bool RecordReader::DecodeCheckpoint(RedoRecord& r, ByteSpan body) {
  if (r.page.space != SpaceId(0)) return Fail("FILE_CHECKPOINT for a nonzero space id");
  if (pos_ + r.size != records_.size()) return Fail("FILE_CHECKPOINT is not the last record");
  if (IsAllZero(body) && body.size() <= kMaxPageRecordSize) {
    r.kind = RecordKind::kPadding;
    return true;
  }
  if (body.size() != 8) {
    return Fail(absl::StrFormat("FILE_CHECKPOINT payload of %d bytes", body.size()));
  }
  r.checkpoint_lsn = Lsn(ReadBe64(body, 0));
  return true;
}

// FILE_CREATE/DELETE/MODIFY: one name; FILE_RENAME: old name, NUL, new name. Names carry
// no terminating NUL and must end in ".ibd"; space 0 (the system tablespace) is invalid.
bool RecordReader::DecodeFileNames(RedoRecord& r, ByteSpan body) {
  if (r.page.space == SpaceId(0)) return Fail("file record for space id 0");
  const bool rename = r.file_type() == FileRecordType::kRename;
  const auto nul = std::find(body.begin(), body.end(), uint8_t{0});
  if ((nul != body.end()) != rename) {
    return Fail(rename ? "FILE_RENAME without a NUL between the names" : "NUL in file name");
  }
  r.name = AsChars(ByteSpan(body.begin(), nul));
  if (rename) {
    r.new_name = AsChars(ByteSpan(nul + 1, body.end()));
    if (r.new_name.find('\0') != std::string_view::npos) return Fail("NUL in new file name");
    if (!r.new_name.ends_with(".ibd")) return Fail("new file name does not end in .ibd");
  }
  if (!r.name.ends_with(".ibd")) return Fail("file name does not end in .ibd");
  return true;
}

absl::Status ValidateRecords(ByteSpan records, LogEncryption encryption) {
  RecordReader reader(records, encryption);
  RedoRecord r;
  while (reader.Next(r)) {
  }
  return reader.status();
}

absl::StatusOr<MtrDigest> DigestMtrRecords(ByteSpan records, LogEncryption encryption) {
  MtrDigest d;
  RecordReader reader(records, encryption);
  for (RedoRecord r; reader.Next(r);) {
    if (r.kind == RecordKind::kFile && r.file_type() == FileRecordType::kCheckpoint) {
      if (r.cipher == RecordCipher::kClear) d.checkpoint_lsn = r.checkpoint_lsn;
    } else if (r.kind == RecordKind::kFile) {
      d.file_records.push_back(r);
    } else if (r.kind == RecordKind::kPage && r.cipher != RecordCipher::kBody) {
      if (r.IsFirstPageInit()) d.created_spaces.push_back(r.page.space);
      if (r.IsTrimPages()) d.trimmed.push_back(r.page);
      d.pages.push_back(r.page);
    }
  }
  if (!reader.status().ok()) return reader.status();
  std::sort(d.pages.begin(), d.pages.end());
  d.pages.erase(std::unique(d.pages.begin(), d.pages.end()), d.pages.end());
  return d;
}

}  // namespace tidemark::innodb
