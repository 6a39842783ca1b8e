// Tests of reading a tracking directory back (LoadTrackedPages) and pruning it, with page-set
// files made by a collector over a fake server's log: contiguous files unite; a start inside
// a file takes the whole file; the live log continues the files; a missing, damaged, foreign
// or non-continuing file is a gap that only a log still holding the range can bridge, and the
// refusal names both reasons; of overlapping chains (a server restored from a snapshot) the
// one the live log confirms is taken, files that reach the end included; an empty range is
// the empty set; pruning keeps the newest files.
#include "engine/page_tracking.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/page_set_file.h"
#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"
#include "tests/engine/redo_fake_server.h"
#include "tests/support/fake_clock.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using innodb::MtrBuilder;
using innodb::RedoPageId;
using redo_test::FakeServer;
using redo_test::kCapacity;
using redo_test::kLog;
using redo_test::Payload;

// A history a restore from a filesystem snapshot discarded: a server whose log is the test
// server's up to their first checkpoint (the same log identity and LSNs), then different.
struct OtherHistory {
  explicit OtherHistory(io::Clock& clock)
      : server(fs),
        collector(*RedoPageCollector::OpenAtCheckpoint(fs, clock, kLog,
                                                       {.server_log = server.Probe()})) {}
  testing::MemFileSystem fs;
  FakeServer server;
  std::unique_ptr<RedoPageCollector> collector;
  ChangedPages pages;
};

class TrackingTest : public ::testing::Test {
 protected:
  TrackingTest() : server_(fs_) {
    EXPECT_TRUE(fs_.CreateDir("/t").ok());
    collector_ = *RedoPageCollector::OpenAtCheckpoint(fs_, clock_, kLog, Probed());
    chain_start_ = collector_->position();
  }

  RedoPageCollectorOptions Probed() { return {.server_log = server_.Probe()}; }

  void WriteRandom(FakeServer& server, uint64_t bytes, ChangedPages& expected) {
    WriteRandomPages(server, rng_, bytes, expected);
  }
  void WriteRandom(uint64_t bytes) { WriteRandom(server_, bytes, expected_); }
  // Writes `bytes` of log to `server`, has `c` read it and saves what it read as one file.
  TrackedFile SaveFile(FakeServer& server, RedoPageCollector& c, uint64_t bytes,
                       ChangedPages& expected) {
    WriteRandom(server, bytes, expected);
    const LsnAnchor from_anchor = c.anchor();
    EXPECT_TRUE(c.Advance().ok());
    PageSetFile f{.pages = c.TakePages(),
                  .identity = c.identity(),
                  .chain_start = chain_start_,
                  .from_anchor = from_anchor,
                  .to_anchor = c.anchor(),
                  .checkpoint = c.checkpoint(),
                  .written = clock_.Now()};
    const std::string path = *WritePageSetFile(fs_, "/t", f);
    files_.push_back({path.substr(3), path, f.pages.from_lsn(), f.pages.to_lsn()});
    return files_.back();
  }
  TrackedFile NextFile(uint64_t bytes) { return SaveFile(server_, *collector_, bytes, expected_); }
  LoadTrackedOptions Options(Lsn from, std::optional<Lsn> to, bool live) {
    return {.tracking_dir = "/t",
            .server_log_path = live ? kLog : "",
            .from_lsn = from,
            .to_lsn = to,
            .collector = Probed()};
  }
  void ExpectExpectedPages(const ChangedPages& got) {
    for (SpaceId s : {SpaceId(1), SpaceId(2), SpaceId(3)}) {
      EXPECT_EQ(got.pages(s), expected_.pages(s)) << s.value();
    }
  }
  // Rewrites a file through a change of its decoded form.
  void Rewrite(const TrackedFile& t, const std::function<void(PageSetFile&)>& change) {
    PageSetFile f = *ReadPageSetFile(fs_, t.path);
    change(f);
    ASSERT_TRUE(WritePageSetFile(fs_, "/t", f).ok());
  }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  FakeServer server_;
  std::unique_ptr<RedoPageCollector> collector_;
  Lsn chain_start_;
  ChangedPages expected_;
  std::vector<TrackedFile> files_;
  std::mt19937 rng_{3};
};

