// Formatters and tolerant parsers of mariadb-backup's metadata files. The formats are copied
// from MariaDB 10.11 extra/mariabackup (xtrabackup.cc xtrabackup_print_metadata and
// xtrabackup_read_metadata; backup_mysql.cc write_xtrabackup_info, make_argv,
// write_backup_config_file, make_local_paths; encryption_plugin.cc
// encryption_plugin_backup_init) and checked against files written by mariadb-backup 10.11.19.
#include "engine/backup_metadata.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <set>

#include "absl/strings/str_format.h"
#include "engine/version.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

// ------------------------------------------------------------------------ parsing helpers

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

absl::Status LineError(std::string_view name, size_t line, std::string_view message) {
  return absl::DataLossError(absl::StrFormat("'%s' line %d: %s", name, line, message));
}

// One `key = value` line of a metadata file (1-based line number).
struct KeyValue {
  size_t line = 0;
  std::string_view key;
  std::string_view value;
};

// Splits `text` into key/value lines at the first '='. Blank lines are skipped, and with
// `options_file` also '#'/';' comments and [section] headers. Any other line without '=' is
// DataLoss "'<name>' line N: expected '<shape>'".
absl::StatusOr<std::vector<KeyValue>> SplitKeyValues(std::string_view text, std::string_view name,
                                                     bool options_file, std::string_view shape) {
  std::vector<KeyValue> out;
  size_t line = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view raw = Trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line;
    if (raw.empty()) continue;
    if (options_file && (raw[0] == '#' || raw[0] == ';' || raw[0] == '[')) continue;
    size_t eq = raw.find('=');
    if (eq == std::string_view::npos || Trim(raw.substr(0, eq)).empty()) {
      return LineError(name, line, absl::StrFormat("expected '%s'", shape));
    }
    out.push_back({line, Trim(raw.substr(0, eq)), Trim(raw.substr(eq + 1))});
  }
  return out;
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A number; with `size_suffix`, also a K/M/G suffix as my_getopt accepts in an options file.
absl::StatusOr<uint64_t> NumberValue(const KeyValue& kv, std::string_view name,
                                     bool size_suffix = false) {
  std::string_view digits = kv.value;
  int shift = 0;
  if (size_suffix && !digits.empty()) {
    char unit = static_cast<char>(std::toupper(digits.back()));
    shift = unit == 'K' ? 10 : unit == 'M' ? 20 : unit == 'G' ? 30 : 0;
    if (shift != 0) digits.remove_suffix(1);
  }
  std::optional<uint64_t> v = ParseU64(digits);
  if (!v) {
    return LineError(name, kv.line, absl::StrFormat("%s = '%s' is not a number", kv.key, kv.value));
  }
  return *v << shift;
}

absl::StatusOr<bool> YesNoValue(const KeyValue& kv, std::string_view name) {
  if (kv.value == "Y") return true;
  if (kv.value == "N") return false;
  return LineError(name, kv.line, absl::StrFormat("%s = '%s' is not Y or N", kv.key, kv.value));
}

// ------------------------------------------------------------------------- checkpoints

std::optional<BackupType> BackupTypeFromName(std::string_view name) {
  for (BackupType t :
       {BackupType::kFullBackuped, BackupType::kIncremental, BackupType::kLogApplied}) {
    if (BackupTypeName(t) == name) return t;
  }
  return std::nullopt;
}

absl::Status SetCheckpointField(const KeyValue& kv, std::string_view name,
                                XtrabackupCheckpoints& out) {
  if (kv.key == "backup_type") {
    std::optional<BackupType> type = BackupTypeFromName(kv.value);
    if (!type) {
      return LineError(name, kv.line, absl::StrFormat("unknown backup_type '%s'", kv.value));
    }
    out.backup_type = *type;
    return absl::OkStatus();
  }
  TM_ASSIGN_OR_RETURN(uint64_t v, NumberValue(kv, name));
  if (kv.key == "from_lsn") out.from_lsn = Lsn(v);
  if (kv.key == "to_lsn") out.to_lsn = Lsn(v);
  if (kv.key == "last_lsn") out.last_lsn = Lsn(v);
  if (kv.key == "recover_binlog_info") out.recover_binlog_info = v == 1;  // as fscanf("%d")==1
  return absl::OkStatus();
}

// ------------------------------------------------------------------------------- info

