// Events from the records of one mtr (log_file_op / first_page_init / undo_space_trunc in
// xtrabackup.cc, MariaDB 10.11).
#include "engine/redo_events.h"

#include <optional>

#include "absl/strings/str_format.h"
#include "innodb/redo/record.h"

namespace tidemark::engine {

using innodb::FileRecordType;
using innodb::RecordCipher;
using innodb::RecordKind;
using innodb::RedoRecord;

namespace {

std::optional<RedoEventKind> FileEventKind(FileRecordType t) {
  switch (t) {
    case FileRecordType::kCreate:
      return RedoEventKind::kFileCreate;
    case FileRecordType::kDelete:
      return RedoEventKind::kFileDelete;
    case FileRecordType::kRename:
      return RedoEventKind::kFileRename;
    case FileRecordType::kModify:
      return RedoEventKind::kFileModify;
    case FileRecordType::kCheckpoint:
      return std::nullopt;
  }
  return std::nullopt;
}

// The event a record carries, if any.
std::optional<RedoEvent> EventOf(const RedoRecord& r) {
  RedoEvent e;
  e.space = r.page.space;
  if (r.kind == RecordKind::kFile) {
    std::optional<RedoEventKind> kind = FileEventKind(r.file_type());
    if (!kind) return std::nullopt;
    e.kind = *kind;
    e.names_known = r.cipher != RecordCipher::kBody;
    e.name = std::string(r.name);
    e.new_name = std::string(r.new_name);
    return e;
  }
  if (r.kind != RecordKind::kPage) return std::nullopt;
  if (r.IsFirstPageInit()) {
    e.kind = RedoEventKind::kSpaceCreated;
    return e;
  }
  if (r.cipher != RecordCipher::kBody && r.IsTrimPages()) {
    e.kind = RedoEventKind::kTrimPages;
    e.pages = r.page.page.value();
    return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view RedoEventKindName(RedoEventKind kind) {
  switch (kind) {
    case RedoEventKind::kFileCreate:
      return "file_create";
    case RedoEventKind::kFileDelete:
      return "file_delete";
    case RedoEventKind::kFileRename:
      return "file_rename";
    case RedoEventKind::kFileModify:
      return "file_modify";
    case RedoEventKind::kSpaceCreated:
      return "space_created";
    case RedoEventKind::kTrimPages:
      return "trim_pages";
  }
  return "unknown";
}

absl::Status CollectRedoEvents(const innodb::Mtr& mtr, innodb::LogEncryption encryption,
                               std::vector<uint8_t>& scratch, std::vector<RedoEvent>& out) {
  innodb::RecordReader reader(mtr.records().Contiguous(scratch), encryption);
  for (RedoRecord r; reader.Next(r);) {
    std::optional<RedoEvent> e = EventOf(r);
    if (!e) continue;
    e->mtr_start = mtr.start_lsn();
    e->mtr_end = mtr.end_lsn();
    out.push_back(*std::move(e));
  }
  if (reader.status().ok()) return absl::OkStatus();
  return absl::DataLossError(absl::StrFormat("mtr at LSN %d: %s", mtr.start_lsn().value(),
                                             std::string(reader.status().message())));
}

}  // namespace tidemark::engine
