// The backup's SQL conversation with the server: settings, version and privilege checks,
// BACKUP STAGE, LSN and binlog position. Behaviour follows mariadb-backup 10.11
// (extra/mariabackup/backup_mysql.cc: get_mysql_vars, check_server_version,
// lock_for_backup_stage_*, get_current_lsn, write_binlog_info; encryption_plugin.cc;
// xtrabackup.cc: check_all_privileges), re-written; see the header for the contract.
#include "engine/server_info.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

// Server variables read by ReadServerInfo; `required` ones must be reported.
struct VariableSpec {
  std::string_view name;
  bool required;
};
constexpr VariableSpec kVariables[] = {
    {"version", true},
    {"version_comment", false},
    {"datadir", true},
    {"innodb_data_home_dir", false},
    {"innodb_data_file_path", true},
    {"innodb_log_group_home_dir", false},
    {"innodb_log_file_size", true},
    {"innodb_page_size", true},
    {"innodb_undo_directory", false},
    {"innodb_undo_tablespaces", true},
    {"innodb_checksum_algorithm", true},
    {"innodb_compression_level", false},
    {"innodb_buffer_pool_filename", false},
    {"innodb_encrypt_tables", false},
    {"innodb_encrypt_log", false},
    {"aria_log_dir_path", false},
    {"log_bin", true},
    {"log_bin_basename", false},
    {"log_bin_index", false},
    {"gtid_binlog_pos", false},
    {"gtid_current_pos", false},
    {"server_id", true},
    {"wsrep_on", false},
    {"plugin_dir", false},
};

// Encryption plugins and compression providers, as mariadb-backup's encryption_plugin.cc
// selects them (with the AND/OR grouping it intends).
constexpr std::string_view kPluginQuery =
    "SELECT plugin_name, plugin_library, plugin_type FROM information_schema.plugins "
    "WHERE plugin_status = 'ACTIVE' AND (plugin_type = 'ENCRYPTION' OR "
    "(plugin_type = 'DAEMON' AND plugin_name LIKE 'provider\\_%'))";

constexpr std::string_view kInnodbStatusLsnLabel = "Log sequence number";

using VariableMap = std::map<std::string, std::string, std::less<>>;

std::string VariablesStatement() {
  std::string names;
  for (const VariableSpec& v : kVariables) {
    names += absl::StrFormat("%s'%s'", names.empty() ? "" : ", ", v.name);
  }
  return absl::StrFormat("SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s)", names);
}

// Name/value rows (SHOW VARIABLES) into a map; NULL values become "".
absl::StatusOr<VariableMap> ToVariableMap(const SqlResult& result, std::string_view statement) {
  if (result.columns.size() != 2) {
    return absl::InternalError(absl::StrFormat("'%s' returned %d columns, expected 2",
                                               StatementHead(statement), result.columns.size()));
  }
  VariableMap out;
  for (const SqlRow& row : result.rows) {
    if (!row[0].has_value()) continue;
    out[*row[0]] = row[1].value_or("");
  }
  return out;
}

absl::StatusOr<VariableMap> QueryVariables(SqlSession& session, std::string_view statement) {
  TM_ASSIGN_OR_RETURN(SqlResult result, session.Query(statement));
  return ToVariableMap(result, statement);
}

absl::Status CheckRequired(const VariableMap& vars) {
  for (const VariableSpec& v : kVariables) {
    if (v.required && !vars.contains(v.name)) {
      return absl::FailedPreconditionError(absl::StrFormat("server did not report '%s'", v.name));
    }
  }
  return absl::OkStatus();
}

std::string Text(const VariableMap& vars, std::string_view name) {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

bool Flag(const VariableMap& vars, std::string_view name) {
  std::string v = Text(vars, name);
  return v == "ON" || v == "1";
}

absl::StatusOr<uint64_t> Number(const VariableMap& vars, std::string_view name) {
  std::string v = Text(vars, name);
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("server variable %s = '%s' is not a number", name, v));
  }
  return n;
}

absl::StatusOr<uint32_t> Number32(const VariableMap& vars, std::string_view name) {
  TM_ASSIGN_OR_RETURN(uint64_t n, Number(vars, name));
  if (n > UINT32_MAX) {
    return absl::FailedPreconditionError(
        absl::StrFormat("server variable %s = %d is out of range", name, n));
  }
  return static_cast<uint32_t>(n);
}

