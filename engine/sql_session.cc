// SqlSession helpers and the one mapping from client/server error numbers to status codes.
// The numbers are those of MariaDB Connector/C's errmsg.h and the server's mysqld_error.h
// (MariaDB 10.11); they are spelled out here so that this file needs no client headers.
#include "engine/sql_session.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_format.h"

namespace tidemark::engine {
namespace {

constexpr size_t kMaxHeadChars = 64;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Position of the first case-insensitive occurrence of `word` in `text`, or npos.
size_t FindIgnoreCase(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return std::string_view::npos;
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    if (EqualsIgnoreCase(text.substr(i, word.size()), word)) return i;
  }
  return std::string_view::npos;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  bool in_space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<size_t> SqlResult::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (EqualsIgnoreCase(columns[i], name)) return i;
  }
  return std::nullopt;
}

std::string ConnectionOptions::Describe() const {
  std::string who = user.empty() ? "the default user" : absl::StrFormat("'%s'", user);
  if (!host.empty() && host != "localhost") {
    if (port == 0) return absl::StrFormat("'%s' as %s", host, who);
    return absl::StrFormat("'%s:%d' as %s", host, port, who);
  }
  if (!socket.empty()) return absl::StrFormat("socket '%s' as %s", socket, who);
  return absl::StrFormat("the default socket as %s", who);
}

absl::StatusOr<SqlRow> SqlSession::QueryRow(std::string_view sql) {
  absl::StatusOr<SqlResult> result = Query(sql);
  if (!result.ok()) return result.status();
  if (result->rows.empty()) {
    return absl::NotFoundError(absl::StrFormat("'%s' returned no rows", StatementHead(sql)));
  }
  if (result->rows.size() > 1) {
    return absl::InternalError(absl::StrFormat("'%s' returned %d rows, expected one",
                                               StatementHead(sql), result->rows.size()));
  }
  return std::move(result->rows.front());
}

absl::StatusOr<std::string> SqlSession::QueryValue(std::string_view sql) {
  absl::StatusOr<SqlRow> row = QueryRow(sql);
  if (!row.ok()) return row.status();
  if (row->size() != 1) {
    return absl::InternalError(
        absl::StrFormat("'%s' returned %d columns, expected one", StatementHead(sql), row->size()));
  }
  if (!row->front().has_value()) {
    return absl::FailedPreconditionError(absl::StrFormat("'%s' returned NULL", StatementHead(sql)));
  }
  return std::move(*row->front());
}

bool IsConnectionLost(unsigned int number) {
  switch (number) {
    case 2002:  // CR_CONNECTION_ERROR: cannot connect through the socket
    case 2003:  // CR_CONN_HOST_ERROR: cannot connect over TCP
    case 2006:  // CR_SERVER_GONE_ERROR: gone between statements
    case 2013:  // CR_SERVER_LOST: lost during a statement
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1152:  // ER_ABORTING_CONNECTION
    case 1184:  // ER_NEW_ABORTING_CONNECTION
    case 1927:  // ER_CONNECTION_KILLED: KILL <id> from another session
      return true;
    default:
      return false;
  }
}

absl::StatusCode SqlErrorCode(unsigned int number) {
  if (IsConnectionLost(number)) return absl::StatusCode::kUnavailable;
  switch (number) {
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1203:  // ER_TOO_MANY_USER_CONNECTIONS
    case 1213:  // ER_LOCK_DEADLOCK: the statement may be retried
      return absl::StatusCode::kUnavailable;
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1045:  // ER_ACCESS_DENIED_ERROR: wrong user or password
    case 1095:  // ER_KILL_DENIED_ERROR
    case 1130:  // ER_HOST_NOT_PRIVILEGED
    case 1142:  // ER_TABLEACCESS_DENIED_ERROR
    case 1143:  // ER_COLUMNACCESS_DENIED_ERROR
    case 1227:  // ER_SPECIFIC_ACCESS_DENIED_ERROR: "you need (at least one of) the ..."
    case 1370:  // ER_PROCACCESS_DENIED_ERROR
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
      return absl::StatusCode::kPermissionDenied;
    case 1205:  // ER_LOCK_WAIT_TIMEOUT (also lock_wait_timeout on BACKUP STAGE)
    case 1969:  // ER_STATEMENT_TIMEOUT (max_statement_time)
      return absl::StatusCode::kDeadlineExceeded;
    case 1317:  // ER_QUERY_INTERRUPTED: KILL QUERY
      return absl::StatusCode::kCancelled;
    case 1064:  // ER_PARSE_ERROR: a statement of ours is wrong
      return absl::StatusCode::kInternal;
    case 2008:  // CR_OUT_OF_MEMORY
      return absl::StatusCode::kResourceExhausted;
    default:
      break;
  }
  // Other client-side errors (commands out of sync, malformed packets) are our misuse.
  if (number >= 2000 && number < 3000) return absl::StatusCode::kInternal;
  return absl::StatusCode::kFailedPrecondition;
}

absl::Status SqlErrorToStatus(const SqlError& error, std::string_view statement) {
  std::string text;
  if (IsConnectionLost(error.number)) {
    text = absl::StrFormat("mariadb connection lost during '%s': %s (error %d)",
                           StatementHead(statement), error.message, error.number);
  } else {
    text = absl::StrFormat("'%s' failed: %s (error %d)", StatementHead(statement), error.message,
                           error.number);
  }
  return absl::Status(SqlErrorCode(error.number), text);
}

absl::Status SqlConnectErrorToStatus(const SqlError& error, std::string_view where) {
  return absl::Status(
      SqlErrorCode(error.number),
      absl::StrFormat("connect to mariadb %s: %s (error %d)", where, error.message, error.number));
}

std::string StatementHead(std::string_view statement) {
  std::string head = CollapseWhitespace(statement);
  size_t cut = std::min(FindIgnoreCase(head, "IDENTIFIED"), FindIgnoreCase(head, "PASSWORD"));
  if (cut != std::string::npos) {
    head = CollapseWhitespace(std::string_view(head).substr(0, cut));
    head += head.empty() ? "..." : " ...";
  }
  if (head.size() > kMaxHeadChars) head = head.substr(0, kMaxHeadChars - 3) + "...";
  return head;
}

}  // namespace tidemark::engine
