// Tracks InnoDB DDL that runs while a backup copies tablespaces, from the FILE_* records the
// redo copier sees, and decides at BACKUP STAGE BLOCK_DDL (when DDL is blocked) what the
// backup must add so that prepare can resolve it, as mariadb-backup does (backup_file_op and
// backup_fix_ddl in extra/mariabackup/xtrabackup.cc; INNODB_FORMATS.md §5.5):
//   copied, then dropped           -> empty "db/t.del"
//   copied as db/a, now named db/b -> "db/a.ren" containing "db/b"
//   created during the copy        -> the current file copied as "db/b.new"
// Thread-safe: events arrive on the redo copier's thread, copies are recorded by workers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/redo_events.h"
#include "innodb/base/types.h"

namespace tidemark::engine {

// What prepare needs: files to write into the backup, and tablespaces to copy as .new.
struct DdlFixes {
  struct Marker {
    std::string path;      // relative to the backup: "db/t.del" or "db/t.ren"
    std::string contents;  // "" for .del, "db/newname" for .ren
  };
  struct NewCopy {
    SpaceId space;
    std::string source;  // the file's name as the server knows it ("./db/t.ibd" or absolute)
    std::string target;  // "db/t.new"
  };
  std::vector<Marker> markers;
  std::vector<NewCopy> new_copies;
};

// "./db/t.ibd" or "/data/dir/db/t.ibd" -> "db/t.ibd" (the name a backup stores it under).
std::string BackupRelativeIbdPath(std::string_view server_name);

class DdlTracker {
 public:
  // A file-per-table tablespace copied (or being copied) under `backup_path` ("db/t.ibd").
  void RecordCopied(SpaceId space, std::string backup_path);
  // One redo event, in log order.
  void OnRedoEvent(const RedoEvent& event);
  // The server's current name of `space` ("./db/t.ibd") when the redo log renamed or
  // created it and it was not dropped since; nullopt otherwise (unknown or dropped).
  std::optional<std::string> LiveName(SpaceId space) const;
  // The fixes for the state now. Call once DDL is blocked and the redo copy has reached the
  // server's current LSN, so that every DDL that ran is among the events.
  // Errors: FailedPrecondition when CREATE/RENAME/DROP ran but the log hides names
  // (FORMAT_ENC_11 encrypted redo): such DDL cannot be resolved without the key.
  absl::StatusOr<DdlFixes> Fixes() const;

 private:
  struct Space {
    std::string copied_as;     // backup path if copied, else ""
    std::string current_name;  // server name now ("./db/t.ibd"), "" if unknown
    bool created = false;      // FILE_CREATE seen during the backup
    bool deleted = false;
  };
  mutable absl::Mutex mu_;
  std::map<uint32_t, Space> spaces_ ABSL_GUARDED_BY(mu_);
  int hidden_ddl_ ABSL_GUARDED_BY(mu_) = 0;  // CREATE/RENAME/DELETE events without names
};

}  // namespace tidemark::engine