absl::Status FillInnodb(const VariableMap& vars, ServerInfo& info) {
  info.innodb_data_home_dir = Text(vars, "innodb_data_home_dir");
  info.innodb_data_file_path = Text(vars, "innodb_data_file_path");
  info.innodb_log_group_home_dir = Text(vars, "innodb_log_group_home_dir");
  TM_ASSIGN_OR_RETURN(info.innodb_log_file_size, Number(vars, "innodb_log_file_size"));
  TM_ASSIGN_OR_RETURN(info.innodb_page_size, Number32(vars, "innodb_page_size"));
  info.innodb_undo_directory = Text(vars, "innodb_undo_directory");
  TM_ASSIGN_OR_RETURN(info.innodb_undo_tablespaces, Number32(vars, "innodb_undo_tablespaces"));
  info.innodb_checksum_algorithm = Text(vars, "innodb_checksum_algorithm");
  if (vars.contains("innodb_compression_level")) {
    TM_ASSIGN_OR_RETURN(info.innodb_compression_level, Number32(vars, "innodb_compression_level"));
  }
  info.innodb_buffer_pool_filename = Text(vars, "innodb_buffer_pool_filename");
  info.innodb_encrypt_tables = Text(vars, "innodb_encrypt_tables");
  info.innodb_encrypt_log = Flag(vars, "innodb_encrypt_log");
  return absl::OkStatus();
}

// The version comes first: on an unsupported server the other variables may be missing or
// mean something else, and "unsupported version" is the error worth reporting.
absl::Status FillVersion(const VariableMap& vars, ServerInfo& info) {
  if (!vars.contains("version")) {
    return absl::FailedPreconditionError("server did not report 'version'");
  }
  TM_ASSIGN_OR_RETURN(info.version,
                      ParseServerVersion(Text(vars, "version"), Text(vars, "version_comment")));
  info.version_comment = Text(vars, "version_comment");
  return CheckSupportedVersion(info.version);
}

absl::Status FillServer(const VariableMap& vars, ServerInfo& info) {
  info.datadir = Text(vars, "datadir");
  info.aria_log_dir_path = Text(vars, "aria_log_dir_path");
  info.log_bin = Flag(vars, "log_bin");
  info.log_bin_basename = Text(vars, "log_bin_basename");
  info.log_bin_index = Text(vars, "log_bin_index");
  info.gtid_binlog_pos = Text(vars, "gtid_binlog_pos");
  info.gtid_current_pos = Text(vars, "gtid_current_pos");
  TM_ASSIGN_OR_RETURN(info.server_id, Number32(vars, "server_id"));
  info.wsrep_on = Flag(vars, "wsrep_on");
  info.plugin_dir = Text(vars, "plugin_dir");
  return absl::OkStatus();
}

// `name` as a LIKE pattern matching itself literally, inside a single-quoted literal.
std::string LikeLiteral(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '_' || c == '%' || c == '\\') out.push_back('\\');
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out;
}

std::string StripLibrarySuffix(std::string library) {
  for (std::string_view ext : {".so", ".dll"}) {
    if (library.size() > ext.size() && library.ends_with(ext)) {
      library.resize(library.size() - ext.size());
    }
  }
  return library;
}

absl::StatusOr<std::vector<ServerPlugin>> ReadPlugins(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(SqlResult result, session.Query(kPluginQuery));
  std::vector<ServerPlugin> plugins;
  for (const SqlRow& row : result.rows) {
    if (row.size() != 3 || !row[0].has_value()) continue;
    ServerPlugin& p = plugins.emplace_back();
    p.name = *row[0];
    p.library = StripLibrarySuffix(row[1].value_or(""));
    p.is_encryption = row[2].value_or("") == "ENCRYPTION";
    if (!p.is_encryption) continue;
    std::string show = absl::StrFormat("SHOW GLOBAL VARIABLES LIKE '%s\\_%%'", LikeLiteral(p.name));
    TM_ASSIGN_OR_RETURN(SqlResult vars, session.Query(show));
    for (const SqlRow& v : vars.rows) {
      if (v.size() == 2 && v[0].has_value()) p.variables.emplace_back(*v[0], v[1].value_or(""));
    }
  }
  return plugins;
}

