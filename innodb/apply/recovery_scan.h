// The log-reading half of prepare (crash recovery in the server): from the checkpoint to the
// end of the log, every mini-transaction is parsed twice.
//   1. The survey (recv_sys_t::parse with storing == NO, find_checkpoint, log_parse_file,
//      fil_name_process, log_page_modify in log0recv.cc, MariaDB 10.11) finds the
//      FILE_CHECKPOINT of the checkpoint, builds the tablespace map from the FILE_* records,
//      remembers for every page the last INIT_PAGE/FREE_PAGE (mlog_init_t), the FSP_SIZE and
//      flags written to each page 0 (recv_size), and undo truncations (TRIM_PAGES). It keeps
//      no page records, so its memory does not grow with the log's volume.
//   2. Store passes (storing == YES) then put the page records that are not superseded into
//      a PageLogStore, one batch at a time: a batch stops at an mtr boundary once the store
//      exceeds its budget; after the caller applied it, the next batch resumes at that LSN.
//      Re-applying is safe because entries with start_lsn < FIL_PAGE_LSN are skipped.
// Pure: the caller reads the log and hands over mtrs (see MtrReader). INNODB_FORMATS.md §4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "innodb/apply/page_log_store.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/mtr.h"
#include "innodb/redo/record.h"

namespace tidemark::innodb {

struct RecoveryScanConfig {
  LogCheckpoint checkpoint;  // from the log head: recovery starts at checkpoint_lsn
  // Undo tablespaces are [undo_first, undo_first + undo_count) (srv_undo_space_id_start and
  // srv_undo_tablespaces_open): like space 0 they need no FILE_MODIFY, and only they may be
  // truncated by TRIM_PAGES.
  uint32_t undo_first = 0;
  uint32_t undo_count = 0;
  // innodb_page_size: TRIM_PAGES must name SRV_UNDO_TABLESPACE_SIZE_IN_PAGES (10 MiB).
  uint32_t logical_page_size = 16384;

  bool IsUndo(SpaceId s) const {
    return undo_count != 0 && s.value() >= undo_first && s.value() - undo_first < undo_count;
  }
};

enum class FileOpType : uint8_t { kCreate, kDelete, kRename, kModify };

// One FILE_* record, in log order.
struct FileOp {
  FileOpType type = FileOpType::kModify;
  Lsn lsn;           // start LSN of the mtr
  std::string name;  // as the server wrote it: "./db/t.ibd" or an absolute path
  std::string new_name;  // FILE_RENAME
};

// What the log says about one tablespace.
struct SpaceLog {
  std::string name;      // the latest name; "" while only page records were seen
  bool deleted = false;  // the last FILE_* record is FILE_DELETE: drop its records
  std::vector<FileOp> ops;
  std::optional<uint32_t> recv_size;   // FSP_SIZE of the last WRITE covering it on page 0
  std::optional<uint32_t> recv_flags;  // FSP_SPACE_FLAGS likewise
  std::optional<Lsn> trim_lsn;         // the last TRIM_PAGES (undo tablespaces)
  uint32_t trim_pages = 0;
  uint64_t page_records = 0;
  std::optional<RedoPageId> first_page;  // the first page record, for messages
  Lsn first_page_lsn;
};

// The survey's result.
struct LogSurvey {
  Lsn checkpoint_lsn;
  Lsn file_checkpoint;  // end LSN of the mtr holding FILE_CHECKPOINT(checkpoint_lsn)
  Lsn end_lsn;          // the end of the last mtr parsed: recovery reaches this LSN
  uint64_t mtrs = 0;
  uint64_t page_records = 0;
  std::map<uint32_t, SpaceLog> spaces;  // every space named or modified, 0 and undo included
};

class RecoveryScan {
 public:
  explicit RecoveryScan(const RecoveryScanConfig& config);

  // Survey: call for every mtr from checkpoint_lsn on, in order. Errors, DataLoss, naming
  // the mtr's LSN: a malformed record; a FILE_* record for space 0 or an undo tablespace
  // or without ".ibd"; "missing FILE_DELETE or FILE_MODIFY for [page id: space=S, page
  // number=P] at LSN L" for a page record of an unnamed tablespace after the
  // FILE_CHECKPOINT; a TRIM_PAGES for a non-undo space or of the wrong size.
  // FailedPrecondition for records of an encrypted log.
  absl::Status Survey(const Mtr& mtr);
  // Ends the survey at `end_lsn` (the boundary where the log stopped). Errors, DataLoss:
  // "missing FILE_CHECKPOINT(C) at or after LSN E: the log ends at LSN X"; "missing
  // FILE_CREATE, FILE_DELETE or FILE_MODIFY before FILE_CHECKPOINT for tablespace N".
  absl::Status FinishSurvey(Lsn end_lsn);
  const LogSurvey& survey() const { return survey_; }
  // Memory the survey keeps (the per-page init map dominates).
  size_t survey_bytes() const;

  // Drops every record of `space` from the store passes (a tablespace the caller decided
  // not to recover, e.g. a missing "#sql" table, as mariadb-backup does).
  void IgnoreSpace(SpaceId space) { ignored_.insert(space.value()); }

  // Store pass: adds the page records of `mtr` that recovery must apply to `store`: not for
  // a deleted or ignored space, not older than the page's last INIT_PAGE/FREE_PAGE or the
  // space's last TRIM_PAGES, and not OPTION records other than OPT_PAGE_CHECKSUM.
  // Precondition: FinishSurvey succeeded. Errors: as Survey's for malformed records.
  absl::Status Store(const Mtr& mtr, PageLogStore& store) const;

 private:
  absl::Status SurveyFile(const RedoRecord& r, Lsn start, Lsn end);
  absl::Status SurveyPage(const RedoRecord& r, uint32_t abs_offset, Lsn start, Lsn end);
  bool Superseded(const RedoRecord& r, Lsn start) const;

  RecoveryScanConfig config_;
  LogSurvey survey_;
  // Last INIT_PAGE or FREE_PAGE start LSN per page, key space << 32 | page (mlog_init_t).
  absl::flat_hash_map<uint64_t, uint64_t> inits_;
  std::set<uint32_t> ignored_;
  bool finished_ = false;
};

// Absolute byte offsets of the WRITE/MEMSET/MEMMOVE records of one mtr, following the
// server's last_offset chaining (0 after a page id, end of the previous write for same_page
// records, FIL_PAGE_TYPE after INIT_PAGE and EXTENDED, 1 after FREE_PAGE and TRIM_PAGES).
// Returns nullopt for records that carry no offset or whose offset does not decode.
class OffsetTracker {
 public:
  std::optional<uint32_t> Next(const RedoRecord& r);

 private:
  uint32_t last_offset_ = 0;
};

}  // namespace tidemark::innodb
