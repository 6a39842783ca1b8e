// Tests of io::RealClock (real sleeps, cut short by a stop request) and of the FakeClock
// that unit tests use instead (time moves only through sleeps and Advance).
#include "io/clock.h"

#include <thread>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace tidemark::io {
namespace {

using testing::FakeClock;

TEST(RealClockTest, SleepForWaitsAtLeastTheDuration) {
  RealClock clock;
  const absl::Time start = clock.Now();
  clock.SleepFor(absl::Milliseconds(20));
  EXPECT_GE(clock.Now() - start, absl::Milliseconds(20));
  clock.SleepFor(absl::Milliseconds(-5));  // no-op
}

TEST(RealClockTest, StopAwareSleepRunsItsCourseWithoutAStop) {
  RealClock clock;
  std::stop_source stop;
  const absl::Time start = clock.Now();
  EXPECT_TRUE(clock.SleepFor(absl::Milliseconds(15), stop.get_token()));
  EXPECT_GE(clock.Now() - start, absl::Milliseconds(15));
}

TEST(RealClockTest, StopRequestedBeforeTheSleepReturnsAtOnce) {
  RealClock clock;
  std::stop_source stop;
  stop.request_stop();
  const absl::Time start = clock.Now();
  EXPECT_FALSE(clock.SleepFor(absl::Seconds(30), stop.get_token()));
  EXPECT_LT(clock.Now() - start, absl::Seconds(1));
}

TEST(RealClockTest, StopRequestedDuringTheSleepWakesIt) {
  RealClock clock;
  std::stop_source stop;
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(20));
    stop.request_stop();
  });
  const absl::Time start = clock.Now();
  EXPECT_FALSE(clock.SleepFor(absl::Seconds(30), stop.get_token()));
  EXPECT_LT(clock.Now() - start, absl::Seconds(10));
  stopper.join();
}

TEST(FakeClockTest, TimeMovesOnlyThroughSleepsAndAdvance) {
  FakeClock clock;
  const absl::Time t0 = clock.Now();
  EXPECT_EQ(clock.Now(), t0);
  clock.SleepFor(absl::Seconds(5));
  clock.Advance(absl::Milliseconds(250));
  EXPECT_EQ(clock.Now() - t0, absl::Milliseconds(5250));
  EXPECT_EQ(clock.sleeps(), 1);
  EXPECT_EQ(clock.slept(), absl::Seconds(5));
  clock.SleepFor(absl::ZeroDuration());
  EXPECT_EQ(clock.sleeps(), 1);
}

TEST(FakeClockTest, StopAwareSleepHonoursAStop) {
  FakeClock clock;
  std::stop_source stop;
  EXPECT_TRUE(clock.SleepFor(absl::Seconds(1), stop.get_token()));
  stop.request_stop();
  EXPECT_FALSE(clock.SleepFor(absl::Seconds(1), stop.get_token()));
  EXPECT_EQ(clock.slept(), absl::Seconds(1));
}

TEST(FakeClockTest, SleepHookSeesEverySleep) {
  FakeClock clock;
  absl::Duration seen;
  clock.SetSleepHook([&](absl::Duration d) {
    seen += d;
    EXPECT_GE(clock.Now(), clock.Now());  // the clock's lock is not held here
  });
  clock.SleepFor(absl::Milliseconds(3));
  clock.SleepFor(absl::Milliseconds(4), std::stop_source().get_token());
  clock.SetSleepHook(nullptr);
  clock.SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(seen, absl::Milliseconds(7));
}

TEST(FakeClockTest, StartsAtAFixedTime) {
  EXPECT_EQ(FakeClock().Now(), absl::FromCivil(absl::CivilSecond(2024, 1, 1), absl::UTCTimeZone()));
}

}  // namespace
}  // namespace tidemark::io
