// The survey and store passes over the redo log of a prepare: recv_sys_t::parse_tail,
// log_parse_file, fil_name_process, log_page_modify, parse_page0 and mlog_init_t in
// log0recv.cc (MariaDB 10.11), reorganised as two passes (see the header).
#include "innodb/apply/recovery_scan.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/fil_page.h"
#include "innodb/redo/varint.h"

namespace tidemark::innodb {

namespace {

constexpr uint32_t kNoSamePage = 1;  // after FREE_PAGE/TRIM_PAGES (last_offset = 1)
constexpr uint32_t kFspSizeAbs = kFspHeaderOffset + kFspSize;
constexpr uint32_t kFspFlagsAbs = kFspHeaderOffset + kFspSpaceFlags;

uint64_t PageKey(RedoPageId id) { return uint64_t{id.space.value()} << 32 | id.page.value(); }

bool EndsWithIbd(std::string_view name) {
  return name.size() >= 4 && name.substr(name.size() - 4) == ".ibd";
}

absl::Status AtMtr(const absl::Status& s, Lsn lsn) {
  if (s.ok()) return s;  // formatting the context costs more than parsing a small mtr
  return Annotate(s, absl::StrFormat("mtr at LSN %d", lsn.value()));
}

// Walks the records of one mtr, calling fn(record) for each; the reader's error, if any.
template <typename Fn>
absl::Status ForEachRecord(const Mtr& mtr, std::vector<uint8_t>& scratch, Fn&& fn) {
  RecordReader reader(mtr.records().Contiguous(scratch), LogEncryption::kNone);
  RedoRecord r;
  while (reader.Next(r)) {
    TM_RETURN_IF_ERROR(fn(r));
  }
  return reader.status();
}

}  // namespace

std::optional<uint32_t> OffsetTracker::Next(const RedoRecord& r) {
  if (r.kind != RecordKind::kPage) return std::nullopt;
  if (!r.same_page) last_offset_ = 0;
  switch (r.page_type()) {
    case PageRecordType::kFreePage:
      last_offset_ = kNoSamePage;
      return std::nullopt;
    case PageRecordType::kInitPage:
      last_offset_ = kFilPageType;
      return std::nullopt;
    case PageRecordType::kExtended:
      last_offset_ = r.IsTrimPages() ? kNoSamePage : kFilPageType;
      return std::nullopt;
    case PageRecordType::kWrite:
    case PageRecordType::kMemset:
    case PageRecordType::kMemmove:
      break;
    default:
      return std::nullopt;
  }
  const auto off = DecodeVarint(r.payload);
  if (!off) return std::nullopt;
  const uint32_t abs = last_offset_ + off->value;
  ByteSpan rest = r.payload.subspan(off->length);
  if (r.page_type() == PageRecordType::kWrite) {
    last_offset_ = abs + static_cast<uint32_t>(rest.size());
    return abs;
  }
  const auto len = DecodeVarint(rest);
  if (!len) return std::nullopt;
  last_offset_ = abs + len->value;
  return abs;
}

RecoveryScan::RecoveryScan(const RecoveryScanConfig& config) : config_(config) {
  survey_.checkpoint_lsn = config.checkpoint.checkpoint_lsn;
  survey_.end_lsn = config.checkpoint.checkpoint_lsn;
}

size_t RecoveryScan::survey_bytes() const {
  return inits_.capacity() * (sizeof(uint64_t) * 2 + 1) + survey_.spaces.size() * 256;
}

absl::Status RecoveryScan::Survey(const Mtr& mtr) {
  const Lsn start = mtr.start_lsn(), end = mtr.end_lsn();
  std::vector<uint8_t> scratch;
  OffsetTracker offsets;
  absl::Status s = ForEachRecord(mtr, scratch, [&](const RedoRecord& r) -> absl::Status {
    if (r.kind == RecordKind::kPadding) return absl::OkStatus();
    if (r.kind == RecordKind::kFile) return SurveyFile(r, start, end);
    const std::optional<uint32_t> abs = offsets.Next(r);
    return SurveyPage(r, abs.value_or(0), start, end);
  });
  survey_.end_lsn = end;
  ++survey_.mtrs;
  return AtMtr(s, start);
}

absl::Status RecoveryScan::SurveyFile(const RedoRecord& r, Lsn start, Lsn end) {
  if (r.cipher != RecordCipher::kClear) {
    return absl::FailedPreconditionError("encrypted redo log: FILE_* names cannot be read");
  }
  const SpaceId space = r.page.space;
  if (r.file_type() == FileRecordType::kCheckpoint) {
    if (r.checkpoint_lsn == config_.checkpoint.checkpoint_lsn &&
        survey_.file_checkpoint == Lsn(0) && start >= config_.checkpoint.end_lsn) {
      survey_.file_checkpoint = end;
    }
    return absl::OkStatus();
  }
  if (space.value() == 0 || config_.IsUndo(space)) {
    return absl::DataLossError(
        absl::StrFormat("file record for tablespace %d, which is never named in the log",
                        space.value()));
  }
  if (!EndsWithIbd(r.name) || (r.file_type() == FileRecordType::kRename && !EndsWithIbd(r.new_name))) {
    return absl::DataLossError(absl::StrFormat(
        "file record for tablespace %d names '%s', not an .ibd file", space.value(), r.name));
  }
  SpaceLog& log = survey_.spaces[space.value()];
  FileOp op{FileOpType::kModify, start, std::string(r.name), std::string(r.new_name)};
  switch (r.file_type()) {
    case FileRecordType::kCreate:
      op.type = FileOpType::kCreate;
      log.name = op.name;
      log.deleted = false;
      break;
    case FileRecordType::kDelete:
      op.type = FileOpType::kDelete;
      if (log.name.empty()) log.name = op.name;
      log.deleted = true;
      break;
    case FileRecordType::kRename:
      op.type = FileOpType::kRename;
      log.name = op.new_name;
      break;
    default:
      if (log.name.empty() || !log.deleted) log.name = op.name;
      break;
  }
  log.ops.push_back(std::move(op));
  return absl::OkStatus();
}

absl::Status RecoveryScan::SurveyPage(const RedoRecord& r, uint32_t abs_offset, Lsn start,
                                      Lsn end) {
  if (r.cipher != RecordCipher::kClear) {
    return absl::FailedPreconditionError("encrypted redo log: page records cannot be read");
  }
  const SpaceId space = r.page.space;
  auto it = survey_.spaces.find(space.value());
  if (it == survey_.spaces.end() && space.value() != 0 && !config_.IsUndo(space) &&
      survey_.file_checkpoint != Lsn(0)) {
    return absl::DataLossError(absl::StrFormat(
        "missing FILE_DELETE or FILE_MODIFY for [page id: space=%d, page number=%d] at LSN %d",
        space.value(), r.page.page.value(), end.value()));
  }
  SpaceLog& log = it != survey_.spaces.end() ? it->second : survey_.spaces[space.value()];
  ++survey_.page_records;
  if (log.page_records++ == 0) {
    log.first_page = r.page;
    log.first_page_lsn = start;
  }
  switch (r.page_type()) {
    case PageRecordType::kInitPage:
    case PageRecordType::kFreePage: {
      uint64_t& lsn = inits_[PageKey(r.page)];
      lsn = std::max(lsn, start.value());
      break;
    }
    case PageRecordType::kExtended:
      if (r.IsTrimPages()) {
        const uint32_t undo_pages = (10u << 20) / config_.logical_page_size;
        if (!config_.IsUndo(space) || r.page.page.value() != undo_pages) {
          return absl::DataLossError(absl::StrFormat(
              "TRIM_PAGES of [page id: space=%d, page number=%d]: not an undo tablespace "
              "truncated to %d pages",
              space.value(), r.page.page.value(), undo_pages));
        }
        log.trim_lsn = start;
        log.trim_pages = r.page.page.value();
      }
      break;
    case PageRecordType::kWrite: {
      if (r.page.page.value() != 0) break;
      const auto off = DecodeVarint(r.payload);
      if (!off) break;
      const ByteSpan data = r.payload.subspan(off->length);
      const uint32_t data_end = abs_offset + static_cast<uint32_t>(data.size());
      if (abs_offset <= kFspSizeAbs && data_end >= kFspSizeAbs + 4) {
        log.recv_size = ReadBe32(data, kFspSizeAbs - abs_offset);
      }
      if (abs_offset <= kFspFlagsAbs && data_end >= kFspFlagsAbs + 4) {
        log.recv_flags = ReadBe32(data, kFspFlagsAbs - abs_offset);
      }
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status RecoveryScan::FinishSurvey(Lsn end_lsn) {
  survey_.end_lsn = end_lsn;
  if (survey_.file_checkpoint == Lsn(0)) {
    return absl::DataLossError(absl::StrFormat(
        "missing FILE_CHECKPOINT(%d) at or after LSN %d: the log ends at LSN %d",
        config_.checkpoint.checkpoint_lsn.value(), config_.checkpoint.end_lsn.value(),
        end_lsn.value()));
  }
  for (const auto& [id, log] : survey_.spaces) {
    if (id != 0 && !config_.IsUndo(SpaceId(id)) && log.name.empty()) {
      return absl::DataLossError(absl::StrFormat(
          "missing FILE_CREATE, FILE_DELETE or FILE_MODIFY before FILE_CHECKPOINT for "
          "tablespace %d (first record: page %d at LSN %d)",
          id, log.first_page ? log.first_page->page.value() : 0, log.first_page_lsn.value()));
    }
  }
  finished_ = true;
  return absl::OkStatus();
}

bool RecoveryScan::Superseded(const RedoRecord& r, Lsn start) const {
  const uint32_t space = r.page.space.value();
  if (ignored_.contains(space)) return true;
  if (auto it = survey_.spaces.find(space); it != survey_.spaces.end()) {
    const SpaceLog& log = it->second;
    if (log.deleted) return true;
    if (log.trim_lsn && start < *log.trim_lsn) return true;
  }
  if (auto it = inits_.find(PageKey(r.page)); it != inits_.end() && it->second > start.value()) {
    return true;
  }
  if (r.page_type() == PageRecordType::kOption) {
    return !(r.payload.size() == 5 && r.payload[0] == kOptPageChecksum);
  }
  return r.IsTrimPages();
}

absl::Status RecoveryScan::Store(const Mtr& mtr, PageLogStore& store) const {
  const Lsn start = mtr.start_lsn(), end = mtr.end_lsn();
  std::vector<uint8_t> scratch;
  absl::Status s = ForEachRecord(mtr, scratch, [&](const RedoRecord& r) -> absl::Status {
    if (r.kind != RecordKind::kPage || Superseded(r, start)) return absl::OkStatus();
    store.Add(r.page, start, end, r.type_byte, r.payload);
    return absl::OkStatus();
  });
  return AtMtr(s, start);
}

}  // namespace tidemark::innodb