// An absolute directory with a trailing '/': `dir` if absolute, else below `datadir`.
std::string ResolveDir(const std::string& datadir, std::string_view dir) {
  std::string base = datadir;
  if (base.empty() || base.back() != '/') base.push_back('/');
  while (dir.starts_with("./")) dir.remove_prefix(2);
  if (dir == ".") dir = "";
  std::string out = dir.starts_with("/") ? std::string(dir) : base + std::string(dir);
  if (out.back() != '/') out.push_back('/');
  return out;
}

std::string SupportedList(std::span<const SupportedSeries> supported) {
  std::string out;
  for (const SupportedSeries& s : supported) {
    out += absl::StrFormat("%s%s %d.%d.x", out.empty() ? "" : ", ", s.flavor, s.major, s.minor);
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace

// ------------------------------------------------------------------------------ the version

absl::StatusOr<ParsedServerVersion> ParseServerVersion(std::string_view version,
                                                       std::string_view version_comment) {
  ParsedServerVersion out;
  out.text = std::string(version);
  const char* p = version.data();
  const char* end = version.data() + version.size();
  auto unparsable = [&] {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot parse server version '%s'", version));
  };
  int* parts[] = {&out.major, &out.minor, &out.patch};
  for (size_t i = 0; i < 3; ++i) {
    if (i > 0 && (p == end || *p++ != '.')) return unparsable();
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc()) return unparsable();
    p = next;
  }
  bool mariadb = version.find("MariaDB") != std::string_view::npos ||
                 version_comment.find("MariaDB") != std::string_view::npos;
  out.flavor = mariadb ? "MariaDB" : "MySQL";
  return out;
}

absl::Status CheckSupportedVersion(const ParsedServerVersion& version,
                                   std::span<const SupportedSeries> supported) {
  for (const SupportedSeries& s : supported) {
    if (s.flavor == version.flavor && s.major == version.major && s.minor == version.minor) {
      return absl::OkStatus();
    }
  }
  return absl::FailedPreconditionError(absl::StrFormat(
      "unsupported server version '%s' (%s %d.%d): tidemark supports %s", version.text,
      version.flavor, version.major, version.minor, SupportedList(supported)));
}

// ------------------------------------------------------------------------ server settings

std::string ServerInfo::ResolvedDataHomeDir() const {
  return ResolveDir(datadir, innodb_data_home_dir);
}
std::string ServerInfo::ResolvedLogGroupHomeDir() const {
  return ResolveDir(datadir, innodb_log_group_home_dir);
}
std::string ServerInfo::ResolvedUndoDirectory() const {
  return ResolveDir(datadir, innodb_undo_directory);
}

absl::StatusOr<ServerInfo> ReadServerInfo(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(VariableMap vars, QueryVariables(session, VariablesStatement()));
  ServerInfo info;
  TM_RETURN_IF_ERROR(FillVersion(vars, info));
  TM_RETURN_IF_ERROR(CheckRequired(vars));
  TM_RETURN_IF_ERROR(FillServer(vars, info));
  TM_RETURN_IF_ERROR(FillInnodb(vars, info));
  TM_ASSIGN_OR_RETURN(info.plugins, ReadPlugins(session));
  return info;
}

bool IsSecretServerVariable(std::string_view name) {
  for (std::string_view secret : {"filekey", "password", "secret", "token"}) {
    if (name.find(secret) != std::string_view::npos) return true;
  }
  return false;
}

// ------------------------------------------------------------------------------ privileges

namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A privilege the backup needs, satisfied by itself or any of `alternatives`.
struct Requirement {
  std::string_view privilege;
  std::vector<std::string_view> alternatives;
  std::string_view reason;  // "" for the unconditional ones
};

std::vector<Requirement> RequirementsFor(const ServerInfo& info, const PrivilegeNeeds& needs) {
  std::vector<Requirement> out = {{"RELOAD", {}, ""}, {"PROCESS", {}, ""}};
  if (info.log_bin) out.push_back({"BINLOG MONITOR", {"SUPER"}, "needed because log_bin is ON"});
  if (needs.kill_long_queries) {
    out.push_back({"CONNECTION ADMIN", {"SUPER"}, "needed to kill long queries"});
  }
  if (needs.checkpoint_now) {
    out.push_back({"SUPER", {}, "needed for innodb_log_checkpoint_now"});
  }
  return out;
}

bool Satisfied(const GlobalPrivileges& granted, const Requirement& r) {
  if (granted.Has(r.privilege)) return true;
  return std::any_of(r.alternatives.begin(), r.alternatives.end(),
                     [&](std::string_view alt) { return granted.Has(alt); });
}

}  // namespace

