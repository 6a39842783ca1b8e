// The Connector/C SqlSession: RAII over MYSQL* and MYSQL_RES*, results fetched whole with
// mysql_store_result (the backup's result sets are small), errors mapped by SqlErrorToStatus.
// The only file of the engine that includes <mysql.h> (STYLE.md, layers).
#include "engine/mysql_sql_session.h"

#include <mysql.h>

#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

struct MysqlCloser {
  void operator()(MYSQL* mysql) const { mysql_close(mysql); }
};
using MysqlHandle = std::unique_ptr<MYSQL, MysqlCloser>;

struct ResultFreer {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};
using ResultHandle = std::unique_ptr<MYSQL_RES, ResultFreer>;

// mysql_library_init is not thread-safe and mysql_init calls it implicitly on first use;
// doing it once here makes concurrent Connect calls safe.
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

SqlError LastError(MYSQL* mysql) {
  return SqlError{mysql_errno(mysql), mysql_sqlstate(mysql), mysql_error(mysql)};
}

class MysqlSqlSession final : public SqlSession {
 public:
  explicit MysqlSqlSession(MysqlHandle mysql) : mysql_(std::move(mysql)) {}

  absl::Status Execute(std::string_view sql) override { return Query(sql).status(); }

  absl::StatusOr<SqlResult> Query(std::string_view sql) override {
    if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) {
      return SqlErrorToStatus(LastError(mysql_.get()), sql);
    }
    TM_ASSIGN_OR_RETURN(SqlResult result, FetchResult(sql));
    TM_RETURN_IF_ERROR(DrainMoreResults(sql));
    return result;
  }

  std::string ServerVersion() const override { return mysql_get_server_info(mysql_.get()); }

 private:
  absl::StatusOr<SqlResult> FetchResult(std::string_view sql);
  // Results beyond the first (a CALL) are read and dropped so the connection stays in sync.
  absl::Status DrainMoreResults(std::string_view sql);

  MysqlHandle mysql_;
};

absl::StatusOr<SqlResult> MysqlSqlSession::FetchResult(std::string_view sql) {
  ResultHandle res(mysql_store_result(mysql_.get()));
  if (res == nullptr) {
    if (mysql_field_count(mysql_.get()) == 0) return SqlResult{};  // no result set
    return SqlErrorToStatus(LastError(mysql_.get()), sql);
  }
  SqlResult out;
  const unsigned int n = mysql_num_fields(res.get());
  const MYSQL_FIELD* fields = mysql_fetch_fields(res.get());
  for (unsigned int i = 0; i < n; ++i)
    out.columns.emplace_back(fields[i].name, fields[i].name_length);
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(res.get());
    SqlRow& cells = out.rows.emplace_back();
    cells.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
      if (row[i] == nullptr) {
        cells.emplace_back(std::nullopt);
      } else {
        cells.emplace_back(std::string(row[i], lengths[i]));
      }
    }
  }
  return out;
}

absl::Status MysqlSqlSession::DrainMoreResults(std::string_view sql) {
  while (mysql_more_results(mysql_.get())) {
    if (mysql_next_result(mysql_.get()) > 0) return SqlErrorToStatus(LastError(mysql_.get()), sql);
    ResultHandle extra(mysql_store_result(mysql_.get()));
  }
  return absl::OkStatus();
}

void SetTimeout(MYSQL* mysql, mysql_option option, std::chrono::seconds timeout) {
  if (timeout.count() <= 0) return;
  unsigned int seconds = static_cast<unsigned int>(timeout.count());
  mysql_options(mysql, option, &seconds);
}

void SetClientOptions(MYSQL* mysql, const ConnectionOptions& options) {
  my_bool reconnect = 0;
  mysql_options(mysql, MYSQL_OPT_RECONNECT, &reconnect);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  SetTimeout(mysql, MYSQL_OPT_CONNECT_TIMEOUT, options.connect_timeout);
  SetTimeout(mysql, MYSQL_OPT_READ_TIMEOUT, options.read_timeout);
  SetTimeout(mysql, MYSQL_OPT_WRITE_TIMEOUT, options.write_timeout);
  if (!options.defaults_file.empty()) {
    mysql_options(mysql, MYSQL_READ_DEFAULT_FILE, options.defaults_file.c_str());
    mysql_options(mysql, MYSQL_READ_DEFAULT_GROUP, options.defaults_group.c_str());
  }
  if (options.socket.empty() && options.host.empty()) return;
  unsigned int protocol = options.host.empty() || options.host == "localhost"
                              ? MYSQL_PROTOCOL_SOCKET
                              : MYSQL_PROTOCOL_TCP;
  mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
}

const char* OrNull(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// The session settings every backup connection needs (see the header).
absl::Status ApplySessionSettings(SqlSession& session, const SessionOptions& options) {
  TM_RETURN_IF_ERROR(session.Execute("SET SESSION wait_timeout=2147483"));
  // max_statement_time exists only on MariaDB; on another server the version check reports
  // the real problem, so do not fail the connection here.
  if (session.ServerVersion().find("MariaDB") != std::string::npos) {
    TM_RETURN_IF_ERROR(session.Execute("SET SESSION max_statement_time=0"));
  }
  if (options.lock_wait_timeout.has_value()) {
    TM_RETURN_IF_ERROR(session.Execute(
        absl::StrFormat("SET SESSION lock_wait_timeout=%d", options.lock_wait_timeout->count())));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlSession>> ConnectMysql(const ConnectionOptions& options,
                                                         const SessionOptions& session) {
  InitLibraryOnce();
  const std::string where = options.Describe();
  MysqlHandle mysql(mysql_init(nullptr));
  if (mysql == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("connect to mariadb %s: mysql_init failed", where));
  }
  SetClientOptions(mysql.get(), options);
  const char* password = options.password.has_value() ? options.password->c_str() : nullptr;
  if (mysql_real_connect(mysql.get(), OrNull(options.host), OrNull(options.user), password,
                         /*db=*/nullptr, options.port, OrNull(options.socket),
                         /*clientflag=*/0) == nullptr) {
    return SqlConnectErrorToStatus(LastError(mysql.get()), where);
  }
  auto result = std::make_unique<MysqlSqlSession>(std::move(mysql));
  TM_RETURN_IF_ERROR(Annotate(ApplySessionSettings(*result, session),
                              absl::StrFormat("connect to mariadb %s", where)));
  return result;
}

}  // namespace tidemark::engine
