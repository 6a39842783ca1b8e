// Tests of the redo follower on MemFileSystem + FakeClock against a fake server: it writes
// contiguous page-set files that load back to exactly the pages written; a new follower
// continues the newest file's chain; when the log no longer holds it, or the server overran
// the follower, or the log was replaced, the proven part is kept and a new chain starts,
// leaving a gap LoadTrackedPages refuses to cross; an unreachable server is retried without a
// gap; Run flushes the pending range on stop; files are pruned.
#include "engine/redo_follower.h"

#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
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
using Kind = RedoFollowEventKind;

class FollowerTest : public ::testing::Test {
 protected:
  FollowerTest() : server_(fs_) {
    options_.tracking_dir = "/track";
    options_.server_log_path = kLog;
    options_.collector.server_log = [this]() -> absl::StatusOr<ServerLogPosition> {
      if (!server_up_) return absl::UnavailableError("connect: server gone");
      return server_.Probe()();
    };
    options_.file_bytes = 8 * 1024;
    options_.file_duration = absl::Hours(1);
    options_.on_event = [this](const RedoFollowEvent& e) { events_.push_back(e); };
  }

  std::unique_ptr<RedoFollower> Open() {
    absl::StatusOr<std::unique_ptr<RedoFollower>> f = RedoFollower::Open(fs_, clock_, options_);
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() ? *std::move(f) : nullptr;
  }
  void WriteRandom(uint64_t bytes) { WriteRandomPages(server_, rng_, bytes, expected_); }
  std::vector<Kind> Kinds() const {
    std::vector<Kind> k;
    for (const RedoFollowEvent& e : events_) k.push_back(e.kind);
    return k;
  }
  absl::StatusOr<TrackedPages> Load(Lsn from, bool live) {
    return LoadTrackedPages(fs_, clock_,
                            {.tracking_dir = "/track",
                             .server_log_path = live ? kLog : "",
                             .from_lsn = from,
                             .collector = {.server_log = server_.Probe()}});
  }
  void ExpectExpectedPages(const ChangedPages& got) {
    for (SpaceId s : {SpaceId(1), SpaceId(2), SpaceId(3)}) {
      EXPECT_EQ(got.pages(s), expected_.pages(s)) << s.value();
    }
  }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  FakeServer server_;
  bool server_up_ = true;
  RedoFollowerOptions options_;
  std::vector<RedoFollowEvent> events_;
  ChangedPages expected_;
  std::mt19937 rng_{11};
};

TEST_F(FollowerTest, WritesContiguousFilesThatLoadBackToThePagesWritten) {
  std::unique_ptr<RedoFollower> f = Open();
  const Lsn start = f->chain_start();
  EXPECT_EQ(start, server_.checkpoint().checkpoint_lsn);
  for (int i = 0; i < 12; ++i) {  // 12 x 10 KiB: two laps of the log, files of >= 8 KiB
    WriteRandom(10 * 1024);
    TM_ASSERT_OK(f->Round());
  }
  TM_ASSERT_OK(f->Finish());
  TM_ASSERT_OK_AND_ASSIGN(std::vector<TrackedFile> files, ListTrackedFiles(fs_, "/track"));
  ASSERT_EQ(files.size(), 12u);
  for (size_t i = 1; i < files.size(); ++i) EXPECT_EQ(files[i].from, files[i - 1].to);
  EXPECT_EQ(files.front().from, start);
  EXPECT_EQ(files.back().to, server_.lsn());
  // The log now holds only the last lap: the early pages come from the files alone.
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t, Load(start, /*live=*/true));
  EXPECT_EQ(t.files.size(), 12u);
  ExpectExpectedPages(t.pages);
  EXPECT_EQ(Kinds().front(), Kind::kNewChain);
  EXPECT_EQ(events_.front().detail, "no page-set files yet");
}

