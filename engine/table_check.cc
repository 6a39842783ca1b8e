// CHECK TABLE and COUNT(*) over a SqlSession, and the restore-test report. How the server
// answers CHECK TABLE (columns Table, Op, Msg_type, Msg_text; "status" rows carrying the
// verdict, "Error"/"error" rows from the diagnostics area) follows mysql_admin_table in
// sql/sql_admin.cc, MariaDB 10.11.
#include "engine/table_check.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "innodb/base/status.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {

namespace {

std::string Cell(const SqlRow& row, std::optional<size_t> index) {
  if (!index || *index >= row.size() || !row[*index]) return "";
  return *row[*index];
}

bool LostConnection(const absl::Status& s) { return absl::IsUnavailable(s); }

// Verdict of one CHECK TABLE result set.
void ReadCheckResult(const SqlResult& result, TableCheck& table) {
  const auto type_col = result.ColumnIndex("Msg_type");
  const auto text_col = result.ColumnIndex("Msg_text");
  bool error = false;
  bool unsupported = false;
  std::string last_error;
  for (const SqlRow& row : result.rows) {
    const std::string type = absl::AsciiStrToLower(Cell(row, type_col));
    const std::string text = Cell(row, text_col);
    if (type == "status") {
      table.status = text;
    } else {
      if (type == "error") {
        error = true;
        last_error = text;
      }
      if (absl::StrContains(text, "doesn't support check")) unsupported = true;
      table.messages.push_back(absl::StrFormat("%s: %s", type, text));
    }
  }
  table.checked = !result.rows.empty();
  const bool status_ok = table.status == "OK" || table.status == "Table is already up to date" ||
                         (table.status.empty() && unsupported);
  if (table.status.empty() && unsupported) table.status = "not supported by the engine";
  // InnoDB may end with an "error Corrupt" row and no status row (ha_innobase::check).
  if (table.status.empty() && error) table.status = last_error;
  table.ok = table.checked && !error && status_ok;
  if (!table.checked) table.status = "CHECK TABLE returned nothing";
}

}  // namespace

size_t TableCheckReport::failed() const {
  return std::count_if(tables.begin(), tables.end(), [](const TableCheck& t) { return !t.ok; });
}

uint64_t TableCheckReport::total_rows() const {
  uint64_t n = 0;
  for (const TableCheck& t : tables) n += t.rows.value_or(0);
  return n;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

absl::StatusOr<std::vector<TableCheck>> ListTables(SqlSession& session) {
  TM_ASSIGN_OR_RETURN(
      SqlResult result,
      session.Query("SELECT table_schema, table_name FROM information_schema.tables WHERE "
                    "table_type IN ('BASE TABLE', 'SYSTEM VERSIONED') AND table_schema NOT IN "
                    "('information_schema', 'performance_schema') ORDER BY table_schema, "
                    "table_name"));
  std::vector<TableCheck> tables;
  for (const SqlRow& row : result.rows) {
    if (row.size() < 2 || !row[0] || !row[1]) {
      return absl::InternalError("information_schema.tables: a row without schema or name");
    }
    tables.push_back(TableCheck{.schema = *row[0], .table = *row[1]});
  }
  return tables;
}

absl::Status CheckTable(SqlSession& session, const TableCheckOptions& options, TableCheck& t) {
  const std::string name = QuoteIdentifier(t.schema) + "." + QuoteIdentifier(t.table);
  auto check = session.Query(absl::StrFormat("CHECK TABLE %s%s", name,
                                             options.extended ? " EXTENDED" : ""));
  if (!check.ok()) {
    t.status = "CHECK TABLE failed";
    t.messages.push_back(std::string(check.status().message()));
    t.ok = false;
    return LostConnection(check.status()) ? check.status() : absl::OkStatus();
  }
  ReadCheckResult(*check, t);
  auto count = session.QueryValue(absl::StrFormat("SELECT COUNT(*) FROM %s", name));
  uint64_t rows = 0;
  if (count.ok() && absl::SimpleAtoi(*count, &rows)) {
    t.rows = rows;
    return absl::OkStatus();
  }
  t.ok = false;
  t.messages.push_back(count.ok() ? absl::StrFormat("COUNT(*) returned '%s'", *count)
                                  : std::string(count.status().message()));
  return !count.ok() && LostConnection(count.status()) ? count.status() : absl::OkStatus();
}

absl::StatusOr<TableCheckReport> CheckAllTables(SqlSession& session,
                                                const TableCheckOptions& options) {
  TableCheckReport report;
  TM_ASSIGN_OR_RETURN(report.tables, ListTables(session));
  for (TableCheck& t : report.tables) {
    if (!report.server_lost.empty()) {
      t.status = "not checked: the server went away";
      continue;
    }
    absl::Status lost = CheckTable(session, options, t);
    if (!lost.ok()) {
      report.server_lost = absl::StrFormat("while checking %s.%s: %s", t.schema, t.table,
                                           lost.message());
    }
  }
  return report;
}

std::string FormatTableReport(const TableCheckReport& report) {
  size_t width = 0;
  for (const TableCheck& t : report.tables) {
    width = std::max(width, t.schema.size() + 1 + t.table.size());
  }
  std::string out;
  for (const TableCheck& t : report.tables) {
    const std::string name = t.schema + "." + t.table;
    const std::string rows =
        t.rows ? absl::StrFormat("%d rows", *t.rows) : std::string("rows unknown");
    if (t.ok) {
      absl::StrAppendFormat(&out, "ok      %-*s  %s\n", width, name, rows);
    } else {
      absl::StrAppendFormat(&out, "FAILED  %-*s  %s  %s%s%s\n", width, name, rows, t.status,
                            t.messages.empty() ? "" : ": ", absl::StrJoin(t.messages, "; "));
    }
  }
  if (!report.server_lost.empty()) {
    absl::StrAppendFormat(&out, "server lost %s\n", report.server_lost);
  }
  absl::StrAppendFormat(&out, "tables: %d checked, %d ok, %d failed; rows: %d\n",
                        report.tables.size(), report.tables.size() - report.failed(),
                        report.failed(), report.total_rows());
  return out;
}

std::string TableReportJson(const TableCheckReport& report) {
  nlohmann::ordered_json tables = nlohmann::ordered_json::array();
  for (const TableCheck& t : report.tables) {
    nlohmann::ordered_json j = {{"schema", t.schema}, {"table", t.table}, {"ok", t.ok},
                                {"checked", t.checked}, {"status", t.status}};
    j["rows"] = t.rows ? nlohmann::ordered_json(*t.rows) : nlohmann::ordered_json(nullptr);
    j["messages"] = t.messages;
    tables.push_back(std::move(j));
  }
  nlohmann::ordered_json out = {{"ok", report.ok()}, {"tables", std::move(tables)}};
  out["totals"] = {{"tables", report.tables.size()},
                   {"ok", report.tables.size() - report.failed()},
                   {"failed", report.failed()},
                   {"rows", report.total_rows()}};
  if (!report.server_lost.empty()) out["server_lost"] = report.server_lost;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tidemark::engine