std::string FormatCivil(const absl::CivilSecond& t) {
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", t.year(), t.month(), t.day(), t.hour(),
                         t.minute(), t.second());
}

absl::StatusOr<absl::CivilSecond> CivilValue(const KeyValue& kv, std::string_view name) {
  auto fail = [&] {
    return LineError(name, kv.line,
                     absl::StrFormat("%s = '%s' is not YYYY-MM-DD HH:MM:SS", kv.key, kv.value));
  };
  // Read the six numbers, then require that the canonical form gives the text back: that
  // checks the separators and refuses dates that only exist after normalising (2026-02-30).
  std::string_view v = kv.value;
  int64_t f[6] = {};
  for (int i = 0; i < 6 && v.size() == 19; ++i) {
    std::optional<uint64_t> n = ParseU64(v.substr(i == 0 ? 0 : 2 + 3 * i, i == 0 ? 4 : 2));
    f[i] = n ? static_cast<int64_t>(*n) : -1;
  }
  absl::CivilSecond t(f[0], f[1], f[2], f[3], f[4], f[5]);
  if (FormatCivil(t) != v) return fail();
  return t;
}

absl::Status SetFormat(const KeyValue& kv, std::string_view name, XtrabackupInfo& out) {
  if (kv.value != "file" && kv.value != "mbstream" && kv.value != "xbstream") {
    return LineError(name, kv.line, absl::StrFormat("unknown format '%s'", kv.value));
  }
  out.format = kv.value == "file" ? BackupFormat::kFile : BackupFormat::kXbstream;
  return absl::OkStatus();
}

// The text fields of xtrabackup_info: true when `kv` was one of them.
bool SetInfoText(const KeyValue& kv, XtrabackupInfo& out) {
  using I = XtrabackupInfo;
  static constexpr std::pair<std::string_view, std::string I::*> kText[] = {
      {"uuid", &I::uuid},
      {"name", &I::name},
      {"tool_name", &I::tool_name},
      {"tool_command", &I::tool_command},
      {"tool_version", &I::tool_version},
      {"ibbackup_version", &I::ibbackup_version},
      {"server_version", &I::server_version},
      {"binlog_pos", &I::binlog_pos}};
  for (const auto& [key, field] : kText) {
    if (kv.key != key) continue;
    out.*field = std::string(kv.value);
    return true;
  }
  return false;
}

// Fills the field `kv` names; unknown keys are ignored.
absl::Status SetInfoField(const KeyValue& kv, std::string_view name, XtrabackupInfo& out) {
  if (SetInfoText(kv, out)) return absl::OkStatus();
  if (kv.key == "start_time" || kv.key == "end_time") {
    TM_ASSIGN_OR_RETURN(absl::CivilSecond t, CivilValue(kv, name));
    (kv.key == "start_time" ? out.start_time : out.end_time) = t;
  } else if (kv.key == "partial" || kv.key == "incremental") {
    TM_ASSIGN_OR_RETURN(bool flag, YesNoValue(kv, name));
    (kv.key == "partial" ? out.partial : out.incremental) = flag;
  } else if (kv.key == "lock_time" || kv.key == "innodb_from_lsn" || kv.key == "innodb_to_lsn") {
    TM_ASSIGN_OR_RETURN(uint64_t n, NumberValue(kv, name));
    if (kv.key == "lock_time") out.lock_time = static_cast<int64_t>(n);
    if (kv.key == "innodb_from_lsn") out.innodb_from_lsn = Lsn(n);
    if (kv.key == "innodb_to_lsn") out.innodb_to_lsn = Lsn(n);
  } else if (kv.key == "format") {
    return SetFormat(kv, name, out);
  } else if (kv.key == "compressed") {
    out.compressed = kv.value != "N";  // "compressed" (Percona: also "quicklz", "lz4")
  }
  return absl::OkStatus();
}

// An option name (without dashes) whose value tool_command must not show.
bool IsSecretOptionName(std::string_view option) {
  std::string name(option);
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::tolower(c));
  for (std::string_view secret : {"password", "passwd", "secret", "token", "filekey"}) {
    if (name.find(secret) != std::string::npos) return true;
  }
  return name.ends_with("key");
}

// --------------------------------------------------------------------------- backup-my.cnf

