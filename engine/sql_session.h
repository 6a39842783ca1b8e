// The SQL side of a backup as an interface: one `SqlSession` per server connection, made by a
// `SqlSessionFactory` (the backup opens several). The MariaDB Connector/C implementation is
// engine/mysql_sql_session.h, the only code that includes <mysql.h>; unit tests use the scripted
// fake in tests/support/scripted_sql_session.h. Server errors become statuses with stable codes
// through SqlErrorToStatus, shared by both so a scripted error reads exactly like a real one.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tidemark::engine {

// One cell: nullopt is SQL NULL. Values are the server's text form, byte for byte.
using SqlValue = std::optional<std::string>;
using SqlRow = std::vector<SqlValue>;

// A fully fetched result set. A statement without a result set (SET, BACKUP STAGE) gives an
// empty `columns`; a result set with no rows gives columns and no rows.
struct SqlResult {
  std::vector<std::string> columns;
  std::vector<SqlRow> rows;

  // The index of the column called `name` (ASCII case-insensitive), or nullopt.
  std::optional<size_t> ColumnIndex(std::string_view name) const;
};

// How to reach the server. Copyable; `password` must never be logged or put into a message:
// use Describe() for messages.
struct ConnectionOptions {
  std::string socket;  // Unix socket; used when `host` is empty or "localhost"
  std::string host;    // empty: the local server over `socket` (or the client default)
  uint16_t port = 0;   // TCP port with `host`; 0 = the client default (3306)
  std::string user;    // empty: from the option file, else the OS user
  // nullopt: no password given here; Connector/C then takes the option file's, else the
  // MYSQL_PWD environment variable's. "" is an empty password.
  std::optional<std::string> password;
  // Option file read by the client library (MYSQL_READ_DEFAULT_FILE) and the group read in
  // it besides [client], which Connector/C always reads; values given above take precedence.
  // Empty defaults_file: no option file is read.
  std::string defaults_file;
  std::string defaults_group = "client";
  std::chrono::seconds connect_timeout{30};
  // Network read/write timeouts; zero means none, which a lock connection needs because
  // BACKUP STAGE statements legitimately wait for a long time.
  std::chrono::seconds read_timeout{0};
  std::chrono::seconds write_timeout{0};

  // "socket '/run/mysqld/mysqld.sock' as 'bk'" or "'db1:3307' as 'bk'": where and who, never
  // the password.
  std::string Describe() const;
};

// Per-connection settings asked for by the caller of SqlSessionFactory::Connect.
struct SessionOptions {
  // When set, the new session runs `SET SESSION lock_wait_timeout=<seconds>` (the backup-lock
  // connection sets a very long one so BACKUP STAGE waits instead of failing).
  std::optional<std::chrono::seconds> lock_wait_timeout;
};

// One server connection. Not thread-safe: one thread at a time (the backup gives each worker
// its own session). Statements are single statements (no multi-statement batches). Errors of
// Execute and Query are those of SqlErrorToStatus.
class SqlSession {
 public:
  virtual ~SqlSession() = default;

  // Runs `sql`; any result set is fetched and discarded.
  virtual absl::Status Execute(std::string_view sql) = 0;
  // Runs `sql` and returns its result set (see SqlResult for statements without one).
  virtual absl::StatusOr<SqlResult> Query(std::string_view sql) = 0;
  // The server's version string from the handshake, e.g. "10.11.19-MariaDB-0+deb12u1-log".
  virtual std::string ServerVersion() const = 0;

  // The single row of `sql`. NotFound "'<head>' returned no rows" when there is none;
  // Internal "'<head>' returned N rows, expected one" when there are several.
  absl::StatusOr<SqlRow> QueryRow(std::string_view sql);
  // The single non-NULL value of a one-row, one-column result. Besides QueryRow's errors:
  // Internal when the row has another number of columns, FailedPrecondition
  // "'<head>' returned NULL" for NULL.
  absl::StatusOr<std::string> QueryValue(std::string_view sql);
};

// Opens sessions. Thread-safe: workers may connect concurrently.
class SqlSessionFactory {
 public:
  virtual ~SqlSessionFactory() = default;
  // Errors: Unavailable when the server cannot be reached, PermissionDenied when it refuses
  // the credentials; messages say where and as whom (ConnectionOptions::Describe), never
  // the password.
  virtual absl::StatusOr<std::unique_ptr<SqlSession>> Connect(const SessionOptions& options) = 0;
};

// An error reported by the client library or the server for one statement.
struct SqlError {
  unsigned int number = 0;  // mysql_errno(): 1000..1999 and 3000+ server, 2000..2999 client
  std::string sqlstate;     // e.g. "42000"; informational
  std::string message;      // mysql_error(), e.g. "Lost connection to server during query"
};

// The status code for an error number (table in sql_session.cc): connection lost or refused
// → Unavailable; access denied → PermissionDenied; lock wait or statement timeout →
// DeadlineExceeded; query interrupted by KILL QUERY → Cancelled; deadlock → Unavailable
// (retryable); our own SQL or protocol misuse → Internal; client out of memory →
// ResourceExhausted; any other server error → FailedPrecondition.
absl::StatusCode SqlErrorCode(unsigned int number);
// True for the errors that mean the connection is gone (2002, 2003, 2006, 2013, 2055, 1053,
// 1152, 1184, 1927): the session is unusable afterwards.
bool IsConnectionLost(unsigned int number);

// The status for `error` raised by `statement`:
//   connection lost: "mariadb connection lost during '<head>': <message> (error N)"
//   otherwise:       "'<head>' failed: <message> (error N)"
// with the code of SqlErrorCode and <head> = StatementHead(statement).
absl::Status SqlErrorToStatus(const SqlError& error, std::string_view statement);
// The status for a failed connection attempt:
//   "connect to mariadb <where>: <message> (error N)", where = ConnectionOptions::Describe().
absl::Status SqlConnectErrorToStatus(const SqlError& error, std::string_view where);

// A statement shortened for messages: whitespace runs collapsed to one space, cut before
// any IDENTIFIED or PASSWORD keyword (so a secret never reaches a message), and at most 64
// characters (then ending in "...").
std::string StatementHead(std::string_view statement);

}  // namespace tidemark::engine
