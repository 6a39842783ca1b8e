// What a backup learns from and asks of the server over SQL, and nothing else (no file I/O):
// the server's version and settings, the privilege check, BACKUP STAGE, the current LSN, the
// binlog position and the optional checkpoint. The statements and their meaning follow
// mariadb-backup 10.11 (extra/mariabackup/backup_mysql.cc, xtrabackup.cc); see
// ../shared/docs/INNODB_FORMATS.md §5. Every function is stateless: thread-safety is that of
// the SqlSession passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/sql_session.h"
#include "innodb/base/types.h"

namespace tidemark::engine {

// ------------------------------------------------------------------------------ the version

struct ParsedServerVersion {
  std::string flavor;  // "MariaDB" or "MySQL"
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string text;  // the `version` variable as reported, e.g. "10.11.19-MariaDB-log"
};

// One supported release series; a server is supported when flavor, major and minor match.
struct SupportedSeries {
  std::string_view flavor;
  int major;
  int minor;
};
// The series tidemark can back up. One row per series (like pgBackRest's version table).
inline constexpr SupportedSeries kSupportedSeries[] = {{"MariaDB", 10, 11}};

// Parses `version` ("10.11.19-MariaDB-0+deb12u1-log", "8.0.36"); the flavor is MariaDB when
// `version` or `version_comment` contains "MariaDB", else MySQL.
// Errors: FailedPrecondition "cannot parse server version '<version>'".
absl::StatusOr<ParsedServerVersion> ParseServerVersion(std::string_view version,
                                                       std::string_view version_comment);
// OK when `version` is in `supported`, else FailedPrecondition
// "unsupported server version '<text>' (<flavor> <major>.<minor>): tidemark supports
// MariaDB 10.11.x".
absl::Status CheckSupportedVersion(const ParsedServerVersion& version,
                                   std::span<const SupportedSeries> supported = kSupportedSeries);

// ------------------------------------------------------------------------ server settings

// An active plugin the backup must name in backup-my.cnf so that prepare can load it:
// encryption (key management) plugins and compression providers (provider_lz4 ...).
struct ServerPlugin {
  std::string name;     // e.g. "file_key_management"
  std::string library;  // e.g. "file_key_management" (".so"/".dll" removed), "" if built in
  bool is_encryption = false;
  // The plugin's own variables (`<name>_%`), in server order, e.g.
  // {"file_key_management_filename", "/etc/mysql/keys.txt"}; empty for providers. Some are
  // secrets (see IsSecretServerVariable).
  std::vector<std::pair<std::string, std::string>> variables;
};

// Everything backup-my.cnf, the file enumeration and the metadata files need. Paths are as
// the server reports them; use the Resolved* helpers for absolute directories.
struct ServerInfo {
  ParsedServerVersion version;
  std::string version_comment;            // e.g. "Debian 12"
  std::string datadir;                    // absolute, with a trailing '/'
  std::string innodb_data_home_dir;       // "" means the datadir
  std::string innodb_data_file_path;      // e.g. "ibdata1:12M:autoextend"
  std::string innodb_log_group_home_dir;  // e.g. "./" (relative to the datadir)
  uint64_t innodb_log_file_size = 0;      // bytes
  uint32_t innodb_page_size = 0;          // bytes
  std::string innodb_undo_directory;      // e.g. "./"
  uint32_t innodb_undo_tablespaces = 0;
  std::string innodb_checksum_algorithm;  // e.g. "full_crc32"
  uint32_t innodb_compression_level = 0;
  std::string innodb_buffer_pool_filename;  // e.g. "ib_buffer_pool"
  std::string innodb_encrypt_tables;        // "OFF", "ON" or "FORCE"
  bool innodb_encrypt_log = false;
  std::string aria_log_dir_path;  // "" when Aria is not loaded
  bool log_bin = false;
  std::string log_bin_basename;  // e.g. "/var/lib/mysql/binlog"; "" when off
  std::string log_bin_index;
  std::string gtid_binlog_pos;   // may be ""
  std::string gtid_current_pos;  // may be ""
  uint32_t server_id = 0;
  bool wsrep_on = false;
  std::string plugin_dir;
  std::vector<ServerPlugin> plugins;

  // The directories of the system tablespace, the redo log and undo tablespaces as absolute
  // paths with a trailing '/': relative settings ("./", "") are taken from the datadir.
  std::string ResolvedDataHomeDir() const;
  std::string ResolvedLogGroupHomeDir() const;
  std::string ResolvedUndoDirectory() const;
};

// Reads the server's settings with three kinds of statement, none needing a privilege:
//   SHOW GLOBAL VARIABLES WHERE Variable_name IN (...)
//   SELECT plugin_name, plugin_library, plugin_type FROM information_schema.plugins WHERE ...
//   SHOW GLOBAL VARIABLES LIKE '<plugin>\_%'   (once per active encryption plugin)
// The version is checked against kSupportedSeries before anything else is interpreted.
// Errors: the session's errors; FailedPrecondition for an unsupported version (see
// CheckSupportedVersion), a missing required variable ("server did not report 'datadir'")
// or an unparsable number ("server variable innodb_page_size = 'x' is not a number").
absl::StatusOr<ServerInfo> ReadServerInfo(SqlSession& session);

// True for plugin variables that hold a secret (the file_key_management_filekey password,
// tokens); callers must not log their values.
bool IsSecretServerVariable(std::string_view name);

// ------------------------------------------------------------------------------ privileges

// What the backup will do beyond the always-needed RELOAD (BACKUP STAGE, FLUSH ENGINE LOGS)
// and PROCESS (SHOW ENGINE INNODB STATUS); BINLOG MONITOR (or SUPER) is added when
// ServerInfo::log_bin is on (SHOW MASTER STATUS).
struct PrivilegeNeeds {
  bool kill_long_queries = false;  // KILL of blocking queries: CONNECTION ADMIN (or SUPER)
  bool checkpoint_now = false;     // SET GLOBAL innodb_log_checkpoint_now: SUPER
};

// The global privileges granted to the session, from `SHOW GRANTS` lines ("GRANT ... ON *.*
// TO ..."): the user's own and those of its active roles. Names are upper case; "ALL
// PRIVILEGES" sets `all`. Grants on databases, tables, columns and PROXY are ignored.
struct GlobalPrivileges {
  bool all = false;
  std::vector<std::string> names;  // sorted, unique