bool GlobalPrivileges::Has(std::string_view privilege) const {
  return all || std::binary_search(names.begin(), names.end(), privilege);
}

GlobalPrivileges ParseGlobalPrivileges(const std::vector<std::string>& grant_lines) {
  constexpr std::string_view kGrant = "GRANT ";
  constexpr std::string_view kOnGlobal = " ON *.* TO ";
  GlobalPrivileges out;
  for (std::string_view line : grant_lines) {
    if (!line.starts_with(kGrant)) continue;
    size_t on = line.find(kOnGlobal);
    if (on == std::string_view::npos) continue;  // a role grant, or not global
    std::string_view list = line.substr(kGrant.size(), on - kGrant.size());
    if (list.find('`') != std::string_view::npos) continue;  // a role name, not privileges
    while (!list.empty()) {
      size_t comma = std::min(list.find(','), list.size());
      std::string name = Upper(Trim(list.substr(0, comma)));
      list.remove_prefix(std::min(comma + 1, list.size()));
      if (name == "ALL PRIVILEGES" || name == "ALL") out.all = true;
      if (!name.empty()) out.names.push_back(std::move(name));
    }
  }
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  return out;
}

absl::Status CheckBackupPrivileges(SqlSession& session, const ServerInfo& info,
                                   const PrivilegeNeeds& needs) {
  TM_ASSIGN_OR_RETURN(SqlResult result, session.Query("SHOW GRANTS"));
  std::vector<std::string> lines;
  for (const SqlRow& row : result.rows) {
    if (!row.empty() && row[0].has_value()) lines.push_back(*row[0]);
  }
  const GlobalPrivileges granted = ParseGlobalPrivileges(lines);
  std::string missing;
  for (const Requirement& r : RequirementsFor(info, needs)) {
    if (Satisfied(granted, r)) continue;
    missing += absl::StrFormat("%s%s", missing.empty() ? "" : ", ", r.privilege);
    if (!r.reason.empty()) missing += absl::StrFormat(" (%s)", r.reason);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrFormat("missing privileges: %s", missing));
}

// ---------------------------------------------------------------------------- backup stages

std::string_view BackupStageName(BackupStage stage) {
  switch (stage) {
    case BackupStage::kStart:
      return "START";
    case BackupStage::kFlush:
      return "FLUSH";
    case BackupStage::kBlockDdl:
      return "BLOCK_DDL";
    case BackupStage::kBlockCommit:
      return "BLOCK_COMMIT";
    case BackupStage::kEnd:
      return "END";
  }
  return "?";
}

absl::Status EnterBackupStage(SqlSession& session, BackupStage stage) {
  return session.Execute(absl::StrFormat("BACKUP STAGE %s", BackupStageName(stage)));
}

absl::Status SetBackupLockTimeout(SqlSession& session, std::chrono::seconds timeout) {
  return session.Execute(absl::StrFormat("SET SESSION lock_wait_timeout=%d", timeout.count()));
}

// ---------------------------------------------------------------------------------- the LSN

absl::StatusOr<Lsn> ParseLogSequenceNumber(std::string_view status) {
  // InnoDB prints "Log sequence number <lsn>" at the start of a line of its LOG section
  // (srv0srv.cc / log0log.cc log_print in 10.11); the label is not repeated elsewhere.
  for (size_t at = 0; at < status.size();) {
    size_t eol = std::min(status.find('\n', at), status.size());
    std::string_view line = status.substr(at, eol - at);
    at = eol + 1;
    if (!line.starts_with(kInnodbStatusLsnLabel)) continue;
    std::string_view rest = line.substr(kInnodbStatusLsnLabel.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    uint64_t lsn = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), lsn);
    if (ec != std::errc() || rest.size() == 0 ||
        (end != rest.data() + rest.size() && !std::isspace(static_cast<unsigned char>(*end)))) {
      return absl::FailedPreconditionError(
          absl::StrFormat("cannot parse the InnoDB status line '%s'", Trim(line)));
    }
    return Lsn(lsn);
  }
  return absl::FailedPreconditionError(
      "SHOW ENGINE INNODB STATUS has no 'Log sequence number' line");
}

