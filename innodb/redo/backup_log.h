// The linear redo copy a backup keeps as `ib_logfile0` in its target directory, written
// exactly as mariadb-backup writes it (log_hdr_init and xtrabackup_copy_logfile in
// extra/mariabackup/xtrabackup.cc, MariaDB 10.11; INNODB_FORMATS.md §5.2): a 12288-byte
// head, then every mtr from the start checkpoint on, verbatim except that each end marker
// is 0x01, because the copy never wraps. docs/redo-format.md "The backup's copy".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/mtr.h"

namespace tidemark::innodb {

// The creator mariadb-backup writes: "Backup " + version, cut to 15 characters as
// log_hdr_init's snprintf(…, 16, "Backup %u.%u.%u") does. version: e.g. "10.11.19".
std::string BackupLogCreator(std::string_view version);

// The first 12288 bytes of the backup's ib_logfile0: the source's format (FORMAT_ENC_11
// stays, anything else becomes FORMAT_10_8), first_lsn = start.checkpoint_lsn (C0),
// creator BackupLogCreator(version), the source's crypt bytes if the source is encrypted,
// checkpoint block 1 = `start` (C0, E0: the server's checkpoint when the copy began),
// checkpoint block 2 all zero (invalid).
std::vector<uint8_t> BuildBackupLogHead(const LogHeader& source, const LogCheckpoint& start,
                                        std::string_view version);

// Size of the backup's ib_logfile0 once the log from C0 to last_lsn is copied:
// 12288 + (last_lsn - C0). No padding follows the last mtr. Precondition: last >= start.
uint64_t BackupLogFileSize(Lsn start_checkpoint_lsn, Lsn last_lsn);

// The geometry to read a backup's ib_logfile0 of `file_size` bytes with: first_lsn C0, so
// every copied mtr is on pass 0 (sequence bit 1) and the byte after the last one maps
// back to offset 12288, where its marker reads as stale: the end of the log.
absl::StatusOr<LogGeometry> BackupLogGeometry(Lsn start_checkpoint_lsn, uint64_t file_size);

// Copies `mtr` into out[0, mtr.size()) with its end marker forced to 0x01 (the marker is
// not covered by the CRC, which stays valid). Precondition: out.size() >= mtr.size().
void CopyMtrToBackupLog(const Mtr& mtr, MutableByteSpan out);

// Appends `mtr`, end marker forced to 0x01, to `out`.
void AppendMtrToBackupLog(const Mtr& mtr, std::vector<uint8_t>& out);

}  // namespace tidemark::innodb
