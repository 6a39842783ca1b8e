// Tests of the scripted SqlSession fake (tests/support/scripted_sql_session.h) itself: statements
// are matched in order (exactly or by regex), canned results and errors come back, and every way a
// script can go wrong (unexpected statement, script ended, unconsumed expectation, unused factory
// session) fails the test with a clear message.
#include "tests/support/scripted_sql_session.h"

#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace tidemark::testing {
namespace {

TEST(ScriptedSqlSessionTest, ReturnsScriptedResultsInOrder) {
  ScriptedSqlSession session;
  session.Expect("SHOW MASTER STATUS").Returns({"File", "Position"}, {{"binlog.000001", "328"}});
  session.ExpectMatch("SET SESSION lock_wait_timeout=[0-9]+");
  absl::StatusOr<engine::SqlResult> r = session.Query("SHOW MASTER STATUS");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->columns, (std::vector<std::string>{"File", "Position"}));
  EXPECT_EQ(r->rows, (std::vector<engine::SqlRow>{{"binlog.000001", "328"}}));
  EXPECT_TRUE(session.Execute("SET SESSION lock_wait_timeout=5").ok());
  EXPECT_TRUE(session.done());
  EXPECT_EQ(session.statements(),
            (std::vector<std::string>{"SHOW MASTER STATUS", "SET SESSION lock_wait_timeout=5"}));
}

TEST(ScriptedSqlSessionTest, ScriptedErrorsReadLikeRealOnes) {
  ScriptedSqlSession session;
  session.Expect("BACKUP STAGE START").FailsWith(2013, "Lost connection to server during query");
  session.Expect("BACKUP STAGE END").FailsWithStatus(absl::AbortedError("boom"));
  absl::Status s = session.Execute("BACKUP STAGE START");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(s.message()),
            "mariadb connection lost during 'BACKUP STAGE START': Lost connection to server "
            "during query (error 2013)");
  EXPECT_EQ(session.Execute("BACKUP STAGE END"), absl::AbortedError("boom"));
}

TEST(ScriptedSqlSessionTest, UnexpectedStatementFailsTheTest) {
  ScriptedSqlSession session;
  session.Expect("SHOW GRANTS");
  absl::Status s;
  EXPECT_NONFATAL_FAILURE(s = session.Execute("SHOW MASTER STATUS"),
                          "scripted sql session: [0] expected 'SHOW GRANTS' but got "
                          "'SHOW MASTER STATUS'");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  // Sticky: the next call returns the same error without a second failure.
  EXPECT_EQ(session.Execute("SHOW GRANTS"), s);
  EXPECT_FALSE(session.done());
}

TEST(ScriptedSqlSessionTest, RegexMustMatchTheWholeStatement) {
  ScriptedSqlSession session;
  session.ExpectMatch("SHOW .* STATUS");
  EXPECT_NONFATAL_FAILURE((void)session.Execute("SHOW MASTER STATUS; DROP TABLE t"),
                          "expected regex 'SHOW .* STATUS' but got");
}

TEST(ScriptedSqlSessionTest, StatementAfterTheScriptEndedFailsTheTest) {
  ScriptedSqlSession session;
  EXPECT_NONFATAL_FAILURE((void)session.Execute("SELECT 1"),
                          "scripted sql session: script ended before 'SELECT 1'");
}

TEST(ScriptedSqlSessionTest, UnconsumedExpectationFailsAtDestruction) {
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedSqlSession session;
        session.Expect("BACKUP STAGE END");
      },
      "scripted sql session: [0] expected 'BACKUP STAGE END' was never executed");
}

TEST(ScriptedSqlSessionTest, ReportsItsServerVersion) {
  EXPECT_EQ(ScriptedSqlSession().ServerVersion(), "10.11.19-MariaDB-log");
  EXPECT_EQ(ScriptedSqlSession("8.0.36").ServerVersion(), "8.0.36");
}

TEST(ScriptedSqlSessionFactoryTest, HandsOutSessionsAndFailuresInOrder) {
  ScriptedSqlSessionFactory factory;
  factory.AddSession().Expect("SELECT 1").ReturnsValue("1", "1");
  factory.AddConnectFailure(absl::UnavailableError("refused"));
  engine::SessionOptions lock;
  lock.lock_wait_timeout = std::chrono::seconds(31536000);
  absl::StatusOr<std::unique_ptr<engine::SqlSession>> first = factory.Connect(lock);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->QueryValue("SELECT 1").value_or("?"), "1");
  EXPECT_EQ(factory.Connect({}).status(), absl::UnavailableError("refused"));
  ASSERT_EQ(factory.connect_requests().size(), 2u);
  EXPECT_EQ(factory.connect_requests()[0].lock_wait_timeout, std::chrono::seconds(31536000));
  EXPECT_EQ(factory.connect_requests()[1].lock_wait_timeout, std::nullopt);
}

TEST(ScriptedSqlSessionFactoryTest, NamesSessionsInFailures) {
  ScriptedSqlSessionFactory factory;
  factory.AddSession();
  factory.AddSession();
  auto first = factory.Connect({});
  auto second = factory.Connect({});
  ASSERT_TRUE(second.ok());
  EXPECT_NONFATAL_FAILURE((void)(*second)->Execute("SELECT 2"),
                          "scripted session 2: script ended before 'SELECT 2'");
}

TEST(ScriptedSqlSessionFactoryTest, UnscriptedConnectFailsTheTest) {
  ScriptedSqlSessionFactory factory;
  absl::StatusOr<std::unique_ptr<engine::SqlSession>> s;
  EXPECT_NONFATAL_FAILURE(s = factory.Connect({}),
                          "scripted sql factory: unexpected connect #1 (nothing scripted)");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInternal);
}

TEST(ScriptedSqlSessionFactoryTest, UnusedSessionFailsAtDestruction) {
  EXPECT_NONFATAL_FAILURE(
      {
        ScriptedSqlSessionFactory factory;
        factory.AddSession();
      },
      "scripted sql factory: a scripted session was never connected");
}

}  // namespace
}  // namespace tidemark::testing
