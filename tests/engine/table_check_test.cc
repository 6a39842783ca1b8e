// Unit tests of restore-test's SQL half over the scripted SqlSession: the table list, the
// reading of CHECK TABLE's rows (OK, Corrupt, errors, engines without CHECK), COUNT(*)
// failures, a server that goes away mid-check, quoting, and the text and JSON reports.
#include "engine/table_check.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/scripted_sql_session.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;
using testing::ScriptedSqlSession;

const std::vector<std::string> kCheckColumns = {"Table", "Op", "Msg_type", "Msg_text"};

void ExpectList(ScriptedSqlSession& s, std::vector<SqlRow> rows) {
  s.ExpectMatch("SELECT table_schema, table_name FROM information_schema.tables.*")
      .Returns({"table_schema", "table_name"}, std::move(rows));
}

void ExpectOk(ScriptedSqlSession& s, const std::string& name, const std::string& count) {
  s.Expect("CHECK TABLE " + name).Returns(kCheckColumns, {{"x", "check", "status", "OK"}});
  s.Expect("SELECT COUNT(*) FROM " + name).ReturnsValue("COUNT(*)", count);
}

TEST(TableCheckTest, AllTablesOk) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db1", "a"}, {"db1", "b"}});
  ExpectOk(s, "`db1`.`a`", "3");
  ExpectOk(s, "`db1`.`b`", "0");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {}));
  ASSERT_EQ(r.tables.size(), 2u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.total_rows(), 3u);
  EXPECT_EQ(r.tables[0].rows, 3u);
  EXPECT_EQ(r.tables[1].status, "OK");
}

TEST(TableCheckTest, CorruptTableFailsWithItsMessages) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db", "t"}});
  s.Expect("CHECK TABLE `db`.`t` EXTENDED")
      .Returns(kCheckColumns, {{"db.t", "check", "Warning", "InnoDB: Index PRIMARY is marked as corrupted"},
                               {"db.t", "check", "error", "Corrupt"},
                               {"db.t", "check", "status", "Corrupt"}});
  s.Expect("SELECT COUNT(*) FROM `db`.`t`").FailsWith(1034, "Index for table 't' is corrupt");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {.extended = true}));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failed(), 1u);
  const TableCheck& t = r.tables[0];
  EXPECT_EQ(t.status, "Corrupt");
  EXPECT_FALSE(t.rows.has_value());
  ASSERT_EQ(t.messages.size(), 3u);
  EXPECT_EQ(t.messages[0], "warning: InnoDB: Index PRIMARY is marked as corrupted");
  EXPECT_THAT(t.messages[2], HasSubstr("Index for table 't' is corrupt"));
}

TEST(TableCheckTest, ErrorRowWithoutStatusRowIsTheStatus) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db", "t"}});
  s.Expect("CHECK TABLE `db`.`t`")
      .Returns(kCheckColumns, {{"db.t", "check", "warning", "InnoDB: The B-tree of index PRIMARY is corrupted."},
                               {"db.t", "check", "error", "Corrupt"}});
  s.Expect("SELECT COUNT(*) FROM `db`.`t`").ReturnsValue("COUNT(*)", "2");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {}));
  EXPECT_FALSE(r.tables[0].ok);
  EXPECT_EQ(r.tables[0].status, "Corrupt");
}

TEST(TableCheckTest, AnErrorRowFailsEvenWithStatusOk) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db", "t"}});
  s.Expect("CHECK TABLE `db`.`t`")
      .Returns(kCheckColumns, {{"db.t", "check", "Error", "Table 'db.t' doesn't exist in engine"},
                               {"db.t", "check", "status", "OK"}});
  s.Expect("SELECT COUNT(*) FROM `db`.`t`").ReturnsValue("COUNT(*)", "1");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {}));
  EXPECT_FALSE(r.tables[0].ok);
  EXPECT_EQ(r.tables[0].rows, 1u);
}

TEST(TableCheckTest, EngineWithoutCheckIsOk) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db", "m"}});
  s.Expect("CHECK TABLE `db`.`m`")
      .Returns(kCheckColumns,
               {{"db.m", "check", "note", "The storage engine for the table doesn't support check"}});
  s.Expect("SELECT COUNT(*) FROM `db`.`m`").ReturnsValue("COUNT(*)", "7");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {}));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.tables[0].status, "not supported by the engine");
}

TEST(TableCheckTest, UnreadableTableFails) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db", "t"}});
  s.Expect("CHECK TABLE `db`.`t`").Returns(kCheckColumns, {{"db.t", "check", "status", "OK"}});
  s.Expect("SELECT COUNT(*) FROM `db`.`t`").FailsWith(1030, "Got error 194 from storage engine");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {}));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(FormatTableReport(r), HasSubstr("FAILED  db.t  rows unknown  OK: "));
}

TEST(TableCheckTest, ServerLostStopsTheCheckAndNamesTheTable) {
  ScriptedSqlSession s;
  ExpectList(s, {{"db", "a"}, {"db", "b"}});
  s.Expect("CHECK TABLE `db`.`a`").FailsWith(2013, "Lost connection to server during query");
  TM_ASSERT_OK_AND_ASSIGN(TableCheckReport r, CheckAllTables(s, {}));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.failed(), 2u);
  EXPECT_THAT(r.server_lost, HasSubstr("while checking db.a"));
  EXPECT_EQ(r.tables[1].status, "not checked: the server went away");
  EXPECT_FALSE(r.tables[1].checked);
}

TEST(TableCheckTest, ListErrorIsReturned) {
  ScriptedSqlSession s;
  s.ExpectMatch("SELECT table_schema.*").FailsWith(1045, "Access denied");
  EXPECT_TRUE(absl::IsPermissionDenied(CheckAllTables(s, {}).status()));
}

TEST(TableCheckTest, QuoteIdentifierDoublesBackticks) {
  EXPECT_EQ(QuoteIdentifier("a`b"), "`a``b`");
  EXPECT_EQ(QuoteIdentifier("t 1"), "`t 1`");
}

TableCheckReport SampleReport() {
  TableCheckReport r;
  r.tables.push_back({.schema = "db", .table = "good", .checked = true, .ok = true,
                      .status = "OK", .rows = 1000});
  r.tables.push_back({.schema = "db", .table = "bad", .checked = true, .ok = false,
                      .status = "Corrupt", .messages = {"error: Corrupt"}});
  return r;
}

TEST(TableCheckTest, TextReport) {
  EXPECT_EQ(FormatTableReport(SampleReport()),
            "ok      db.good  1000 rows\n"
            "FAILED  db.bad   rows unknown  Corrupt: error: Corrupt\n"
            "tables: 2 checked, 1 ok, 1 failed; rows: 1000\n");
}

TEST(TableCheckTest, JsonReport) {
  auto j = nlohmann::json::parse(TableReportJson(SampleReport()));
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["totals"]["tables"], 2);
  EXPECT_EQ(j["totals"]["failed"], 1);
  EXPECT_EQ(j["totals"]["rows"], 1000);
  EXPECT_EQ(j["tables"][0]["rows"], 1000);
  EXPECT_TRUE(j["tables"][1]["rows"].is_null());
  EXPECT_EQ(j["tables"][1]["table"], "bad");
  EXPECT_FALSE(j.contains("server_lost"));
}

}  // namespace
}  // namespace tidemark::engine
