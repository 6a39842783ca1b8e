// Unit tests of the Connector/C session that need no server: failed connections give the
// documented code and message and never mention the password. Behaviour against a real
// server (results, NULLs, errors, KILL) is in tests/integration/server_info_test.cc.
#include "engine/mysql_sql_session.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(MysqlSqlSessionTest, MissingSocketIsUnavailable) {
  ConnectionOptions o;
  o.socket = "/nonexistent/tidemark/mysqld.sock";
  o.user = "bk";
  o.password = "hunter2";
  absl::StatusOr<std::unique_ptr<SqlSession>> s = ConnectMysql(o);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(s.status().message()),
            "connect to mariadb socket '/nonexistent/tidemark/mysqld.sock' as 'bk': Can't "
            "connect to local server through socket '/nonexistent/tidemark/mysqld.sock' (2) "
            "(error 2002)");
}

TEST(MysqlSqlSessionTest, RefusedTcpPortIsUnavailable) {
  // Port 1 on the loopback interface: nothing listens there, the kernel refuses at once.
  ConnectionOptions o;
  o.host = "127.0.0.1";
  o.port = 1;
  o.user = "bk";
  o.password = "hunter2";
  o.connect_timeout = std::chrono::seconds(5);
  absl::StatusOr<std::unique_ptr<SqlSession>> s = ConnectMysql(o);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.status().message()),
              StartsWith("connect to mariadb '127.0.0.1:1' as 'bk': "));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("(error 2002)"));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("hunter2")));
}

TEST(MysqlSqlSessionTest, MissingOptionFileDoesNotHideTheSocketError) {
  // A socket that is not a server and an option file that does not exist: the connect still
  // fails on the socket (Connector/C ignores an unreadable option file), with the socket named.
  testing::TempDir dir;
  ConnectionOptions o;
  o.socket = dir.path() + "/none.sock";
  o.defaults_file = dir.path() + "/missing.cnf";
  o.user = "bk";
  absl::StatusOr<std::unique_ptr<SqlSession>> s = ConnectMysql(o);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.status().message()),
              StartsWith("connect to mariadb socket '" + o.socket + "' as 'bk': "));
}

TEST(MysqlSqlSessionTest, FactoryUsesItsOptions) {
  ConnectionOptions o;
  o.socket = "/nonexistent/tidemark/factory.sock";
  o.user = "bk";
  MysqlSqlSessionFactory factory(o);
  absl::StatusOr<std::unique_ptr<SqlSession>> s = factory.Connect({});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.status().message()),
              StartsWith("connect to mariadb socket '/nonexistent/tidemark/factory.sock'"));
}

}  // namespace
}  // namespace tidemark::engine
