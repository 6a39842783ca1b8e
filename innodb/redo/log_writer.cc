// Record encoding and mtr framing as the server writes them (mtr_t::log_write in
// mtr0log.h, mtr_t::finish_writer in mtr0mtr.cc, MariaDB 10.11), plus an in-memory
// circular log image.
#include "innodb/redo/log_writer.h"

#include <algorithm>
#include <cassert>

#include "innodb/base/crc32c.h"
#include "innodb/base/status.h"
#include "innodb/redo/varint.h"

namespace tidemark::innodb {

namespace {

ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void AppendBytes(ByteSpan b, std::vector<uint8_t>& out) {
  out.insert(out.end(), b.begin(), b.end());
}

void AppendPageId(RedoPageId id, std::vector<uint8_t>& out) {
  AppendVarint(id.space.value(), out);
  AppendVarint(id.page.value(), out);
}

}  // namespace

void AppendRecord(uint8_t type, ByteSpan body, std::vector<uint8_t>& out) {
  assert(!body.empty() && (type & 0x0F) == 0);
  const size_t n = body.size();
  if (n <= 15) {
    out.push_back(static_cast<uint8_t>(type | n));
  } else {
    // Bytes after the type byte = V + 15, the varint of V included: pick the varint
    // length that is consistent with its own value (mtr_t::log_write's adjustment).
    size_t vlen = 1;
    while (EncodedVarintLength(static_cast<uint32_t>(n + vlen - 15)) != vlen) ++vlen;
    out.push_back(type);
    AppendVarint(static_cast<uint32_t>(n + vlen - 15), out);
  }
  AppendBytes(body, out);
}

MtrBuilder& MtrBuilder::FileRecord(FileRecordType type, SpaceId space, ByteSpan payload) {
  std::vector<uint8_t> body;
  AppendPageId(RedoPageId{space, PageNo(0)}, body);
  AppendBytes(payload, body);
  AppendRecord(static_cast<uint8_t>(type), body, records_);
  return *this;
}

MtrBuilder& MtrBuilder::FileCreate(SpaceId space, std::string_view name) {
  return FileRecord(FileRecordType::kCreate, space, AsBytes(name));
}
MtrBuilder& MtrBuilder::FileDelete(SpaceId space, std::string_view name) {
  return FileRecord(FileRecordType::kDelete, space, AsBytes(name));
}
MtrBuilder& MtrBuilder::FileModify(SpaceId space, std::string_view name) {
  return FileRecord(FileRecordType::kModify, space, AsBytes(name));
}

MtrBuilder& MtrBuilder::FileRename(SpaceId space, std::string_view from, std::string_view to) {
  std::vector<uint8_t> names(from.begin(), from.end());
  names.push_back(0);
  names.insert(names.end(), to.begin(), to.end());
  return FileRecord(FileRecordType::kRename, space, names);
}

MtrBuilder& MtrBuilder::FileCheckpoint(Lsn checkpoint_lsn) {
  uint8_t lsn[8];
  WriteBe64(lsn, 0, checkpoint_lsn.value());
  return FileRecord(FileRecordType::kCheckpoint, SpaceId(0), lsn);
}

MtrBuilder& MtrBuilder::Page(PageRecordType type, RedoPageId id, ByteSpan payload) {
  std::vector<uint8_t> body;
  AppendPageId(id, body);
  AppendBytes(payload, body);
  AppendRecord(static_cast<uint8_t>(type), body, records_);
  return *this;
}

MtrBuilder& MtrBuilder::SamePage(PageRecordType type, ByteSpan payload) {
  AppendRecord(static_cast<uint8_t>(0x80 | static_cast<uint8_t>(type)), payload, records_);
  return *this;
}

MtrBuilder& MtrBuilder::Extended(RedoPageId id, ExtendedType subtype, ByteSpan params) {
  std::vector<uint8_t> payload{static_cast<uint8_t>(subtype)};
  AppendBytes(params, payload);
  return Page(PageRecordType::kExtended, id, payload);
}

MtrBuilder& MtrBuilder::Write(RedoPageId id, uint32_t offset, ByteSpan data) {
  std::vector<uint8_t> payload;
  AppendVarint(offset, payload);
  AppendBytes(data, payload);
  return Page(PageRecordType::kWrite, id, payload);
}

MtrBuilder& MtrBuilder::Raw(ByteSpan bytes) {
  AppendBytes(bytes, records_);
  return *this;
}

std::vector<uint8_t> EncodeMtr(ByteSpan records, uint8_t sequence_bit, ByteSpan nonce) {
  std::vector<uint8_t> out(records.begin(), records.end());
  out.push_back(sequence_bit);
  AppendBytes(nonce, out);
  const uint32_t crc = Crc32cExtend(Crc32c(records), nonce);
  out.resize(out.size() + 4);
  WriteBe32(out, out.size() - 4, crc);
  return out;
}

absl::StatusOr<LogImage> LogImage::Create(const LogHeader& header, uint64_t file_size) {
  TM_ASSIGN_OR_RETURN(LogGeometry g, LogGeometry::Create(header.first_lsn, file_size));
  LogImage image(g, header.encryption());
  image.file_.assign(file_size, 0);
  image.lsn_ = header.first_lsn;
  WriteLogHeader(header, image.file_);
  return image;
}

Lsn LogImage::Append(ByteSpan records) {
  const Lsn start = lsn_;
  uint8_t nonce[8];
  WriteBe64(nonce, 0, start.value());
  const ByteSpan n = encryption_ == LogEncryption::kNone ? ByteSpan() : ByteSpan(nonce);
  const Lsn marker(start.value() + records.size());
  const std::vector<uint8_t> mtr = EncodeMtr(records, geometry_.SequenceBit(marker), n);
  WriteAt(start, mtr);
  lsn_ = Lsn(start.value() + mtr.size());
  return start;
}

void LogImage::WriteAt(Lsn at, ByteSpan bytes) {
  assert(bytes.size() <= geometry_.capacity());
  const size_t off = geometry_.Offset(at);
  const size_t first = std::min(bytes.size(), file_.size() - off);
  std::copy_n(bytes.begin(), first, file_.begin() + off);
  std::copy(bytes.begin() + first, bytes.end(), file_.begin() + kLogStartOffset);
}

void LogImage::SetCheckpoint(size_t block_offset, const LogCheckpoint& c) {
  assert(block_offset == kLogCheckpoint1 || block_offset == kLogCheckpoint2);
  WriteLogCheckpoint(c, MutableByteSpan(file_).subspan(block_offset));
}

LogView LogImage::View(Lsn from, Lsn to) const {
  return LogView::OfFile(file_, geometry_, from, to);
}

}  // namespace tidemark::innodb
