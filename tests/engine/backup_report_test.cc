#include "engine/backup_report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BackupReportTest, ProgressLineHasRateEtaAndLag) {
  BackupProgress p{.phase = BackupPhase::kCopyingInnodb,
                   .bytes_total = 400'000'000,
                   .bytes_done = 100'000'000,
                   .redo_bytes = 2 << 20,
                   .redo_lag = 1 << 20,
                   .redo_lag_fraction = 0.25};
  const std::string line = ProgressLine(p, 2.0);
  EXPECT_THAT(line, HasSubstr("copying innodb "));
  EXPECT_THAT(line, HasSubstr("95.4 MiB / 381.5 MiB"));
  EXPECT_THAT(line, HasSubstr(" 50.0 MB/s"));
  EXPECT_THAT(line, HasSubstr("ETA    6s"));  // 300 MB left at 50 MB/s
  EXPECT_THAT(line, HasSubstr("redo 2.0 MiB, lag 1.0 MiB (25%)"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(BackupReportTest, ProgressLineBeforeAnyByteHasNoInfiniteEta) {
  const std::string line = ProgressLine({.bytes_total = 10}, 0);
  EXPECT_THAT(line, HasSubstr("starting"));
  EXPECT_THAT(line, Not(HasSubstr("inf")));
}

TEST(BackupReportTest, JsonEventsParseAndCarryTheirFields) {
  auto progress = nlohmann::json::parse(ProgressJson(
      {.phase = BackupPhase::kBlockDdl, .bytes_total = 9, .bytes_done = 4, .redo_lag = 3}, 1.5));
  EXPECT_EQ(progress["event"], "progress");
  EXPECT_EQ(progress["phase"], "block ddl");
  EXPECT_EQ(progress["bytes_done"], 4);
  EXPECT_EQ(progress["bytes_total"], 9);
  EXPECT_EQ(progress["redo_lag_bytes"], 3);
  EXPECT_DOUBLE_EQ(progress["elapsed_s"].get<double>(), 1.5);

  auto note = nlohmann::json::parse(NoteJson("phase: \"x\"\n\xff"));
  EXPECT_EQ(note["event"], "note");
  EXPECT_THAT(note["message"].get<std::string>(), HasSubstr("phase: \"x\"\n"));

  BackupResult r{.start_lsn = Lsn(10), .to_lsn = Lsn(20), .last_lsn = Lsn(30),
                 .innodb_bytes = 1000, .redo_bytes = 50, .tablespaces = 3,
                 .lock_time = absl::Milliseconds(250)};
  auto done = nlohmann::json::parse(DoneJson(r, 2));
  EXPECT_EQ(done["event"], "done");
  EXPECT_EQ(done["tablespaces"], 3);
  EXPECT_EQ(done["to_lsn"], 20);
  EXPECT_DOUBLE_EQ(done["lock_time_s"].get<double>(), 0.25);

  auto failed = nlohmann::json::parse(FailedJson(absl::UnavailableError("gone")));
  EXPECT_EQ(failed["event"], "failed");
  EXPECT_EQ(failed["message"], "gone");
}

TEST(BackupReportTest, SummaryLine) {
  BackupResult r{.start_lsn = Lsn(10), .last_lsn = Lsn(30), .innodb_bytes = 4'000'000,
                 .redo_bytes = 2048, .tablespaces = 3, .lock_time = absl::Milliseconds(50),
                 .max_redo_lag_fraction = 0.031};
  EXPECT_EQ(SummaryLine(r, 2.0),
            "backup complete in 2.0 s: 3 tablespaces, 3.8 MiB of data (2 MB/s), 2.0 KiB of redo "
            "(LSN 10 to 30), commits blocked 0.05 s, max redo lag 3%");
}

TEST(BackupReportTest, IncrementalSummaryCountsChangedPages) {
  BackupResult r{.start_lsn = Lsn(10), .last_lsn = Lsn(30), .innodb_bytes = 4'000'000,
                 .redo_bytes = 2048, .tablespaces = 3, .lock_time = absl::Milliseconds(50),
                 .base = IncrementalBase{.lsn = Lsn(7), .backup_uuid = "u-1"},
                 .pages_scanned = 4000, .pages_changed = 30};
  EXPECT_EQ(SummaryLine(r, 2.0),
            "incremental backup complete in 2.0 s: 3 tablespaces, 3.8 MiB of data (2 MB/s), 2.0 "
            "KiB of redo (LSN 10 to 30), commits blocked 0.05 s, max redo lag 0%, incremental "
            "from LSN 7 (scan mode): 30 of 4000 pages changed (0.8%), written as deltas");
  auto done = nlohmann::json::parse(DoneJson(r, 2));
  EXPECT_EQ(done["incremental"]["from_lsn"], 7);
  EXPECT_EQ(done["incremental"]["base_backup_uuid"], "u-1");
  EXPECT_EQ(done["incremental"]["pages_scanned"], 4000);
  EXPECT_EQ(done["incremental"]["pages_changed"], 30);
  EXPECT_EQ(done["incremental"]["mode"], "scan");
  EXPECT_FALSE(done["incremental"].contains("pages_listed"));
  r.base.reset();
  EXPECT_FALSE(nlohmann::json::parse(DoneJson(r, 2)).contains("incremental"));
}

TEST(BackupReportTest, RedoModeSummaryCountsListedPages) {
  BackupResult r{.start_lsn = Lsn(10), .last_lsn = Lsn(30), .innodb_bytes = 4'000'000,
                 .redo_bytes = 2048, .tablespaces = 3, .lock_time = absl::Milliseconds(50),
                 .base = IncrementalBase{.lsn = Lsn(7)},
                 .pages_scanned = 41, .pages_changed = 30, .mode = IncrementalMode::kRedo,
                 .pages_listed = 35, .spaces_listed = 3, .tracking_files = 2};
  EXPECT_THAT(SummaryLine(r, 2.0),
              ::testing::EndsWith(", incremental from LSN 7 (redo mode, 35 pages listed): 41 "
                                  "pages read, 30 changed, written as deltas"));
  auto done = nlohmann::json::parse(DoneJson(r, 2));
  EXPECT_EQ(done["incremental"]["mode"], "redo");
  EXPECT_EQ(done["incremental"]["pages_listed"], 35);
  EXPECT_EQ(done["incremental"]["tracking_files"], 2);
  EXPECT_FALSE(done["incremental"].contains("redo_fallback"));
  r.mode = IncrementalMode::kScan;
  r.redo_fallback = "LSN 7 is no longer in the log";
  EXPECT_EQ(nlohmann::json::parse(DoneJson(r, 2))["incremental"]["redo_fallback"],
            "LSN 7 is no longer in the log");
}

}  // namespace
}  // namespace tidemark::engine
