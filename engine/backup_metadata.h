// The metadata files mariadb-backup 10.11 writes into a backup, formatted byte for byte as it
// writes them and parsed back tolerantly: xtrabackup_checkpoints, xtrabackup_info,
// xtrabackup_binlog_info (see FormatXtrabackupBinlogInfo in server_info.h) and backup-my.cnf.
// Sources: extra/mariabackup/xtrabackup.cc (xtrabackup_print_metadata,
// xtrabackup_read_metadata), backup_mysql.cc (write_xtrabackup_info, write_backup_config_file,
// make_argv), encryption_plugin.cc; ../shared/docs/INNODB_FORMATS.md §5.7 and §6.
// Pure functions (no clock, no I/O) except the Read* helpers, which take a FileSystem.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "engine/server_info.h"
#include "innodb/base/types.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr std::string_view kXtrabackupCheckpointsName = "xtrabackup_checkpoints";
inline constexpr std::string_view kXtrabackupInfoName = "xtrabackup_info";
inline constexpr std::string_view kXtrabackupBinlogInfoName = "xtrabackup_binlog_info";
inline constexpr std::string_view kBackupMyCnfName = "backup-my.cnf";

// ------------------------------------------------------------------- xtrabackup_checkpoints

enum class BackupType { kFullBackuped, kIncremental, kLogApplied };
// "full-backuped", "incremental", "log-applied".
std::string_view BackupTypeName(BackupType type);

struct XtrabackupCheckpoints {
  BackupType backup_type = BackupType::kFullBackuped;
  Lsn from_lsn;                      // 0 for a full backup; the base's to_lsn for an incremental
  Lsn to_lsn;                        // the checkpoint LSN: the base of the next incremental
  Lsn last_lsn;                      // the end of the copied redo log (0 when an old file had none)
  bool recover_binlog_info = false;  // mariadb-backup --binlog-info=LOCKLESS

  bool operator==(const XtrabackupCheckpoints&) const = default;
};

// Exactly the five lines mariadb-backup writes, e.g.
// "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 44404\nlast_lsn = 48012\n"
// "recover_binlog_info = 0\n".
std::string FormatXtrabackupCheckpoints(const XtrabackupCheckpoints& checkpoints);

// Parses `key = value` lines (blanks around '=' optional, blank lines and unknown keys such as
// Percona's flushed_lsn ignored). backup_type, from_lsn and to_lsn are required, last_lsn (0)
// and recover_binlog_info (0) optional, as in xtrabackup_read_metadata. `name` is used in
// messages. Errors, all DataLoss:
//   "'<name>' line 3: expected 'key = value'"
//   "'<name>' line 2: from_lsn = 'x' is not a number"
//   "'<name>' line 1: unknown backup_type 'full-prepared'"
//   "'<name>' line 4: duplicate to_lsn"
//   "'<name>': no to_lsn"
//   "'<name>': from_lsn 9 is after to_lsn 5"
absl::StatusOr<XtrabackupCheckpoints> ParseXtrabackupCheckpoints(
    std::string_view text, std::string_view name = kXtrabackupCheckpointsName);

// Reads and parses `<dir>/xtrabackup_checkpoints` (the base of an incremental, a backup to
// prepare). Errors: the file system's (NotFound "open 'DIR/xtrabackup_checkpoints': No such
// file or directory"); the parser's, naming the path.
absl::StatusOr<XtrabackupCheckpoints> ReadXtrabackupCheckpoints(io::FileSystem& fs,
                                                                std::string_view dir);

// -------------------------------------------------------------------------- xtrabackup_info

// How the backup was delivered: a directory ("file") or an xbstream (mariadb-backup writes
// "mbstream" for --stream=xbstream).
enum class BackupFormat { kFile, kXbstream };

struct XtrabackupInfo {
  std::string uuid;  // this backup's id (mariadb-backup: SELECT UUID())
  std::string name;  // the --history name, usually ""
  std::string tool_name = "tidemark";
  std::string tool_command;  // the arguments; see MaskedToolCommand. Masked again on format.
  std::string tool_version;  // e.g. "0.1.0"
  std::string ibbackup_version;
  std::string server_version;    // SELECT VERSION(), e.g. "10.11.19-MariaDB-0+deb12u1-log"
  absl::CivilSecond start_time;  // local time, as mariadb-backup writes it
  absl::CivilSecond end_time;
  int64_t lock_time = 0;   // seconds commits were blocked
  std::string binlog_pos;  // FormatBinlogPosForXtrabackupInfo, or "" without binlog
  Lsn innodb_from_lsn;
  Lsn innodb_to_lsn;
  bool partial = false;
  bool incremental = false;
  BackupFormat format = BackupFormat::kFile;
  bool compressed = false;

  bool operator==(const XtrabackupInfo&) const = default;
};

// tool_version and ibbackup_version for tidemark: the version in ProducerString() ("0.1.0").
std::string TidemarkToolVersion();