TEST_F(TrackingTest, ContiguousFilesUnite) {
  NextFile(3000);
  NextFile(5000);
  const TrackedFile last = NextFile(4000);
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, false)));
  EXPECT_EQ(t.files.size(), 3u);
  EXPECT_FALSE(t.used_live_log);
  EXPECT_EQ(t.pages.from_lsn(), chain_start_);
  EXPECT_EQ(t.pages.to_lsn(), last.to);
  ExpectExpectedPages(t.pages);
}

TEST_F(TrackingTest, AStartInsideAFileTakesTheWholeFile) {
  const TrackedFile first = NextFile(3000);
  const TrackedFile second = NextFile(3000);
  const Lsn inside((second.from.value() + second.to.value()) / 2);
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(inside, std::nullopt, false)));
  EXPECT_EQ(t.files, std::vector<std::string>{second.name});
  EXPECT_EQ(t.pages.from_lsn(), second.from);  // a superset: the file's earlier pages too
  EXPECT_EQ(t.pages.to_lsn(), second.to);
  EXPECT_GT(t.pages.page_count(), 0u);
  (void)first;
}

TEST_F(TrackingTest, TheLiveLogContinuesTheFiles) {
  NextFile(3000);
  NextFile(3000);
  WriteRandom(6000);  // not in any file yet
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(chain_start_, std::nullopt, true)));
  EXPECT_TRUE(t.used_live_log);
  EXPECT_EQ(t.files.size(), 2u);
  EXPECT_EQ(t.files_end, files_.back().to);
  EXPECT_EQ(t.pages.to_lsn(), server_.lsn());
  ExpectExpectedPages(t.pages);
}

TEST_F(TrackingTest, AMissingMiddleFileIsAGapWithoutALog) {
  NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  TM_ASSERT_OK(fs_.RemoveFile(middle.path));
  EXPECT_EQ(LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, false)).status(),
            absl::FailedPreconditionError(absl::StrFormat(
                "page tracking in '/t' does not cover LSN %d up to LSN %d: no page-set file "
                "starts at LSN %d (the next starts at LSN %d); no server log to continue from",
                middle.from.value(), last.to.value(), middle.from.value(), last.from.value())));
}

TEST_F(TrackingTest, AMissingMiddleFileIsBridgedByALogThatStillHoldsIt) {
  const TrackedFile first = NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  TM_ASSERT_OK(fs_.RemoveFile(middle.path));
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, true)));
  EXPECT_EQ(t.files, std::vector<std::string>{first.name});
  EXPECT_TRUE(t.used_live_log);
  EXPECT_GE(t.pages.to_lsn(), last.to);
  ExpectExpectedPages(t.pages);
}

TEST_F(TrackingTest, AMissingMiddleFileTheLogNoLongerHoldsIsAGap) {
  NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  for (int i = 0; i < 4; ++i) NextFile(20000);  // two laps of the 64 KiB log
  TM_ASSERT_OK(fs_.RemoveFile(middle.path));
  const absl::Status s =
      LoadTrackedPages(fs_, clock_, Options(chain_start_, std::nullopt, true)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(
      s.message(), absl::StrFormat("page tracking in '/t' does not cover LSN %d: no page-set file "
                                   "starts at LSN %d (the next starts at LSN %d); track changed "
                                   "pages in '/data/ib_logfile0': redo log overrun: LSN %d is no "
                                   "longer in the log",
                                   middle.from.value(), middle.from.value(), middle.to.value(),
                                   middle.from.value())))
      << s;
}

TEST_F(TrackingTest, ADamagedFileIsAGap) {
  NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  std::string bytes = *io::ReadFileToString(fs_, middle.path);
  bytes[bytes.size() / 2] ^= 0x10;
  TM_ASSERT_OK(io::WriteStringToFile(fs_, middle.path, bytes));
  const absl::Status s =
      LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, false)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(
      s.message(),
      absl::StrFormat("page tracking in '/t' does not cover LSN %d up to LSN %d: '%s' is "
                      "unusable: page-set file '%s': checksum mismatch",
                      middle.from.value(), last.to.value(), middle.name, middle.path)))
      << s;
}

