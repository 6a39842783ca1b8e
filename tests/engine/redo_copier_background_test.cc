// Tests of the redo copier in the background and of its waiting: a std::jthread that keeps
// up with a writing server and stops at an mtr boundary, WaitFor on the FakeClock (reached,
// timed out, run in the foreground), the probe's rate limit, the first error reaching
// WaitFor and Stop, and the lag warning. redo_fake_server.h has the fake server.
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "engine/redo_copier.h"
#include "gtest/gtest.h"
#include "tests/engine/redo_fake_server.h"

namespace tidemark::engine {
namespace {

using redo_test::kCapacity;
using redo_test::ReadBack;
using redo_test::RedoCopierTest;

TEST_F(RedoCopierTest, BackgroundCopyKeepsUpAndStopsAtAnMtrBoundary) {
  std::unique_ptr<RedoCopier> c = Open();
  ASSERT_TRUE(c->Start().ok());
  EXPECT_EQ(c->Start(), absl::FailedPreconditionError("redo copier: running in the background"));
  for (int i = 0; i < 10; ++i) {  // 150 KB: more than two laps of the log
    server_.Write(15000);
    ASSERT_TRUE(c->WaitFor(server_.lsn(), absl::Seconds(10)).ok()) << i;
  }
  absl::StatusOr<Lsn> last = c->Stop();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(*last, server_.lsn());
  EXPECT_EQ(Copy(), server_.Expected(*last));
  EXPECT_EQ(ReadBack(Copy(), c->start_lsn()), *last);
  EXPECT_GE(c->Progress().rounds, 10u);
}

TEST_F(RedoCopierTest, WaitForGivesUpAtTheDeadlineOnTheClock) {
  std::unique_ptr<RedoCopier> c = Open();
  ASSERT_TRUE(c->Start().ok());
  const Lsn at = server_.lsn();
  const absl::Time t0 = clock_.Now();
  EXPECT_EQ(c->WaitFor(Lsn(at.value() + 100), absl::Seconds(30)),
            absl::DeadlineExceededError(absl::StrFormat(
                "copy redo log '/data/ib_logfile0': copied up to LSN %d, not LSN %d, within 30s",
                at.value(), at.value() + 100)));
  EXPECT_GE(clock_.Now() - t0, absl::Seconds(30));
  EXPECT_EQ(c->Stop().value(), at);
}

TEST_F(RedoCopierTest, WaitForRunsRoundsItselfInTheForeground) {
  std::unique_ptr<RedoCopier> c = Open();
  const Lsn target(server_.lsn().value() + 3000);
  int sleeps = 0;
  clock_.SetSleepHook([&](absl::Duration) {
    if (++sleeps == 5) server_.Write(3000);
  });
  EXPECT_TRUE(c->WaitFor(target, absl::Seconds(1)).ok());
  EXPECT_EQ(clock_.slept(), 5 * absl::Milliseconds(10));
  EXPECT_EQ(c->copied_lsn(), server_.lsn());
}

TEST_F(RedoCopierTest, BackgroundRoundsPollOftenButProbeAtTheProbeInterval) {
  int probes = 0;
  options_.server_log = [&]() -> absl::StatusOr<ServerLogPosition> {
    ++probes;
    return ServerLogPosition{server_.lsn(), server_.lsn()};
  };
  options_.probe_interval = absl::Milliseconds(100);
  std::unique_ptr<RedoCopier> c = Open();
  const absl::Time t0 = clock_.Now();
  ASSERT_TRUE(c->Start().ok());
  const absl::Status s = c->WaitFor(Lsn(server_.lsn().value() + 1), absl::Seconds(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(c->Stop().ok());
  const int64_t ms = absl::ToInt64Milliseconds(clock_.Now() - t0);  // >= 1000
  EXPECT_GE(c->Progress().rounds, static_cast<uint64_t>(ms / 10));  // a round every 10 ms
  EXPECT_GE(probes, ms / 100);  // a probe every 100 ms
  EXPECT_LE(probes, ms / 100 + 1);
}

TEST_F(RedoCopierTest, BackgroundErrorIsReturnedByWaitForAndStop) {
  options_.server_log = []() -> absl::StatusOr<ServerLogPosition> {
    return absl::UnavailableError("lost connection");
  };
  absl::Notification failed;
  absl::Status reported;
  options_.on_failure = [&](const absl::Status& s) {
    reported = s;
    failed.Notify();
  };
  std::unique_ptr<RedoCopier> c = Open();
  EXPECT_TRUE(c->status().ok());
  ASSERT_TRUE(c->Start().ok());
  const absl::Status want = absl::UnavailableError(
      "copy redo log '/data/ib_logfile0': probe the server's LSN: lost connection");
  failed.WaitForNotification();
  EXPECT_EQ(reported, want);
  EXPECT_EQ(c->status(), want);
  EXPECT_EQ(c->WaitFor(Lsn(1 << 30), absl::Seconds(10)), want);
  EXPECT_EQ(c->Stop().status(), want);
}

TEST_F(RedoCopierTest, LagAboveHalfTheCapacityIsWarnedOncePerEpisode) {
  std::vector<RedoCopyProgress> warnings;
  options_.on_lag_warning = [&](const RedoCopyProgress& p) { warnings.push_back(p); };
  std::unique_ptr<RedoCopier> c = Open();
  server_.Write(40000);
  ASSERT_TRUE(c->CopyAvailable().ok());
  ASSERT_TRUE(c->CopyAvailable().ok());  // caught up: lag 0, the warning re-arms
  server_.Write(40000);
  ASSERT_TRUE(c->CopyAvailable().ok());
  ASSERT_TRUE(c->CopyAvailable().ok());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_TRUE(warnings[0].lag_warning);
  EXPECT_EQ(warnings[0].lag_bytes, warnings[0].copied_lsn.value() - c->start_lsn().value());
  EXPECT_DOUBLE_EQ(warnings[0].lag_fraction, warnings[0].lag_bytes / double(kCapacity));
  EXPECT_FALSE(c->Progress().lag_warning);
  EXPECT_EQ(c->Progress().lag_bytes, 0u);
}

}  // namespace
}  // namespace tidemark::engine
