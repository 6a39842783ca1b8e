// The backup's linear copy of the redo log (log_hdr_init, xtrabackup_copy_logfile in
// extra/mariabackup/xtrabackup.cc, MariaDB 10.11).
#include "innodb/redo/backup_log.h"

#include <cassert>

#include "absl/strings/str_format.h"

namespace tidemark::innodb {

std::string BackupLogCreator(std::string_view version) {
  std::string s = absl::StrFormat("Backup %s", version);
  if (s.size() > 15) s.resize(15);  // snprintf(buf, 16, …) keeps 15 characters + NUL
  return s;
}

std::vector<uint8_t> BuildBackupLogHead(const LogHeader& source, const LogCheckpoint& start,
                                        std::string_view version) {
  std::vector<uint8_t> head(kLogStartOffset, 0);
  LogHeader h;
  // FORMAT_ENC_10_8 exists only in memory; on disk it is FORMAT_10_8 plus crypt bytes.
  h.format = source.format == kLogFormatEnc11 ? kLogFormatEnc11 : kLogFormat10_8;
  h.first_lsn = start.checkpoint_lsn;
  h.creator = BackupLogCreator(version);
  if (source.encryption() != LogEncryption::kNone) h.crypt = source.crypt;
  WriteLogHeader(h, head);
  WriteLogCheckpoint(start, MutableByteSpan(head).subspan(kLogCheckpoint1));
  return head;
}

uint64_t BackupLogFileSize(Lsn start_checkpoint_lsn, Lsn last_lsn) {
  assert(last_lsn >= start_checkpoint_lsn);
  return kLogStartOffset + (last_lsn.value() - start_checkpoint_lsn.value());
}

absl::StatusOr<LogGeometry> BackupLogGeometry(Lsn start_checkpoint_lsn, uint64_t file_size) {
  return LogGeometry::Create(start_checkpoint_lsn, file_size);
}

void CopyMtrToBackupLog(const Mtr& mtr, MutableByteSpan out) {
  assert(out.size() >= mtr.size());
  mtr.bytes.CopyTo(out);
  out[mtr.end_marker_pos()] = 1;
}

void AppendMtrToBackupLog(const Mtr& mtr, std::vector<uint8_t>& out) {
  const size_t at = out.size();
  out.resize(at + mtr.size());
  CopyMtrToBackupLog(mtr, MutableByteSpan(out).subspan(at));
}

}  // namespace tidemark::innodb