// The chain is confirmed at its end first; a file found damaged when read whole then stops
// it, and the live log bridges the rest.
TEST_F(TrackingTest, ADamagedFileFoundAfterTheCheckIsBridgedByTheLog) {
  const TrackedFile first = NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  std::string bytes = *io::ReadFileToString(fs_, middle.path);
  bytes[bytes.size() / 2] ^= 0x10;
  TM_ASSERT_OK(io::WriteStringToFile(fs_, middle.path, bytes));
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, true)));
  EXPECT_EQ(t.files, std::vector<std::string>{first.name});
  EXPECT_TRUE(t.used_live_log);
  EXPECT_TRUE(absl::StartsWith(t.files_stop, absl::StrFormat("'%s' is unusable: page-set file "
                                                             "'%s': checksum mismatch",
                                                             middle.name, middle.path)))
      << t.files_stop;
  ExpectExpectedPages(t.pages);
}

TEST_F(TrackingTest, AFileFromAnotherLogIsAGap) {
  NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  Rewrite(middle, [](PageSetFile& f) { f.identity.first_lsn = Lsn(777777); });
  const absl::Status s =
      LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, false)).status();
  EXPECT_NE(s.message().find(absl::StrFormat("'%s' was read from a different log", middle.name)),
            std::string::npos)
      << s;
}

TEST_F(TrackingTest, AFileThatDoesNotContinueItsPredecessorIsAGap) {
  const TrackedFile first = NextFile(3000);
  const TrackedFile middle = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  Rewrite(middle, [](PageSetFile& f) { *f.from_anchor ^= 1; });
  const absl::Status s =
      LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, false)).status();
  EXPECT_NE(
      s.message().find(absl::StrFormat("'%s' does not continue '%s'", middle.name, first.name)),
      std::string::npos)
      << s;
}

TEST_F(TrackingTest, TheLiveLogMustBeTheLogOfTheFiles) {
  NextFile(3000);
  innodb::LogHeader h = server_.header();
  h.first_lsn = Lsn(900000);
  innodb::LogImage image = *innodb::LogImage::Create(h, innodb::kLogStartOffset + kCapacity);
  image.SetCheckpoint(innodb::kLogCheckpoint1, {Lsn(900000), Lsn(900000)});
  TM_ASSERT_OK(
      io::WriteStringToFile(fs_, kLog, std::string(image.file().begin(), image.file().end())));
  const absl::Status s =
      LoadTrackedPages(fs_, clock_, Options(chain_start_, std::nullopt, true)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("the log is not the one the page-set files were read from"),
            std::string::npos)
      << s;
}

// The server was restored from a filesystem snapshot (same log identity) and the tracking
// directory kept: the discarded history's files [c, Y), [Y, Z), [Z, ...) overlap the new
// chain [c, ...) that the follower started at the restored server's checkpoint c. The base B
// lies in (Y, Z): the old file starting at Y starts later than the new chain's first file and
// its chain reaches the end too, but only the new chain is the live log's history.
TEST_F(TrackingTest, AChainOfADiscardedHistoryIsNotTaken) {
  OtherHistory old(clock_);
  ASSERT_EQ(old.server.lsn(), server_.lsn());
  SaveFile(old.server, *old.collector, 3000, old.pages);
  const TrackedFile old_y = SaveFile(old.server, *old.collector, 3000, old.pages);
  const TrackedFile old_end = SaveFile(old.server, *old.collector, 20000, old.pages);
  clock_.Advance(absl::Hours(1));  // the restore; the follower starts a new chain at c
  WriteRandom(old_y.from.value() - server_.lsn().value() + 500);
  const Lsn base = server_.lsn();
  const TrackedFile first = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  ASSERT_TRUE(old_y.from < base && base < old_y.to && last.to < old_end.to);
  for (const bool live : {true, false}) {
    TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                            LoadTrackedPages(fs_, clock_, Options(base, last.to, live)));
    EXPECT_EQ(t.files, (std::vector<std::string>{first.name, last.name})) << live;
    ExpectExpectedPages(t.pages);
  }
  // Without the new chain, the old one is refused: the live log does not confirm its end.
  TM_ASSERT_OK(fs_.RemoveFile(first.path));
  const absl::Status s = LoadTrackedPages(fs_, clock_, Options(base, last.to, true)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(s.message(), "the live log does not confirm their history")) << s;
}

