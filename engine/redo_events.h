// What the backup learns about tablespaces from the redo log it copies: FILE_CREATE,
// FILE_DELETE, FILE_RENAME and FILE_MODIFY records, INIT_PAGE of a page 0 (a tablespace
// being created) and TRIM_PAGES (an undo tablespace truncated), as mariadb-backup's
// backup-mode parse reports them to its DDL tracker (log_file_op, first_page_init,
// undo_space_trunc in extra/mariabackup/xtrabackup.cc, MariaDB 10.11; INNODB_FORMATS.md §5.5).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/mtr.h"

namespace tidemark::engine {

enum class RedoEventKind : uint8_t {
  kFileCreate,    // FILE_CREATE: `name` is the new file
  kFileDelete,    // FILE_DELETE: `name` is the removed file
  kFileRename,    // FILE_RENAME: `name` -> `new_name`
  kFileModify,    // FILE_MODIFY: first change to `name` after a checkpoint
  kSpaceCreated,  // INIT_PAGE of page 0 of `space`: a tablespace is being created
  kTrimPages,     // TRIM_PAGES: undo tablespace `space` truncated to `pages` pages
};

// "file_create", "file_delete", "file_rename", "file_modify", "space_created", "trim_pages".
std::string_view RedoEventKindName(RedoEventKind kind);

// One event and the mtr that carried it.
struct RedoEvent {
  RedoEventKind kind = RedoEventKind::kFileCreate;
  Lsn mtr_start;  // the mtr's first byte
  Lsn mtr_end;    // its end (commit) LSN: the change is durable once the copy reaches it
  SpaceId space;
  std::string name;      // file events: e.g. "./test/t1.ibd"
  std::string new_name;  // kFileRename
  uint32_t pages = 0;    // kTrimPages: the new size in pages
  // False for a FORMAT_ENC_11 log, whose file records hide space ids and names (only
  // the kind is known) and whose page records hide INIT_PAGE/TRIM_PAGES targets entirely.
  bool names_known = true;
  bool operator==(const RedoEvent&) const = default;
};

// Receives events in log order.
using RedoEventSink = std::function<void(const RedoEvent&)>;

// Decodes every record of `mtr` (RecordReader: the checks recovery makes) and appends the
// events it carries to `out`, in record order. `scratch` holds a copy of a wrapped mtr.
// Errors: DataLoss "mtr at LSN N: record at +K (type 0xTT): reason" for a malformed record.
absl::Status CollectRedoEvents(const innodb::Mtr& mtr, innodb::LogEncryption encryption,
                               std::vector<uint8_t>& scratch, std::vector<RedoEvent>& out);

}  // namespace tidemark::engine