absl::StatusOr<Lsn> CurrentLsn(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(SqlResult result, session.Query("SHOW ENGINE INNODB STATUS"));
  // One row with the columns Type, Name, Status.
  std::optional<size_t> column = result.ColumnIndex("Status");
  if (result.rows.empty() || !column || !result.rows.front()[*column].has_value()) {
    return absl::FailedPreconditionError("SHOW ENGINE INNODB STATUS returned no status text");
  }
  return ParseLogSequenceNumber(*result.rows.front()[*column]);
}

absl::Status FlushEngineLogs(SqlSession& session) {
  return session.Execute("FLUSH NO_WRITE_TO_BINLOG ENGINE LOGS");
}

absl::Status SetCheckpointNow(SqlSession& session) {
  return session.Execute("SET GLOBAL innodb_log_checkpoint_now=ON");
}

// ------------------------------------------------------------------------ the connections

absl::StatusOr<uint64_t> ConnectionId(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(SqlResult result, session.Query("SELECT CONNECTION_ID()"));
  uint64_t id = 0;
  if (result.rows.size() != 1 || result.rows[0].empty() || !result.rows[0][0] ||
      !absl::SimpleAtoi(*result.rows[0][0], &id)) {
    return absl::FailedPreconditionError("SELECT CONNECTION_ID() returned no number");
  }
  return id;
}

absl::StatusOr<bool> ConnectionAlive(SqlSession& session, uint64_t id) {
  TM_ASSIGN_OR_RETURN(
      SqlResult result,
      session.Query(absl::StrFormat(
          "SELECT COMMAND FROM information_schema.PROCESSLIST WHERE ID = %d", id)));
  for (const SqlRow& row : result.rows) {
    if (!row.empty() && row[0] && *row[0] == "Killed") return false;
  }
  return !result.rows.empty();
}

// ----------------------------------------------------------------------------- the binlog

namespace {

absl::StatusOr<BinlogPosition> BinlogFromMasterStatus(const SqlResult& result) {
  std::optional<size_t> file = result.ColumnIndex("File");
  std::optional<size_t> pos = result.ColumnIndex("Position");
  if (!file || !pos) {
    return absl::FailedPreconditionError("SHOW MASTER STATUS has no File and Position columns");
  }
  const SqlRow& row = result.rows.front();
  BinlogPosition out;
  out.file = row[*file].value_or("");
  std::string text = row[*pos].value_or("");
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out.position);
  if (out.file.empty() || text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("SHOW MASTER STATUS returned file '%s', position '%s'", out.file, text));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::optional<BinlogPosition>> ReadBinlogPosition(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(SqlResult status, session.Query("SHOW MASTER STATUS"));
  if (status.rows.empty()) return std::optional<BinlogPosition>();  // binary log off
  TM_ASSIGN_OR_RETURN(BinlogPosition out, BinlogFromMasterStatus(status));
  TM_ASSIGN_OR_RETURN(
      SqlRow gtid, session.QueryRow("SELECT @@GLOBAL.gtid_current_pos, @@GLOBAL.gtid_binlog_pos"));
  if (gtid.size() != 2) {
    return absl::InternalError("gtid position query returned the wrong number of columns");
  }
  out.gtid_current_pos = gtid[0].value_or("");
  out.gtid_binlog_pos = gtid[1].value_or("");
  return std::optional<BinlogPosition>(std::move(out));
}

std::string FormatXtrabackupBinlogInfo(const BinlogPosition& position) {
  return absl::StrFormat("%s\t%d\t%s\n", position.file, position.position,
                         position.gtid_current_pos);
}

std::string FormatBinlogPosForXtrabackupInfo(const BinlogPosition& position) {
  return absl::StrFormat("filename '%s', position '%d', GTID of the last change '%s'",
                         position.file, position.position, position.gtid_current_pos);
}

}  // namespace tidemark::engine