// make_local_paths: keep only the file name of each ';'-separated data file.
std::string LocalDataFilePath(std::string_view path) {
  std::string out;
  while (true) {
    size_t end = path.find(';');
    std::string_view file = path.substr(0, end);
    size_t slash = file.rfind('/');
    if (slash != std::string_view::npos) file.remove_prefix(slash + 1);
    out += file;
    if (end == std::string_view::npos) return out;
    out += ';';
    path.remove_prefix(end + 1);
  }
}

std::string PluginVariableLine(const std::string& name, const std::string& value) {
  if (IsSecretServerVariable(name) && !value.empty() && !value.starts_with("FILE:")) {
    return absl::StrFormat(
        "# %s is a secret and was not recorded: add %s=... here to prepare this backup\n", name,
        name);
  }
  return absl::StrFormat("%s=%s\n", name, value);
}

std::string PluginSection(const BackupMyCnf& cnf) {
  std::string out;
  if (!cnf.plugin_load.empty()) {
    out += absl::StrFormat("plugin_dir=\"%s\"\nplugin_load=%s\n", cnf.plugin_dir, cnf.plugin_load);
  }
  for (const auto& [name, value] : cnf.plugin_variables) out += PluginVariableLine(name, value);
  if (cnf.has_encryption_plugin) {
    out += absl::StrFormat("innodb_encrypt_log=%d\n", cnf.innodb_encrypt_log ? 1 : 0);
  }
  if (!cnf.innodb_encrypt_tables.empty()) {
    out += absl::StrFormat("innodb_encrypt_tables=%s\n", cnf.innodb_encrypt_tables);
  }
  return out;
}

std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

template <typename T>
absl::Status SetSize(const KeyValue& kv, std::string_view name, T& field) {
  TM_ASSIGN_OR_RETURN(uint64_t v, NumberValue(kv, name, /*size_suffix=*/true));
  field = static_cast<T>(v);
  return absl::OkStatus();
}

// Fills the field `kv` names; false when the key is not one of the fixed ones.
absl::StatusOr<bool> SetCnfField(const KeyValue& kv, std::string_view name, BackupMyCnf& out) {
  std::string value(kv.value);
  if (kv.key == "innodb_checksum_algorithm")
    out.innodb_checksum_algorithm = value;
  else if (kv.key == "innodb_data_file_path")
    out.innodb_data_file_path = value;
  else if (kv.key == "innodb_undo_directory")
    out.innodb_undo_directory = value;
  else if (kv.key == "innodb_buffer_pool_filename")
    out.innodb_buffer_pool_filename = value;
  else if (kv.key == "plugin_dir")
    out.plugin_dir = Unquote(value);
  else if (kv.key == "plugin_load")
    out.plugin_load = value;
  else if (kv.key == "innodb_encrypt_tables")
    out.innodb_encrypt_tables = value;
  else if (kv.key == "innodb_encrypt_log") {
    out.has_encryption_plugin = true;
    out.innodb_encrypt_log = value == "1" || value == "ON";
  } else if (kv.key == "innodb_log_file_size") {
    TM_RETURN_IF_ERROR(SetSize(kv, name, out.innodb_log_file_size));
  } else if (kv.key == "innodb_page_size") {
    TM_RETURN_IF_ERROR(SetSize(kv, name, out.innodb_page_size));
  } else if (kv.key == "innodb_undo_tablespaces") {
    TM_RETURN_IF_ERROR(SetSize(kv, name, out.innodb_undo_tablespaces));
  } else if (kv.key == "innodb_compression_level") {
    TM_RETURN_IF_ERROR(SetSize(kv, name, out.innodb_compression_level));
  } else {
    return false;
  }
  return true;
}

}  // namespace

// ------------------------------------------------------------------- xtrabackup_checkpoints

std::string_view BackupTypeName(BackupType type) {
  switch (type) {
    case BackupType::kFullBackuped:
      return "full-backuped";
    case BackupType::kIncremental:
      return "incremental";
    case BackupType::kLogApplied:
      return "log-applied";
  }
  return "?";
}

std::string FormatXtrabackupCheckpoints(const XtrabackupCheckpoints& c) {
  return absl::StrFormat(
      "backup_type = %s\nfrom_lsn = %d\nto_lsn = %d\nlast_lsn = %d\nrecover_binlog_info = %d\n",
      BackupTypeName(c.backup_type), c.from_lsn.value(), c.to_lsn.value(), c.last_lsn.value(),
      c.recover_binlog_info ? 1 : 0);
}

