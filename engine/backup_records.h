// What a finished backup records about itself, built from its result: the values of
// xtrabackup_checkpoints, xtrabackup_info and tidemark_manifest.json, full and incremental
// alike. Pure functions; the files are formatted by engine/backup_metadata.h and
// engine/manifest.h and written by the backup job. For an incremental, mariadb-backup writes
// backup_type = incremental and from_lsn = B (xtrabackup.cc backup_low), innodb_from_lsn = B
// and incremental = Y (backup_mysql.cc write_xtrabackup_info).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/time/time.h"
#include "engine/backup_job.h"
#include "engine/backup_metadata.h"
#include "engine/manifest.h"

namespace tidemark::engine {

// What the records need beyond the result.
struct BackupRecordContext {
  std::string server_version;  // SELECT VERSION()
  uint32_t page_size = 0;      // innodb_page_size
  absl::Time start_time;
  absl::Time end_time;
  std::span<const std::string> command_line;  // masked into tool_command
  uint32_t parallel = 1;
  std::string compression = "none";  // the manifest's options.compression, e.g. "zstd:1"
  std::string encryption = "none";   // the manifest's options.encryption, e.g. "aes-256-gcm"
  bool stream = false;               // written as an xbstream
};

// backup_type full-backuped (from_lsn 0) or incremental (from_lsn = the base LSN).
XtrabackupCheckpoints CheckpointsRecord(const BackupResult& result);

// Times in local time, as mariadb-backup writes them.
XtrabackupInfo InfoRecord(const BackupResult& result, const BackupRecordContext& context);

// Everything but `files` (BackupTarget::Complete fills them in). kind and from_lsn follow the
// base; base_backup_uuid is the base's uuid, "" when unknown.
Manifest ManifestRecord(const BackupResult& result, const BackupRecordContext& context);

}  // namespace tidemark::engine
