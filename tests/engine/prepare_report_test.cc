// Tests of what `tidemark prepare` prints: the live line, the JSON events and the summary.
#include "engine/prepare_report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;

PrepareProgress Applying() {
  return {.phase = PreparePhase::kApplying, .start_lsn = Lsn(1000), .lsn = Lsn(1420),
          .end_lsn = Lsn(2000), .batch = 3, .batch_pages = 800, .batch_pages_done = 120,
          .pages_written = 1234};
}

TEST(PrepareReportTest, ProgressLineShowsPhaseLogFractionAndBatch) {
  const std::string line = PrepareProgressLine(Applying(), 12.54);
  EXPECT_EQ(line, "applying   log  42.0%  batch 3: 120 / 800 pages  1234 written  12.5 s");
}

TEST(PrepareReportTest, LogFractionBeforeTheSurveyAndForAnEmptyLog) {
  EXPECT_EQ(PrepareLogFraction({}), 0);
  EXPECT_EQ(PrepareLogFraction({.start_lsn = Lsn(5), .lsn = Lsn(5), .end_lsn = Lsn(5)}), 1);
  EXPECT_THAT(PrepareProgressLine({}, 0), HasSubstr("recovering log   0.0%"));
}

TEST(PrepareReportTest, ProgressJsonStartsWithEventAndCarriesTheFields) {
  const std::string text = PrepareProgressJson(Applying(), 1.5);
  EXPECT_EQ(text.rfind("{\"event\":\"progress\",\"phase\":\"applying\"", 0), 0u) << text;
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["start_lsn"], 1000);
  EXPECT_EQ(j["lsn"], 1420);
  EXPECT_EQ(j["end_lsn"], 2000);
  EXPECT_DOUBLE_EQ(j["log_fraction"].get<double>(), 0.42);
  EXPECT_EQ(j["batch"], 3);
  EXPECT_EQ(j["batch_pages"], 800);
  EXPECT_EQ(j["batch_pages_done"], 120);
  EXPECT_EQ(j["pages_written"], 1234);
  EXPECT_DOUBLE_EQ(j["elapsed_s"].get<double>(), 1.5);
}

PrepareResult Done() {
  PrepareResult r{.resumed = true, .checkpoint_lsn = Lsn(10), .end_lsn = Lsn(99),
                  .ddl_steps = 4, .files_resized = 1, .batches = 2,
                  .binlog_file = "binlog.000002", .binlog_offset = 342};
  r.stats = {.pages = 9, .pages_read = 7, .pages_written = 8, .entries_applied = 30,
             .entries_skipped = 2};
  return r;
}

TEST(PrepareReportTest, DoneJsonCarriesTheResult) {
  const std::string text = PrepareDoneJson(Done(), 3.25);
  EXPECT_EQ(text.rfind("{\"event\":\"done\"", 0), 0u) << text;
  auto j = nlohmann::json::parse(text);
  EXPECT_DOUBLE_EQ(j["elapsed_s"].get<double>(), 3.25);
  EXPECT_EQ(j["already_prepared"], false);
  EXPECT_EQ(j["resumed"], true);
  EXPECT_EQ(j["checkpoint_lsn"], 10);
  EXPECT_EQ(j["end_lsn"], 99);
  EXPECT_EQ(j["batches"], 2);
  EXPECT_EQ(j["pages_read"], 7);
  EXPECT_EQ(j["pages_written"], 8);
  EXPECT_EQ(j["entries_applied"], 30);
  EXPECT_EQ(j["entries_skipped"], 2);
  EXPECT_EQ(j["ddl_steps"], 4);
  EXPECT_EQ(j["files_resized"], 1);
  EXPECT_EQ(j["binlog_file"], "binlog.000002");
  EXPECT_EQ(j["binlog_offset"], 342);
  EXPECT_EQ(j["decoded_files"], 0);
}

TEST(PrepareReportTest, DecodedFilesAreReported) {
  PrepareResult r = Done();
  r.resumed = false;
  r.decoded_files = 5;
  r.decoded_bytes = 3 << 20;
  r.incremental_decoded_files = 2;
  EXPECT_EQ(nlohmann::json::parse(PrepareDoneJson(r, 1))["decoded_files"], 5);
  EXPECT_EQ(nlohmann::json::parse(PrepareDoneJson(r, 1))["incremental_decoded_files"], 2);
  EXPECT_EQ(PrepareSummaryLine(r, 1),
            "prepare complete in 1.0 s: 5 compressed or encrypted files decoded (3.0 MiB); 2 "
            "files of the incremental decoded to scratch; redo applied from LSN 10 to 99 in 2 "
            "batch(es), 8 pages written (7 read, 30 entries applied, 2 already on disk); chain "
            "open for incrementals (--apply-log-only)");
}

TEST(PrepareReportTest, SummaryLine) {
  EXPECT_EQ(PrepareSummaryLine(Done(), 3.25),
            "prepare complete in 3.2 s: redo applied from LSN 10 to 99 in 2 batch(es), 8 pages "
            "written (7 read, 30 entries applied, 2 already on disk), after an interrupted prepare; "
            "chain open for incrementals (--apply-log-only)");
  EXPECT_EQ(PrepareSummaryLine({.already_prepared = true, .chain_closed = true}, 0),
            "the backup is already prepared; chain closed (no more incrementals)");
  PrepareResult inc = Done();
  inc.resumed = false;
  inc.incremental = true;
  inc.delta_files = 3;
  inc.delta_pages = 41;
  inc.chain_closed = true;
  EXPECT_EQ(PrepareSummaryLine(inc, 1),
            "prepare complete in 1.0 s: incremental applied: 41 pages from 3 delta files; redo "
            "applied from LSN 10 to 99 in 2 batch(es), 8 pages written (7 read, 30 entries "
            "applied, 2 already on disk); chain closed (no more incrementals)");
}

}  // namespace
}  // namespace tidemark::engine
