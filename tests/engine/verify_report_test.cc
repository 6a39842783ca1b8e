// Tests of the text and JSON forms of a verify result.
#include "engine/verify_report.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {
namespace {

VerifyResult TwoProblems() {
  VerifyResult r;
  r.backup_type = "full-backuped";
  r.last_lsn = Lsn(48012);
  r.files_checked = 12;
  r.tablespaces_checked = 4;
  r.pages_checked = 2048;
  r.redo_checked = true;
  r.problems = {
      {.kind = VerifyProblemKind::kPage, .file = "db/t.ibd", .page = 3,
       .detail = "checksum_mismatch"},
      {.kind = VerifyProblemKind::kRedo, .file = "ib_logfile0", .lsn = 47000,
       .detail = "the log breaks at LSN 47000"}};
  return r;
}

TEST(VerifyReportTest, ProblemLines) {
  const VerifyResult r = TwoProblems();
  EXPECT_EQ(VerifyProblemLine(r.problems[0]), "page: db/t.ibd page 3: checksum_mismatch");
  EXPECT_EQ(VerifyProblemLine(r.problems[1]), "redo: ib_logfile0: the log breaks at LSN 47000");
  EXPECT_EQ(VerifyProblemLine({.kind = VerifyProblemKind::kMetadata, .detail = "x"}),
            "metadata: (backup): x");
}

TEST(VerifyReportTest, SummaryCountsEachKind) {
  VerifyResult r = TwoProblems();
  EXPECT_EQ(VerifySummaryLine("/b", r),
            "verify '/b': 2 problems (page 1, redo 1); checked 12 files, 4 tablespaces, "
            "0 deltas, 2048 pages, the redo log");
  r.problems.clear();
  r.redo_checked = false;
  EXPECT_EQ(VerifySummaryLine("/b", r),
            "verify '/b': ok; checked 12 files, 4 tablespaces, 0 deltas, 2048 pages");
  r.files_decoded = 11;
  EXPECT_EQ(VerifySummaryLine("/b", r),
            "verify '/b': ok; checked 12 files (11 decoded), 4 tablespaces, 0 deltas, 2048 "
            "pages");
  EXPECT_EQ(VerifyReportJson("/b", r)["checked"]["decoded"], 11);
}

TEST(VerifyReportTest, EncodedAndStreamKindsHaveNames) {
  EXPECT_EQ(VerifyProblemKindName(VerifyProblemKind::kDecode), "decode");
  EXPECT_EQ(VerifyProblemKindName(VerifyProblemKind::kKey), "key");
  EXPECT_EQ(VerifyProblemKindName(VerifyProblemKind::kScratch), "scratch");
  EXPECT_EQ(VerifyProblemKindName(VerifyProblemKind::kStream), "stream");
}

TEST(VerifyReportTest, TextHasProblemsNotesAndSummary) {
  VerifyResult r = TwoProblems();
  r.notes = {"something not checked"};
  EXPECT_EQ(VerifyReportText("/b", r),
            "page: db/t.ibd page 3: checksum_mismatch\n"
            "redo: ib_logfile0: the log breaks at LSN 47000\n"
            "note: something not checked\n" +
                VerifySummaryLine("/b", r) + "\n");
}

TEST(VerifyReportTest, Json) {
  const nlohmann::ordered_json j = VerifyReportJson("/b", TwoProblems());
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["last_lsn"], 48012);
  EXPECT_EQ(j["checked"]["pages"], 2048);
  EXPECT_EQ(j["counts"]["page"], 1);
  EXPECT_EQ(j["problems"][0]["page"], 3);
  EXPECT_FALSE(j["problems"][0].contains("lsn"));
  EXPECT_EQ(j["problems"][1]["lsn"], 47000);
  EXPECT_EQ(j["problems"][1]["kind"], "redo");
}

}  // namespace
}  // namespace tidemark::engine
