// Tests of the SqlSession helpers: the error-number → status mapping with its exact
// messages, statement heads (secrets cut), ConnectionOptions::Describe, and QueryRow /
// QueryValue over the scripted session.
#include "engine/sql_session.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/support/scripted_sql_session.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::ScriptedSqlSession;

TEST(SqlErrorCodeTest, ConnectionLossIsUnavailable) {
  for (unsigned int n : {2002u, 2003u, 2006u, 2013u, 2055u, 1053u, 1927u}) {
    EXPECT_EQ(SqlErrorCode(n), absl::StatusCode::kUnavailable) << n;
    EXPECT_TRUE(IsConnectionLost(n)) << n;
  }
  EXPECT_FALSE(IsConnectionLost(1227));
}

TEST(SqlErrorCodeTest, AccessDeniedIsPermissionDenied) {
  for (unsigned int n : {1044u, 1045u, 1142u, 1227u}) {
    EXPECT_EQ(SqlErrorCode(n), absl::StatusCode::kPermissionDenied) << n;
  }
}

TEST(SqlErrorCodeTest, OtherCodes) {
  EXPECT_EQ(SqlErrorCode(1205), absl::StatusCode::kDeadlineExceeded);  // lock wait timeout
  EXPECT_EQ(SqlErrorCode(1969), absl::StatusCode::kDeadlineExceeded);  // statement timeout
  EXPECT_EQ(SqlErrorCode(1317), absl::StatusCode::kCancelled);         // KILL QUERY
  EXPECT_EQ(SqlErrorCode(1213), absl::StatusCode::kUnavailable);       // deadlock
  EXPECT_EQ(SqlErrorCode(1064), absl::StatusCode::kInternal);          // our syntax error
  EXPECT_EQ(SqlErrorCode(2014), absl::StatusCode::kInternal);          // out of sync
  EXPECT_EQ(SqlErrorCode(2008), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(SqlErrorCode(4147), absl::StatusCode::kFailedPrecondition);  // wrong backup stage
  EXPECT_EQ(SqlErrorCode(1193), absl::StatusCode::kFailedPrecondition);  // unknown variable
}

TEST(SqlErrorToStatusTest, ConnectionLostMessage) {
  absl::Status s = SqlErrorToStatus({2013, "HY000", "Lost connection to server during query"},
                                    "SHOW ENGINE INNODB STATUS");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(s.message()),
            "mariadb connection lost during 'SHOW ENGINE INNODB STATUS': Lost connection to "
            "server during query (error 2013)");
}

TEST(SqlErrorToStatusTest, OtherErrorMessage) {
  absl::Status s = SqlErrorToStatus(
      {1227, "42000",
       "Access denied; you need (at least one of) the SUPER, BINLOG MONITOR privilege(s) for "
       "this operation"},
      "SHOW MASTER STATUS");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(s.message()),
            "'SHOW MASTER STATUS' failed: Access denied; you need (at least one of) the SUPER, "
            "BINLOG MONITOR privilege(s) for this operation (error 1227)");
}

TEST(SqlErrorToStatusTest, ConnectMessage) {
  absl::Status s = SqlConnectErrorToStatus(
      {1045, "28000", "Access denied for user 'bk'@'localhost' (using password: YES)"},
      "socket '/tmp/s.sock' as 'bk'");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(s.message()),
            "connect to mariadb socket '/tmp/s.sock' as 'bk': Access denied for user "
            "'bk'@'localhost' (using password: YES) (error 1045)");
}

TEST(StatementHeadTest, CollapsesWhitespace) {
  EXPECT_EQ(StatementHead("  SHOW\n  MASTER\tSTATUS "), "SHOW MASTER STATUS");
}

TEST(StatementHeadTest, TruncatesLongStatements) {
  std::string sql = "SELECT " + std::string(100, 'x');
  std::string head = StatementHead(sql);
  EXPECT_EQ(head.size(), 64u);
  EXPECT_EQ(head, "SELECT " + std::string(54, 'x') + "...");
}