absl::StatusOr<XtrabackupCheckpoints> ParseXtrabackupCheckpoints(std::string_view text,
                                                                 std::string_view name) {
  TM_ASSIGN_OR_RETURN(std::vector<KeyValue> lines,
                      SplitKeyValues(text, name, false, "key = value"));
  static constexpr std::string_view kKnown[] = {"backup_type", "from_lsn", "to_lsn", "last_lsn",
                                                "recover_binlog_info"};
  XtrabackupCheckpoints out;
  std::set<std::string_view> seen;
  for (const KeyValue& kv : lines) {
    if (std::find(std::begin(kKnown), std::end(kKnown), kv.key) == std::end(kKnown)) continue;
    if (!seen.insert(kv.key).second) {
      return LineError(name, kv.line, absl::StrFormat("duplicate %s", kv.key));
    }
    TM_RETURN_IF_ERROR(SetCheckpointField(kv, name, out));
  }
  for (std::string_view required : {"backup_type", "from_lsn", "to_lsn"}) {
    if (!seen.contains(required)) {
      return absl::DataLossError(absl::StrFormat("'%s': no %s", name, required));
    }
  }
  if (out.from_lsn > out.to_lsn) {
    return absl::DataLossError(absl::StrFormat("'%s': from_lsn %d is after to_lsn %d", name,
                                               out.from_lsn.value(), out.to_lsn.value()));
  }
  return out;
}

absl::StatusOr<XtrabackupCheckpoints> ReadXtrabackupCheckpoints(io::FileSystem& fs,
                                                                std::string_view dir) {
  std::string path = io::JoinPath(dir, kXtrabackupCheckpointsName);
  TM_ASSIGN_OR_RETURN(std::string text, io::ReadFileToString(fs, path));
  return ParseXtrabackupCheckpoints(text, path);
}

// -------------------------------------------------------------------------- xtrabackup_info

std::string TidemarkToolVersion() {
  std::string_view producer = ProducerString();
  size_t space = producer.rfind(' ');
  return std::string(space == std::string_view::npos ? producer : producer.substr(space + 1));
}

std::string MaskedToolCommand(std::span<const std::string> args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string shown(arg);
    if (arg.starts_with("--")) {
      size_t eq = arg.find('=');
      std::string_view option = arg.substr(2, eq == std::string_view::npos ? eq : eq - 2);
      if (IsSecretOptionName(option)) {
        shown = absl::StrFormat("--%s%s", option, eq == std::string_view::npos ? " ..." : "=...");
        if (eq == std::string_view::npos) ++i;  // the value is the next argument
      }
    } else if (arg.starts_with("-p")) {
      shown = "-p...";
    }
    if (i > 0) out += ' ';
    out += shown;
  }
  return out;
}

std::string FormatXtrabackupInfo(const XtrabackupInfo& info) {
  std::vector<std::string> tokens;
  for (std::string_view rest = info.tool_command;;) {
    size_t space = rest.find(' ');
    tokens.emplace_back(rest.substr(0, space));
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return absl::StrFormat(
      "uuid = %s\nname = %s\ntool_name = %s\ntool_command = %s\ntool_version = %s\n"
      "ibbackup_version = %s\nserver_version = %s\nstart_time = %s\nend_time = %s\n"
      "lock_time = %d\nbinlog_pos = %s\ninnodb_from_lsn = %d\ninnodb_to_lsn = %d\n"
      "partial = %s\nincremental = %s\nformat = %s\ncompressed = %s\n",
      info.uuid, info.name, info.tool_name, MaskedToolCommand(tokens), info.tool_version,
      info.ibbackup_version, info.server_version, FormatCivil(info.start_time),
      FormatCivil(info.end_time), info.lock_time, info.binlog_pos, info.innodb_from_lsn.value(),
      info.innodb_to_lsn.value(), info.partial ? "Y" : "N", info.incremental ? "Y" : "N",
      info.format == BackupFormat::kFile ? "file" : "mbstream",
      info.compressed ? "compressed" : "N");
}

absl::StatusOr<XtrabackupInfo> ParseXtrabackupInfo(std::string_view text, std::string_view name) {
  TM_ASSIGN_OR_RETURN(std::vector<KeyValue> lines,
                      SplitKeyValues(text, name, false, "key = value"));
  XtrabackupInfo out;
  for (const KeyValue& kv : lines) TM_RETURN_IF_ERROR(SetInfoField(kv, name, out));
  return out;
}

// ----------------------------------------------------------------- xtrabackup_binlog_info

absl::StatusOr<BinlogPosition> ParseXtrabackupBinlogInfo(std::string_view text,
                                                         std::string_view name) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  auto malformed = [&] {
    return absl::DataLossError(
        absl::StrFormat("'%s': expected '<file>\\t<position>[\\t<gtid>]'", name));
  };
  if (text.find('\n') != std::string_view::npos) return malformed();
  std::vector<std::string_view> fields;
  for (size_t tab; (tab = text.find('\t')) != std::string_view::npos; text.remove_prefix(tab + 1)) {
    fields.push_back(text.substr(0, tab));
  }
  fields.push_back(text);
  if (fields.size() < 2 || fields.size() > 3 || fields[0].empty()) return malformed();
  std::optional<uint64_t> position = ParseU64(fields[1]);
  if (!position) {
    return absl::DataLossError(
        absl::StrFormat("'%s': position '%s' is not a number", name, fields[1]));
  }
  BinlogPosition out;
  out.file = std::string(fields[0]);
  out.position = *position;
  if (fields.size() == 3) out.gtid_current_pos = std::string(fields[2]);
  return out;
}

