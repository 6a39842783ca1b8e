// Tests of ReadServerLogPosition, the redo copier's probe: the statement it runs, both
// status variables parsed, and the errors for a missing or unparsable value.
#include "engine/redo_probe.h"

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/support/scripted_sql_session.h"

namespace tidemark::engine {
namespace {

using testing::ScriptedSqlSession;

TEST(RedoProbeTest, ReadsTheGeneratedAndTheDurableLsn) {
  ScriptedSqlSession s;
  s.Expect(kServerLogPositionQuery)
      .Returns({"Variable_name", "Value"},
               {{"Innodb_lsn_current", "798735"}, {"Innodb_lsn_flushed", "798631"}});
  absl::StatusOr<ServerLogPosition> p = ReadServerLogPosition(s);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, (ServerLogPosition{Lsn(798735), Lsn(798631)}));
}

TEST(RedoProbeTest, MissingVariableIsFailedPrecondition) {
  SqlResult r{{"Variable_name", "Value"}, {{"Innodb_lsn_current", "5"}}};
  EXPECT_EQ(ParseServerLogPosition(r).status(),
            absl::FailedPreconditionError("server status has no Innodb_lsn_flushed"));
  EXPECT_EQ(ParseServerLogPosition(SqlResult{}).status(),
            absl::FailedPreconditionError("server status has no Innodb_lsn_current"));
}

TEST(RedoProbeTest, ValueThatIsNoNumberIsFailedPrecondition) {
  for (const SqlValue& bad : {SqlValue("12x"), SqlValue(""), SqlValue(), SqlValue("-1")}) {
    SqlResult r{{"Variable_name", "Value"},
                {{"Innodb_lsn_current", bad}, {"Innodb_lsn_flushed", "7"}}};
    EXPECT_EQ(
        ParseServerLogPosition(r).status(),
        absl::FailedPreconditionError(absl::StrFormat(
            "server status Innodb_lsn_current = '%s' is not a number", bad.value_or("NULL"))));
  }
}

TEST(RedoProbeTest, SessionErrorsPassThrough) {
  ScriptedSqlSession s;
  s.Expect(kServerLogPositionQuery).FailsWith(2013, "Lost connection to server during query");
  EXPECT_EQ(ReadServerLogPosition(s).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tidemark::engine