TEST_F(FollowerTest, ANewFollowerContinuesTheNewestChain) {
  std::unique_ptr<RedoFollower> f = Open();
  const Lsn start = f->chain_start();
  WriteRandom(5000);
  TM_ASSERT_OK(f->Round());
  TM_ASSERT_OK(f->Finish());
  const Lsn end = f->position();
  f.reset();
  WriteRandom(5000);
  events_.clear();
  f = Open();
  EXPECT_EQ(Kinds(), std::vector<Kind>{Kind::kResumed});
  EXPECT_EQ(f->position(), end);
  EXPECT_EQ(f->chain_start(), start);
  TM_ASSERT_OK(f->Round());
  TM_ASSERT_OK(f->Finish());
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t, Load(start, /*live=*/false));
  EXPECT_EQ(t.files.size(), 2u);
  EXPECT_EQ(t.pages.to_lsn(), server_.lsn());
  ExpectExpectedPages(t.pages);
}

TEST_F(FollowerTest, AChainTheLogNoLongerHoldsLeavesAGap) {
  std::unique_ptr<RedoFollower> f = Open();
  const Lsn start = f->chain_start();
  WriteRandom(5000);
  TM_ASSERT_OK(f->Round());
  TM_ASSERT_OK(f->Finish());
  const Lsn end = f->position();
  f.reset();
  for (int i = 0; i < 4; ++i) {  // the follower is away for more than a lap
    server_.Write(20000);
    server_.Checkpoint(server_.lsn());
  }
  events_.clear();
  f = Open();
  ASSERT_EQ(Kinds(), std::vector<Kind>{Kind::kNewChain});
  EXPECT_TRUE(absl::StartsWith(
      events_[0].detail,
      absl::StrFormat("the chain ending at LSN %d cannot be continued: track changed pages in "
                      "'/data/ib_logfile0': redo log overrun: LSN %d is no longer in the log",
                      end.value(), end.value())))
      << events_[0].detail;
  EXPECT_EQ(f->chain_start(), server_.checkpoint().checkpoint_lsn);
  const absl::Status s = Load(start, /*live=*/true).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(
      s.message(), absl::StrFormat("page tracking in '/track' does not cover LSN %d: no page-set "
                                   "file starts at LSN %d (no later file)",
                                   end.value(), end.value())))
      << s;
}

TEST_F(FollowerTest, AnOverrunKeepsTheProvenPartAndStartsANewChain) {
  std::unique_ptr<RedoFollower> f = Open();
  WriteRandom(3000);
  TM_ASSERT_OK(f->Round());
  const Lsn proven = f->position();
  server_.Write(kCapacity + 8192);  // the server laps the follower between two rounds
  server_.Checkpoint(server_.lsn());
  events_.clear();
  TM_ASSERT_OK(f->Round());
  EXPECT_EQ(Kinds(), (std::vector<Kind>{Kind::kChainBroken, Kind::kFileWritten, Kind::kNewChain}));
  EXPECT_TRUE(absl::StrContains(events_[0].detail, "redo log overrun")) << events_[0].detail;
  EXPECT_EQ(events_[1].to, proven);
  EXPECT_EQ(f->chain_start(), server_.checkpoint().checkpoint_lsn);
}

TEST_F(FollowerTest, AReplacedLogStartsANewChain) {
  std::unique_ptr<RedoFollower> f = Open();
  WriteRandom(3000);
  TM_ASSERT_OK(f->Round());
  // An online resize: a new file whose first LSN is the current one is renamed over the log.
  const Lsn now = server_.lsn();
  innodb::LogHeader h = server_.header();
  h.first_lsn = now;
  innodb::LogImage image = *innodb::LogImage::Create(h, innodb::kLogStartOffset + 2 * kCapacity);
  image.SetCheckpoint(innodb::kLogCheckpoint1, {now, now});
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/data/new",
                                     std::string(image.file().begin(), image.file().end())));
  TM_ASSERT_OK(fs_.Rename("/data/new", kLog));
  events_.clear();
  TM_ASSERT_OK(f->Round());
  EXPECT_EQ(Kinds(), (std::vector<Kind>{Kind::kChainBroken, Kind::kFileWritten, Kind::kNewChain}));
  EXPECT_TRUE(absl::StrContains(events_[0].detail, "was replaced")) << events_[0].detail;
  EXPECT_TRUE(absl::StrContains(events_[2].detail,
                                "the log is not the one the page-set files were read from"))
      << events_[2].detail;
  EXPECT_EQ(events_[1].to, now);  // everything up to the switch was read from the old file
  EXPECT_EQ(f->chain_start(), now);
}

