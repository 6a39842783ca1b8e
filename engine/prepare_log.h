// The redo log of a backup, as prepare reads and replaces it: the linear `ib_logfile0` the
// backup copied (innodb/redo/backup_log.h) read mtr by mtr in bounded chunks, and the
// 12 304-byte log `mariadb-backup --prepare` leaves behind (log_hdr_init and the end of
// innodb_init in extra/mariabackup/xtrabackup.cc, MariaDB 10.11; INNODB_FORMATS.md §4.1).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/mtr.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr std::string_view kLogFileName = "ib_logfile0";
// Size of the log a prepare writes: the 12288-byte head plus one FILE_CHECKPOINT mtr.
inline constexpr uint64_t kPreparedLogSize = innodb::kLogStartOffset + 16;

// Where and why reading stopped.
struct LogStop {
  Lsn lsn;                  // the mtr boundary reading stopped at
  bool by_caller = false;   // the callback asked to stop (a batch is full)
  bool at_limit = false;    // the `until` LSN was reached
  bool end_of_file = false; // the file ends exactly at lsn (a backup log's clean end)
  innodb::MtrResult result; // otherwise: the verdict at lsn (truncated, bad checksum, ...)
  // "end of file", or the verdict and its detail, e.g. "bad_checksum: ...".
  std::string Describe() const;
};

// Called for each mtr; returns whether to go on.
using MtrVisitor = std::function<absl::StatusOr<bool>(const innodb::Mtr&)>;

class BackupLogReader {
 public:
  // Opens <target_dir>/ib_logfile0 and parses its head. Errors: the file system's
  // (NotFound); those of ParseLogFileHead (DataLoss, FailedPrecondition for a 10.5 log);
  // FailedPrecondition "encrypted redo log: ..." (prepare needs the key plugin).
  static absl::StatusOr<std::unique_ptr<BackupLogReader>> Open(io::FileSystem& fs,
                                                               std::string_view target_dir,
                                                               size_t chunk_bytes = 8 << 20);

  const innodb::LogFileHead& head() const { return head_; }
  uint64_t file_size() const { return file_size_; }

  // Reads mtrs from `from` (an mtr boundary) and hands each to `visit` until `visit` returns
  // false, the next mtr would start at or after `until`, or the log ends. Memory: one chunk
  // plus one mtr. Errors: the file system's; `visit`'s. Records are validated (a malformed
  // one stops the log) the first time an LSN range is read; later reads of the same range
  // only check framing and checksums, so a visitor that decodes records must report
  // malformed ones itself (RecoveryScan does).
  absl::StatusOr<LogStop> ForEachMtr(Lsn from, Lsn until, const MtrVisitor& visit);

 private:
  BackupLogReader(std::unique_ptr<io::RandomAccessFile> file, innodb::LogFileHead head,
                  uint64_t file_size, innodb::MtrFraming framing, size_t chunk)
      : file_(std::move(file)), head_(head), file_size_(file_size), framing_(framing),
        chunk_(chunk) {}
  uint64_t OffsetOf(Lsn lsn) const;

  std::unique_ptr<io::RandomAccessFile> file_;
  innodb::LogFileHead head_;
  uint64_t file_size_;
  innodb::MtrFraming framing_;
  size_t chunk_;
  // Mtrs below this LSN were read whole before (a survey, then store passes): reading them
  // again checks lengths and CRC-32C but leaves decoding each record to the visitor, which
  // decodes them anyway, instead of doing it twice.
  Lsn validated_from_{0}, validated_until_{0};
};

// The bytes of the log a prepare ends with, for a recovery that reached `end_lsn` (R):
// FORMAT_10_8, first_lsn C = R - 16, `creator` (e.g. "Backup 10.11.19", see
// PreparedLogCreator), checkpoint block 1 (C, C), block 2 zero, and the FILE_CHECKPOINT(C)
// mtr at 12288 with end marker 1. Precondition: R >= 12304.
std::vector<uint8_t> BuildPreparedLog(Lsn end_lsn, std::string_view creator);

// The creator for the prepared log: the backup log's own when it starts with "Backup " (the
// copy's writer named its version there, as mariadb-backup names its own), else
// BackupLogCreator(server_version's "X.Y.Z" prefix), else "Backup 10.11".
std::string PreparedLogCreator(const innodb::LogHeader& backup_log, std::string_view server_version);

}  // namespace tidemark::engine
