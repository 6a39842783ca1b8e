// The server's generated and durable LSNs from its status variables (innodb_status_variables
// in ha_innodb.cc, export_vars in srv0srv.cc, MariaDB 10.11).
#include "engine/redo_probe.h"

#include <charconv>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

// The value of `name` in the result, as an LSN.
absl::StatusOr<Lsn> StatusLsn(const SqlResult& result, std::string_view name) {
  const std::optional<size_t> name_col = result.ColumnIndex("Variable_name");
  const std::optional<size_t> value_col = result.ColumnIndex("Value");
  for (const SqlRow& row : result.rows) {
    if (!name_col || !value_col || row[*name_col] != std::string(name)) continue;
    const std::string value = row[*value_col].value_or("NULL");
    uint64_t lsn = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), lsn);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
      return absl::FailedPreconditionError(
          absl::StrFormat("server status %s = '%s' is not a number", name, value));
    }
    return Lsn(lsn);
  }
  return absl::FailedPreconditionError(absl::StrFormat("server status has no %s", name));
}

}  // namespace

absl::StatusOr<ServerLogPosition> ParseServerLogPosition(const SqlResult& result) {
  ServerLogPosition p;
  TM_ASSIGN_OR_RETURN(p.current, StatusLsn(result, "Innodb_lsn_current"));
  TM_ASSIGN_OR_RETURN(p.flushed, StatusLsn(result, "Innodb_lsn_flushed"));
  return p;
}

absl::StatusOr<ServerLogPosition> ReadServerLogPosition(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(SqlResult result, session.Query(kServerLogPositionQuery));
  return ParseServerLogPosition(result);
}

}  // namespace tidemark::engine