// The chain written last is tried first; when the live log does not continue it, the next
// chain that covers the start is tried. Without a log the files cannot be checked: the chain
// written last is taken (docs/page-tracking.md).
TEST_F(TrackingTest, AChainTheLiveLogDoesNotConfirmGivesWayToTheNext) {
  WriteRandom(1000);
  const Lsn base = server_.lsn();
  const TrackedFile first = NextFile(3000);
  const TrackedFile last = NextFile(3000);
  clock_.Advance(absl::Hours(1));
  OtherHistory other(clock_);
  const TrackedFile other_first = SaveFile(other.server, *other.collector, 3000, other.pages);
  const TrackedFile other_last = SaveFile(other.server, *other.collector, 20000, other.pages);
  ChangedPages later;
  WriteRandom(server_, 25000, later);  // the live log holds the other chain's end LSN
  ASSERT_TRUE(other_first.from <= base && other_last.to < server_.lsn());
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(base, last.to, true)));
  EXPECT_EQ(t.files, (std::vector<std::string>{first.name, last.name}));
  EXPECT_FALSE(t.used_live_log);
  ExpectExpectedPages(t.pages);
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages files_only,
                          LoadTrackedPages(fs_, clock_, Options(base, last.to, false)));
  EXPECT_EQ(files_only.files, (std::vector<std::string>{other_first.name, other_last.name}));
}

// Files that reach the end are still checked against the live log when one is given: a log
// that no longer holds their end cannot confirm them.
TEST_F(TrackingTest, FilesTheLiveLogCannotConfirmAreRefused) {
  NextFile(3000);
  const TrackedFile last = NextFile(3000);
  for (int i = 0; i < 4; ++i) {  // two laps of the 64 KiB log
    server_.Write(20000);
    server_.Checkpoint(server_.lsn());
  }
  EXPECT_EQ(LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, true)).status(),
            absl::FailedPreconditionError(absl::StrFormat(
                "page tracking in '/t' does not cover LSN %d up to LSN %d: the page-set files "
                "up to '%s' reach LSN %d, but the live log does not confirm their history: "
                "track changed pages in '/data/ib_logfile0': redo log overrun: LSN %d is no "
                "longer in the log (the server is at LSN %d, the log holds 65536 bytes): the "
                "pages changed there can no longer be read",
                chain_start_.value(), last.to.value(), last.name, last.to.value(), last.to.value(),
                server_.lsn().value())));
  // Without a log path, the files alone.
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                          LoadTrackedPages(fs_, clock_, Options(chain_start_, last.to, false)));
  EXPECT_EQ(t.files.size(), 2u);
  ExpectExpectedPages(t.pages);
}

// When no chain is confirmed, the refusal gives the reason of each.
TEST_F(TrackingTest, TheRefusalNamesEveryChainTried) {
  const TrackedFile mine = NextFile(3000);
  clock_.Advance(absl::Hours(1));
  OtherHistory other(clock_);
  const TrackedFile theirs = SaveFile(other.server, *other.collector, 3000, other.pages);
  for (int i = 0; i < 4; ++i) {  // two laps of the 64 KiB log
    server_.Write(20000);
    server_.Checkpoint(server_.lsn());
  }
  const Lsn to = std::min(mine.to, theirs.to);
  const absl::Status s = LoadTrackedPages(fs_, clock_, Options(chain_start_, to, true)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(
      s.message(),
      absl::StrFormat("page tracking in '/t' does not cover LSN %d up to LSN %d: the page-set "
                      "files up to '%s' reach LSN %d, but the live log does not confirm their "
                      "history: ",
                      chain_start_.value(), to.value(), theirs.name, theirs.to.value())))
      << s;
  EXPECT_TRUE(absl::StrContains(
      s.message(), absl::StrFormat("; another chain of page-set files: the page-set files up to "
                                   "'%s' reach LSN %d, but the live log does not confirm their "
                                   "history: ",
                                   mine.name, mine.to.value())))
      << s;
}