// The tool_command value for the program's arguments (without argv[0]), joined by spaces,
// with secrets masked as mariadb-backup's make_argv does: "--password=x" -> "--password=...",
// "--password x" -> "--password ...", "-px" -> "-p...". Also masked, for tidemark's own
// options: any long option whose name contains "password", "passwd", "secret", "token" or
// "filekey", or ends in "key" ("--encrypt-key=k" -> "--encrypt-key=...").
std::string MaskedToolCommand(std::span<const std::string> args);

// The 17 lines of write_xtrabackup_info, in its order ("uuid = ...\n" ... "compressed = N\n");
// times as "YYYY-MM-DD HH:MM:SS"; partial/incremental "Y"/"N"; format "file"/"mbstream";
// compressed "N"/"compressed". tool_command is masked again (idempotent) before it is written.
std::string FormatXtrabackupInfo(const XtrabackupInfo& info);

// Parses `key = value` lines (the value is everything after the first '=', trimmed; unknown
// keys ignored; missing keys keep their defaults). Also accepts Percona's format "xbstream".
// Errors, DataLoss: "'<name>' line N: expected 'key = value'", "... lock_time = 'x' is not a
// number", "... start_time = 'x' is not YYYY-MM-DD HH:MM:SS", "... partial = 'x' is not Y or
// N", "... unknown format 'tar'".
absl::StatusOr<XtrabackupInfo> ParseXtrabackupInfo(std::string_view text,
                                                   std::string_view name = kXtrabackupInfoName);

// ----------------------------------------------------------------- xtrabackup_binlog_info

// "<file>\t<position>\t<gtid>" (see FormatXtrabackupBinlogInfo in server_info.h).
// Errors, DataLoss: "'<name>': expected '<file>\t<position>[\t<gtid>]'", "'<name>': position
// 'x' is not a number".
absl::StatusOr<BinlogPosition> ParseXtrabackupBinlogInfo(
    std::string_view text, std::string_view name = kXtrabackupBinlogInfoName);

// ---------------------------------------------------------------------------- backup-my.cnf

// The settings `mariadb-backup --prepare` reads from backup-my.cnf.
struct BackupMyCnf {
  // mariadb-backup writes its *own* setting here, whose default is crc32 whatever the
  // server uses (INNODB_FORMATS.md §5.7); page checksums come from each tablespace's flags.
  std::string innodb_checksum_algorithm = "crc32";
  std::string innodb_data_file_path;  // local file names, e.g. "ibdata1:12M:autoextend"
  uint64_t innodb_log_file_size = 0;
  uint32_t innodb_page_size = 0;
  std::string innodb_undo_directory = "./";  // undo tablespaces sit in the backup's root
  uint32_t innodb_undo_tablespaces = 0;
  uint32_t innodb_compression_level = 0;
  std::string innodb_buffer_pool_filename;  // written only when not ""
  // The plugin section, written only when plugin_load is not "".
  std::string plugin_dir;   // written quoted: plugin_dir="/usr/lib/mysql/plugin/"
  std::string plugin_load;  // "file_key_management=file_key_management;provider_lz4=..."
  // The encryption plugin's own variables, in server order. Secrets are never written:
  // see FormatBackupMyCnf.
  std::vector<std::pair<std::string, std::string>> plugin_variables;
  bool has_encryption_plugin = false;  // innodb_encrypt_log is written only then
  bool innodb_encrypt_log = false;     // written as 1/0
  std::string innodb_encrypt_tables;   // "OFF", "ON" or "FORCE"

  bool operator==(const BackupMyCnf&) const = default;
};

// The settings mariadb-backup would record for this server: innodb_data_file_path with
// directories stripped from each file (make_local_paths), innodb_undo_directory "./", no
// innodb_buffer_pool_filename (mariadb-backup writes only its own option, normally unset);
// plugin_load lists every encryption plugin and compression provider (name=library, or the
// name alone when built in); plugin_dir is the server's; plugin_variables are those of the
// encryption plugins.
BackupMyCnf BackupMyCnfFromServer(const ServerInfo& server);

// The file as write_backup_config_file writes it: the "innobackupex" header comment,
// "[mysqld]", the InnoDB lines, a line for innodb_buffer_pool_filename (empty when unset), the
// plugin section, and a final empty line. A plugin variable that is a secret
// (IsSecretServerVariable, e.g. file_key_management_filekey) with a value that is neither ""
// nor a "FILE:<path>" reference is replaced by the comment
// "# <name> is a secret and was not recorded: add <name>=... here to prepare this backup";
// mariadb-backup would write the secret itself.
std::string FormatBackupMyCnf(const BackupMyCnf& cnf);

// Parses an options file: '#'/';' comments, blank lines and [section] headers are skipped;
// `key=value` lines (blanks around '=' allowed) fill the known keys; every other key is kept in
// plugin_variables in file order. Sizes accept K/M/G suffixes. Errors, DataLoss:
// "'<name>' line N: expected 'key=value'", "'<name>' line N: innodb_page_size = 'x' is not a
// number".
absl::StatusOr<BackupMyCnf> ParseBackupMyCnf(std::string_view text,
                                             std::string_view name = kBackupMyCnfName);

}  // namespace tidemark::engine
