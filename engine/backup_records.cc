// The records of a finished backup (see header).
#include "engine/backup_records.h"

namespace tidemark::engine {

namespace {

Lsn FromLsn(const BackupResult& r) { return r.base ? r.base->lsn : Lsn(0); }

}  // namespace

XtrabackupCheckpoints CheckpointsRecord(const BackupResult& r) {
  return {.backup_type = r.base ? BackupType::kIncremental : BackupType::kFullBackuped,
          .from_lsn = FromLsn(r),
          .to_lsn = r.to_lsn,
          .last_lsn = r.last_lsn};
}

XtrabackupInfo InfoRecord(const BackupResult& r, const BackupRecordContext& c) {
  XtrabackupInfo xi;
  xi.uuid = r.backup_uuid;
  xi.tool_command = MaskedToolCommand(c.command_line);
  xi.tool_version = xi.ibbackup_version = TidemarkToolVersion();
  xi.server_version = c.server_version;
  xi.start_time = absl::ToCivilSecond(c.start_time, absl::LocalTimeZone());
  xi.end_time = absl::ToCivilSecond(c.end_time, absl::LocalTimeZone());
  xi.lock_time = absl::ToInt64Seconds(r.lock_time);
  xi.binlog_pos = r.binlog ? FormatBinlogPosForXtrabackupInfo(*r.binlog) : "";
  xi.innodb_from_lsn = FromLsn(r);
  xi.innodb_to_lsn = r.to_lsn;
  xi.incremental = r.base.has_value();
  xi.format = c.stream ? BackupFormat::kXbstream : BackupFormat::kFile;
  xi.compressed = c.compression != "none";
  return xi;
}

Manifest ManifestRecord(const BackupResult& r, const BackupRecordContext& c) {
  Manifest m;
  m.backup_uuid = r.backup_uuid;
  m.kind = r.base ? BackupKind::kIncremental : BackupKind::kFull;
  m.base_backup_uuid = r.base ? r.base->backup_uuid : "";
  m.server_version = c.server_version;
  m.page_size = c.page_size;
  m.start_checkpoint_lsn = r.start_lsn;
  m.from_lsn = FromLsn(r);
  m.to_lsn = r.to_lsn;
  m.last_lsn = r.last_lsn;
  m.binlog = r.binlog;
  m.start_time = c.start_time;
  m.end_time = c.end_time;
  m.options.parallel = c.parallel;
  m.options.compression = c.compression;
  m.options.encryption = c.encryption;
  m.options.format = c.stream ? "xbstream" : "directory";
  return m;
}

}  // namespace tidemark::engine