TEST_F(TrackingTest, NoFileAndNoLogCoverNothing) {
  EXPECT_EQ(LoadTrackedPages(fs_, clock_, Options(Lsn(50000), std::nullopt, false)).status(),
            absl::FailedPreconditionError(
                "page tracking in '/t' does not cover LSN 50000: no page-set file covers LSN "
                "50000 (no later file); no server log to continue from"));
  EXPECT_EQ(LoadTrackedPages(fs_, clock_, Options(Lsn(9), Lsn(5), false)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// An idle server: the next backup's start checkpoint equals its base's LSN. Nothing changed,
// whatever the directory and the log hold.
TEST_F(TrackingTest, AnEmptyRangeIsAnEmptySet) {
  const TrackedFile first = NextFile(3000);
  NextFile(3000);
  for (const Lsn at :
       {first.from, first.to, Lsn((first.from.value() + first.to.value()) / 2), Lsn(999999)}) {
    for (const bool live : {false, true}) {
      TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t,
                              LoadTrackedPages(fs_, clock_, Options(at, at, live)));
      EXPECT_EQ(t.pages, ChangedPages(at, at)) << at.value();
      EXPECT_TRUE(t.files.empty());
      EXPECT_FALSE(t.used_live_log);
      EXPECT_EQ(t.files_end, at);
    }
  }
}

TEST_F(TrackingTest, PruneKeepsTheNewestByCountAndAge) {
  for (int i = 0; i < 5; ++i) {
    NextFile(2000);
    clock_.Advance(absl::Hours(1));
  }
  TM_ASSERT_OK(io::WriteStringToFile(fs_, files_[4].path + ".tmp", "partial"));
  TM_ASSERT_OK_AND_ASSIGN(std::vector<std::string> removed,
                          PruneTrackedFiles(fs_, "/t", clock_.Now(), {.keep_files = 4}));
  EXPECT_EQ(removed, (std::vector<std::string>{files_[4].name + ".tmp", files_[0].name}));
  // Written 1..4 hours ago: keeping 150 minutes leaves the two newest.
  TM_ASSERT_OK_AND_ASSIGN(
      removed, PruneTrackedFiles(fs_, "/t", clock_.Now(), {.keep_duration = absl::Minutes(150)}));
  EXPECT_EQ(removed, (std::vector<std::string>{files_[2].name, files_[1].name}));
  // The newest file is never removed.
  TM_ASSERT_OK_AND_ASSIGN(removed, PruneTrackedFiles(fs_, "/t", clock_.Now() + absl::Hours(100),
                                                     {.keep_duration = absl::Minutes(1)}));
  EXPECT_EQ(removed, std::vector<std::string>{files_[3].name});
  EXPECT_EQ(ListTrackedFiles(fs_, "/t")->size(), 1u);
}

TEST_F(TrackingTest, TheFileWrittenLastComesFirstWhateverItsLsns) {
  PageSetFile high, low;
  high.pages = ChangedPages(Lsn(900000), Lsn(950000));
  high.written = clock_.Now();
  low.pages = ChangedPages(Lsn(20000), Lsn(30000));
  low.written = clock_.Now() + absl::Minutes(1);  // a new chain on a log with lower LSNs
  TM_ASSERT_OK(WritePageSetFile(fs_, "/t", high).status());
  TM_ASSERT_OK(WritePageSetFile(fs_, "/t", low).status());
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/t/" + PageSetFileName(Lsn(1), Lsn(2)), "junk"));
  TM_ASSERT_OK_AND_ASSIGN(const std::vector<TrackedFile> files, FilesNewestFirst(fs_, "/t"));
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].to, Lsn(30000));
  EXPECT_EQ(files[1].to, Lsn(950000));
  EXPECT_EQ(files[2].written, absl::InfinitePast());  // unreadable header: last
}

}  // namespace
}  // namespace tidemark::engine
