// The SQL half of `tidemark restore-test`: list the tables of a server started on a backup,
// run CHECK TABLE on each and count its rows, and render what was found as a report (text for
// people, JSON for scripts). Works over any SqlSession, so tests drive it with the scripted
// fake and the tool with a Connector/C session on the scratch server (docs/restore-test.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/sql_session.h"

namespace tidemark::engine {

// One table as the report shows it.
struct TableCheck {
  std::string schema, table;
  bool checked = false;  // CHECK TABLE ran and returned rows
  bool ok = false;       // CHECK TABLE said OK (or "not supported") and COUNT(*) worked
  std::string status;    // CHECK TABLE's last status text ("OK", "Corrupt", ...), or why not
  std::vector<std::string> messages;  // "error: ...", "warning: ..." rows, statement errors
  std::optional<uint64_t> rows;       // COUNT(*), nullopt when it failed or did not run
};

struct TableCheckReport {
  std::vector<TableCheck> tables;  // in schema, table order
  // Set when the server went away (e.g. it crashed on a corrupt page): the statement that
  // lost it, and the tables after it are listed unchecked.
  std::string server_lost;
  size_t failed() const;
  uint64_t total_rows() const;
  bool ok() const { return failed() == 0 && server_lost.empty(); }
};

struct TableCheckOptions {
  bool extended = false;  // CHECK TABLE ... EXTENDED
};

// The base tables to check: every schema but information_schema and performance_schema
// (mysql and sys included: a damaged system table breaks a restore as surely as a user
// table), views excluded, sorted by schema then name. Errors: the query's.
absl::StatusOr<std::vector<TableCheck>> ListTables(SqlSession& session);

// Fills in `table` from CHECK TABLE and SELECT COUNT(*). A failing statement makes the table
// fail with the statement's error among its messages. Returns the status of a statement that
// lost the connection (the caller stops there), else OK.
absl::Status CheckTable(SqlSession& session, const TableCheckOptions& options, TableCheck& table);

// ListTables, then CheckTable on each. Errors: ListTables'; a lost connection is not an
// error but recorded in server_lost.
absl::StatusOr<TableCheckReport> CheckAllTables(SqlSession& session,
                                                const TableCheckOptions& options);

// `name` quoted as a MariaDB identifier: backticks, inner backticks doubled.
std::string QuoteIdentifier(std::string_view name);

// The text report: one line per table ("ok      db.t   1234 rows" or "FAILED  db.t  ...
// <status>: <messages>"), then "tables: N checked, N ok, N failed; rows: N".
std::string FormatTableReport(const TableCheckReport& report);
// The same as one JSON object: {"ok", "tables": [{"schema", "table", "ok", "checked",
// "status", "rows" (null when unknown), "messages"}], "totals": {"tables", "ok", "failed",
// "rows"}, "server_lost" (only when set)}.
std::string TableReportJson(const TableCheckReport& report);

}  // namespace tidemark::engine
