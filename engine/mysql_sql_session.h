// SqlSession over MariaDB Connector/C (libmysqlclient API). This header exposes no client
// types; engine/mysql_sql_session.cc is the only file of tidemark's library that includes
// <mysql.h>.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/sql_session.h"

namespace tidemark::engine {

// Opens one connection with `options` and applies `session`:
//  - automatic reconnect off (a silently re-opened connection would drop BACKUP STAGE locks);
//  - character set utf8mb4; the option file and group from `options` are read by the library;
//  - `SET SESSION wait_timeout=2147483, max_statement_time=0`, so that a connection idle
//    during a long copy is not closed by the server and no statement is cut short;
//  - `SET SESSION lock_wait_timeout=N` when `session.lock_wait_timeout` is set.
// Errors: those of SqlConnectErrorToStatus (Unavailable when unreachable, PermissionDenied
// for refused credentials), or of the SET statements annotated with "connect to mariadb
// <where>". The password is passed to the library only; it appears in no message.
// The returned session is not thread-safe (see SqlSession).
absl::StatusOr<std::unique_ptr<SqlSession>> ConnectMysql(const ConnectionOptions& options,
                                                         const SessionOptions& session = {});

// A factory connecting with fixed ConnectionOptions. Thread-safe.
class MysqlSqlSessionFactory final : public SqlSessionFactory {
 public:
  explicit MysqlSqlSessionFactory(ConnectionOptions options) : options_(std::move(options)) {}
  absl::StatusOr<std::unique_ptr<SqlSession>> Connect(const SessionOptions& options) override {
    return ConnectMysql(options_, options);
  }

 private:
  const ConnectionOptions options_;
};

}  // namespace tidemark::engine
