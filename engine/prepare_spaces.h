// The tablespaces of a backup as prepare sees them: which files hold which space id (from
// page 0 of every file: ibdata* as one system tablespace, undoNNN, every .ibd), where a page
// lives (multi-file system tablespace), how files are extended to the size the log gives
// them or cut back by an undo truncation, and how the log's tablespace map is matched to
// the files (fil_name_process, recv_init_crash_recovery_spaces, extend_to_recv_size in
// log0recv.cc / fil0fil.cc, MariaDB 10.11). docs/prepare.md "Tablespaces".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/tablespace_finder.h"
#include "innodb/apply/page_apply.h"
#include "innodb/apply/recovery_scan.h"
#include "innodb/fsp/space_flags.h"
#include "innodb/redo/mtr.h"
#include "io/file_system.h"

namespace tidemark::engine {

// One tablespace's files.
struct PrepareSpace {
  SpaceId id;
  TablespaceKind kind = TablespaceKind::kOther;
  std::vector<std::string> files;       // paths relative to the backup, in page order
  std::vector<uint64_t> file_pages;     // pages in each file (the last one may grow)
  innodb::SpaceFlags flags;
  bool flags_from_log = false;          // page 0 was unreadable: flags from the log

  innodb::ApplySpaceFormat format() const {
    return {.page_size = flags.page_size, .full_crc32 = flags.full_crc32()};
  }
  uint32_t physical() const { return flags.page_size.physical(); }
  uint64_t size_pages() const;
  // The file (index into files) and byte offset of `page`; pages past the end of the last
  // file map into it.
  std::pair<size_t, uint64_t> Locate(uint32_t page) const;
};

class PrepareSpaces {
 public:
  // Finds the tablespace files under `target_dir` and reads page 0 of each. A file whose
  // page 0 cannot be decoded (all zero, too short: a tablespace created during the backup
  // whose first page was not written yet) is kept by name, to be matched with the log's
  // names. Errors: the file system's; DataLoss when two files claim one space id.
  static absl::StatusOr<PrepareSpaces> Discover(io::FileSystem& fs, std::string_view target_dir);

  // Pages in each tablespace's files now, by space id (for TailPages).
  std::map<uint32_t, uint64_t> PageCounts() const;

  const PrepareSpace* Find(SpaceId id) const;
  const std::map<uint32_t, PrepareSpace>& spaces() const { return spaces_; }
  // The undo tablespaces' ids, as [first, first + count) (0, 0 when there are none).
  std::pair<uint32_t, uint32_t> UndoRange() const;
  // innodb_page_size, from the system tablespace (16384 when it has none).
  uint32_t logical_page_size() const;

  // Matches the log's tablespaces with the files. A space with page records to apply must
  // have a file, found by space id or (for an unreadable page 0) by the log's name; a
  // deleted space needs none. A missing "#sql" tablespace is ignored as mariadb-backup
  // does (`on_note` says so, and `scan` drops its records). Errors, DataLoss: "tablespace N
  // ('./db/t.ibd', first record: page P at LSN L): no file in the backup holds it and the
  // log does not delete it"; a file found by name whose flags are unknown.
  absl::Status Resolve(const innodb::LogSurvey& survey, innodb::RecoveryScan& scan,
                       const std::function<void(std::string_view)>& on_note);

  // Sets every file's size as recovery does before applying: an undo tablespace truncated
  // by TRIM_PAGES is cut back to its recv_size (by copying, then renaming over it); a
  // space whose recv_size exceeds its size has its last file extended with zeros to
  // max((recv_size - first page of the file) * physical & ~4095, 4 pages). Returns the
  // number of files changed. Errors: the file system's, annotated.
  absl::StatusOr<size_t> ApplySizes(io::FileSystem& fs, std::string_view target_dir,
                                    const innodb::LogSurvey& survey);

 private:
  std::map<uint32_t, PrepareSpace> spaces_;
  // Files whose page 0 could not be read, by relative path.
  std::map<std::string, std::pair<TablespaceKind, uint64_t>> unreadable_;
};

// The pages a prepare would have to read past the end of their file, found before anything
// is written: during the survey, every page record for a page at or past the end of its
// tablespace's files (as they were before the prepare) is noted with whether the log
// initialises the page (INIT_PAGE or FREE_PAGE: it is then never read) and its first LSN.
// Not thread-safe.
class TailPages {
 public:
  // `file_pages`: space id -> pages in its files before the prepare; spaces not in it (created
  // during the backup) have all their pages noted.
  explicit TailPages(std::map<uint32_t, uint64_t> file_pages) : file_pages_(std::move(file_pages)) {}

  // Notes the page records of one mtr. Errors: a malformed record (DataLoss), which the
  // survey reports first anyway.
  absl::Status Add(const innodb::Mtr& mtr);

  // After Resolve, before ApplySizes: DataLoss "tablespace S page P ('FILE'): beyond the end
  // of the file (N pages) and not initialised by the log (first record at LSN L)" for the
  // first page past the end of its files as they are now, even when the log's size for the
  // space covers it (extending would make it a page of zeros to apply records to);
  // tablespaces that are deleted, ignored, truncated by TRIM_PAGES or have no file are not
  // checked here (ApplyBatch still is).
  absl::Status Check(const PrepareSpaces& spaces, const innodb::LogSurvey& survey) const;

  size_t bytes() const;

 private:
  struct Page {
    bool initialised = false;
    Lsn first_lsn;
  };
  std::map<uint32_t, uint64_t> file_pages_;
  std::map<uint32_t, std::map<uint32_t, Page>> pages_;  // space -> page -> what the log does
  std::vector<uint8_t> scratch_;
};

}  // namespace tidemark::engine