  bool Has(std::string_view privilege) const;
};
GlobalPrivileges ParseGlobalPrivileges(const std::vector<std::string>& grant_lines);

// Runs `SHOW GRANTS` and checks the needs above. OK, or PermissionDenied listing exactly
// what is missing, in a fixed order, with the reason for conditional ones:
//   "missing privileges: RELOAD, BINLOG MONITOR (needed because log_bin is ON)"
// The grants themselves (which may hold password hashes) never appear in the message.
absl::Status CheckBackupPrivileges(SqlSession& session, const ServerInfo& info,
                                   const PrivilegeNeeds& needs = {});

// ---------------------------------------------------------------------------- backup stages

enum class BackupStage { kStart, kFlush, kBlockDdl, kBlockCommit, kEnd };
// "START", "FLUSH", "BLOCK_DDL", "BLOCK_COMMIT", "END".
std::string_view BackupStageName(BackupStage stage);

// Issues `BACKUP STAGE <name>` (needs RELOAD). Stages must go forward; the server answers a
// wrong order with FailedPrecondition (errors 4146/4147), a lock wait beyond the session's
// lock_wait_timeout with DeadlineExceeded.
absl::Status EnterBackupStage(SqlSession& session, BackupStage stage);

// One year: the session lock_wait_timeout mariadb-backup gives its lock connection so that
// BACKUP STAGE waits for blockers instead of failing.
inline constexpr std::chrono::seconds kBackupLockWaitTimeout{31536000};
// Issues `SET SESSION lock_wait_timeout=<seconds>` (no privilege needed).
absl::Status SetBackupLockTimeout(SqlSession& session,
                                  std::chrono::seconds timeout = kBackupLockWaitTimeout);

// ---------------------------------------------------------------------------------- the LSN

// The "Log sequence number" line of `SHOW ENGINE INNODB STATUS` (needs PROCESS): InnoDB's
// current LSN, possibly not yet durable (see FlushEngineLogs).
// Errors: the session's; FailedPrecondition when the output has no such line.
absl::StatusOr<Lsn> CurrentLsn(SqlSession& session);
// Parses the Status text of SHOW ENGINE INNODB STATUS (exposed for tests).
absl::StatusOr<Lsn> ParseLogSequenceNumber(std::string_view innodb_status);
// `FLUSH NO_WRITE_TO_BINLOG ENGINE LOGS` (needs RELOAD): makes the redo log durable up to
// at least the LSN read before.
absl::Status FlushEngineLogs(SqlSession& session);
// `SET GLOBAL innodb_log_checkpoint_now=ON` (needs SUPER): makes InnoDB write a checkpoint
// now, so the backup starts with less redo to copy. Optional.
absl::Status SetCheckpointNow(SqlSession& session);

// ------------------------------------------------------------------------ the connections

// The session's `SELECT CONNECTION_ID()`.
absl::StatusOr<uint64_t> ConnectionId(SqlSession& session);
// Whether connection `id` is still alive: it has a row in information_schema.PROCESSLIST
// (visible with PROCESS, which the backup needs anyway) whose COMMAND is not "Killed".
absl::StatusOr<bool> ConnectionAlive(SqlSession& session, uint64_t id);

// ----------------------------------------------------------------------------- the binlog

struct BinlogPosition {
  std::string file;              // File of SHOW MASTER STATUS, e.g. "binlog.000001"
  uint64_t position = 0;         // Position of SHOW MASTER STATUS
  std::string gtid_current_pos;  // @@gtid_current_pos: what xtrabackup_binlog_info records
  std::string gtid_binlog_pos;   // @@gtid_binlog_pos
};

// `SHOW MASTER STATUS` (needs BINLOG MONITOR or SUPER) then
// `SELECT @@GLOBAL.gtid_current_pos, @@GLOBAL.gtid_binlog_pos`. Call it under BLOCK_COMMIT
// so the position matches the data, and only when ServerInfo::log_bin is on: the server
// checks the privilege even when the binary log is off. nullopt when it returns no row.
// Errors: the session's; FailedPrecondition for an unparsable Position.
absl::StatusOr<std::optional<BinlogPosition>> ReadBinlogPosition(SqlSession& session);

// The content of xtrabackup_binlog_info as mariadb-backup 10.11 writes it
// (write_binlog_info): "<file>\t<position>\t<gtid_current_pos>\n". On MariaDB the GTID field
// is always present, even when empty ("binlog.000001\t328\t\n").
std::string FormatXtrabackupBinlogInfo(const BinlogPosition& position);
// The binlog_pos value of xtrabackup_info:
// "filename '<file>', position '<position>', GTID of the last change '<gtid_current_pos>'".
std::string FormatBinlogPosForXtrabackupInfo(const BinlogPosition& position);

}  // namespace tidemark::engine