// ---------------------------------------------------------------------------- backup-my.cnf

BackupMyCnf BackupMyCnfFromServer(const ServerInfo& server) {
  BackupMyCnf cnf;
  cnf.innodb_data_file_path = LocalDataFilePath(server.innodb_data_file_path);
  cnf.innodb_log_file_size = server.innodb_log_file_size;
  cnf.innodb_page_size = server.innodb_page_size;
  cnf.innodb_undo_tablespaces = server.innodb_undo_tablespaces;
  cnf.innodb_compression_level = server.innodb_compression_level;
  for (const ServerPlugin& plugin : server.plugins) {
    cnf.plugin_load += absl::StrFormat("%s%s%s%s", cnf.plugin_load.empty() ? "" : ";", plugin.name,
                                       plugin.library.empty() ? "" : "=", plugin.library);
    if (!plugin.is_encryption) continue;
    cnf.has_encryption_plugin = true;
    cnf.plugin_variables.insert(cnf.plugin_variables.end(), plugin.variables.begin(),
                                plugin.variables.end());
  }
  if (!server.plugins.empty()) {
    cnf.plugin_dir = server.plugin_dir;
    cnf.innodb_encrypt_log = server.innodb_encrypt_log;
    cnf.innodb_encrypt_tables = server.innodb_encrypt_tables;
  }
  return cnf;
}

std::string FormatBackupMyCnf(const BackupMyCnf& cnf) {
  std::string out = absl::StrFormat(
      "# This options file was generated by innobackupex.\n\n# The server\n[mysqld]\n"
      "innodb_checksum_algorithm=%s\ninnodb_data_file_path=%s\ninnodb_log_file_size=%d\n"
      "innodb_page_size=%d\ninnodb_undo_directory=%s\ninnodb_undo_tablespaces=%d\n"
      "innodb_compression_level=%d\n",
      cnf.innodb_checksum_algorithm, cnf.innodb_data_file_path, cnf.innodb_log_file_size,
      cnf.innodb_page_size, cnf.innodb_undo_directory, cnf.innodb_undo_tablespaces,
      cnf.innodb_compression_level);
  if (!cnf.innodb_buffer_pool_filename.empty()) {
    out += absl::StrFormat("innodb_buffer_pool_filename=%s", cnf.innodb_buffer_pool_filename);
  }
  out += "\n";
  out += PluginSection(cnf);
  out += "\n";
  return out;
}

absl::StatusOr<BackupMyCnf> ParseBackupMyCnf(std::string_view text, std::string_view name) {
  TM_ASSIGN_OR_RETURN(std::vector<KeyValue> lines, SplitKeyValues(text, name, true, "key=value"));
  BackupMyCnf out;
  for (const KeyValue& kv : lines) {
    TM_ASSIGN_OR_RETURN(bool known, SetCnfField(kv, name, out));
    if (!known) out.plugin_variables.emplace_back(kv.key, kv.value);
  }
  return out;
}

}  // namespace tidemark::engine