TEST(StatementHeadTest, CutsBeforeSecrets) {
  EXPECT_EQ(StatementHead("CREATE USER bk@localhost IDENTIFIED BY 'hunter2'"),
            "CREATE USER bk@localhost ...");
  EXPECT_EQ(StatementHead("set password for bk = password('hunter2')"), "set ...");
  EXPECT_EQ(StatementHead("PASSWORD('x')"), "...");
}

TEST(SqlResultTest, ColumnIndexIgnoresCase) {
  SqlResult r{{"File", "Position"}, {}};
  EXPECT_EQ(r.ColumnIndex("position"), 1u);
  EXPECT_EQ(r.ColumnIndex("FILE"), 0u);
  EXPECT_EQ(r.ColumnIndex("Gtid"), std::nullopt);
}

TEST(ConnectionOptionsTest, DescribeNeverShowsThePassword) {
  ConnectionOptions o;
  o.socket = "/run/mysqld/mysqld.sock";
  o.user = "bk";
  o.password = "hunter2";
  EXPECT_EQ(o.Describe(), "socket '/run/mysqld/mysqld.sock' as 'bk'");
  o.host = "db1";
  o.port = 3307;
  EXPECT_EQ(o.Describe(), "'db1:3307' as 'bk'");
  o.user.clear();
  o.port = 0;
  EXPECT_EQ(o.Describe(), "'db1' as the default user");
  EXPECT_EQ(ConnectionOptions{}.Describe(), "the default socket as the default user");
}

TEST(QueryRowTest, ReturnsTheOnlyRow) {
  ScriptedSqlSession session;
  session.Expect("SELECT 1, NULL").Returns({"1", "NULL"}, {{"1", std::nullopt}});
  absl::StatusOr<SqlRow> row = session.QueryRow("SELECT 1, NULL");
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(*row, (SqlRow{"1", std::nullopt}));
}

TEST(QueryRowTest, NoRowsIsNotFound) {
  ScriptedSqlSession session;
  session.Expect("SHOW MASTER STATUS").Returns({"File", "Position"}, {});
  absl::StatusOr<SqlRow> row = session.QueryRow("SHOW MASTER STATUS");
  EXPECT_EQ(row.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(row.status().message()), "'SHOW MASTER STATUS' returned no rows");
}

TEST(QueryRowTest, SeveralRowsIsInternal) {
  ScriptedSqlSession session;
  session.Expect("SHOW GRANTS").Returns({"Grants"}, {{"a"}, {"b"}});
  absl::StatusOr<SqlRow> row = session.QueryRow("SHOW GRANTS");
  EXPECT_EQ(row.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std::string(row.status().message()), "'SHOW GRANTS' returned 2 rows, expected one");
}

TEST(QueryValueTest, ReturnsTheValue) {
  ScriptedSqlSession session;
  session.Expect("SELECT @@datadir").ReturnsValue("@@datadir", "/var/lib/mysql/");
  absl::StatusOr<std::string> v = session.QueryValue("SELECT @@datadir");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "/var/lib/mysql/");
}

TEST(QueryValueTest, NullIsFailedPrecondition) {
  ScriptedSqlSession session;
  session.Expect("SELECT @@innodb_data_home_dir").ReturnsValue("x", std::nullopt);
  absl::StatusOr<std::string> v = session.QueryValue("SELECT @@innodb_data_home_dir");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(v.status().message()), "'SELECT @@innodb_data_home_dir' returned NULL");
}

TEST(QueryValueTest, TwoColumnsIsInternal) {
  ScriptedSqlSession session;
  session.Expect("SELECT 1, 2").Returns({"1", "2"}, {{"1", "2"}});
  absl::StatusOr<std::string> v = session.QueryValue("SELECT 1, 2");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std::string(v.status().message()), "'SELECT 1, 2' returned 2 columns, expected one");
}

TEST(QueryValueTest, PassesSessionErrorsThrough) {
  ScriptedSqlSession session;
  session.Expect("SELECT 1").FailsWith(2006, "Server has gone away");
  absl::StatusOr<std::string> v = session.QueryValue("SELECT 1");
  EXPECT_EQ(v.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(v.status().message()),
            "mariadb connection lost during 'SELECT 1': Server has gone away (error 2006)");
}

}  // namespace
}  // namespace tidemark::engine