// The same with the server's last mtrs only in the new file, while its flushed LSN (which the
// follower reads up to) counts them: still a replaced log, not a corrupt one.
TEST_F(FollowerTest, AResizeBehindTheFlushedLsnStartsANewChain) {
  std::unique_ptr<RedoFollower> f = Open();
  WriteRandom(3000);
  TM_ASSERT_OK(f->Round());
  const Lsn proven = f->position();
  server_.Append(MtrBuilder().Write({SpaceId(1), PageNo(1)}, 120, Payload(8, 1)));  // not synced
  server_.set_flushed(server_.lsn());
  innodb::LogHeader h = server_.header();
  h.first_lsn = proven;
  innodb::LogImage image = *innodb::LogImage::Create(h, innodb::kLogStartOffset + 2 * kCapacity);
  image.SetCheckpoint(innodb::kLogCheckpoint1, {proven, proven});
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/data/new",
                                     std::string(image.file().begin(), image.file().end())));
  TM_ASSERT_OK(fs_.Rename("/data/new", kLog));
  events_.clear();
  TM_ASSERT_OK(f->Round());
  EXPECT_EQ(Kinds(), (std::vector<Kind>{Kind::kChainBroken, Kind::kFileWritten, Kind::kNewChain}));
  EXPECT_TRUE(absl::StrContains(events_[0].detail, "was replaced")) << events_[0].detail;
  EXPECT_EQ(events_[1].to, proven);
  EXPECT_EQ(f->chain_start(), proven);
}

TEST_F(FollowerTest, AnUnreachableServerIsRetriedWithoutAGap) {
  std::unique_ptr<RedoFollower> f = Open();
  const Lsn start = f->chain_start();
  WriteRandom(3000);
  TM_ASSERT_OK(f->Round());
  server_up_ = false;
  WriteRandom(3000);
  events_.clear();
  TM_ASSERT_OK(f->Round());
  TM_ASSERT_OK(f->Round());
  EXPECT_EQ(Kinds(), (std::vector<Kind>{Kind::kChainBroken, Kind::kFileWritten, Kind::kRetry}));
  server_up_ = true;
  TM_ASSERT_OK(f->Round());
  TM_ASSERT_OK(f->Finish());
  EXPECT_EQ(f->chain_start(), start);
  EXPECT_EQ(f->position(), server_.lsn());
  TM_ASSERT_OK_AND_ASSIGN(const TrackedPages t, Load(start, /*live=*/false));
  ExpectExpectedPages(t.pages);
}

TEST_F(FollowerTest, RunStopsAndWritesThePendingRange) {
  options_.file_bytes = uint64_t{1} << 30;
  std::unique_ptr<RedoFollower> f = Open();
  std::stop_source stop;
  int sleeps = 0;
  clock_.SetSleepHook([&](absl::Duration) {
    if (++sleeps == 3) WriteRandom(4000);
    if (sleeps == 6) stop.request_stop();
  });
  TM_ASSERT_OK(f->Run(stop.get_token()));
  clock_.SetSleepHook(nullptr);
  EXPECT_EQ(f->position(), server_.lsn());
  TM_ASSERT_OK_AND_ASSIGN(const std::vector<TrackedFile> files, ListTrackedFiles(fs_, "/track"));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].to, server_.lsn());
}

TEST_F(FollowerTest, OldFilesArePruned) {
  options_.keep.keep_files = 3;
  std::unique_ptr<RedoFollower> f = Open();
  for (int i = 0; i < 6; ++i) {
    WriteRandom(9000);
    TM_ASSERT_OK(f->Round());
  }
  EXPECT_EQ(ListTrackedFiles(fs_, "/track")->size(), 3u);
  int pruned = 0;
  for (const RedoFollowEvent& e : events_) pruned += e.kind == Kind::kPruned;
  EXPECT_EQ(pruned, 3);
}

}  // namespace
}  // namespace tidemark::engine
