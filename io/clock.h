// The Clock through which tidemark reads time and sleeps (STYLE.md "I/O and testability"):
// RealClock in production, FakeClock (tests/support/fake_clock.h) in tests, so that polling
// loops, re-read pauses and back-off run in zero time under test. Passed in, never global.
#pragma once

#include <stop_token>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tidemark::io {

// Thread-safe: one Clock is shared by every thread of a job.
class Clock {
 public:
  virtual ~Clock() = default;

  // The current time.
  virtual absl::Time Now() = 0;
  // Sleeps for `d`; returns at once when d <= 0.
  virtual void SleepFor(absl::Duration d) = 0;
  // Sleeps for `d` or until a stop is requested on `stop`, whichever comes first.
  // Returns true after a full sleep, false when the stop was requested (before or during).
  virtual bool SleepFor(absl::Duration d, std::stop_token stop) = 0;
};

// Wall-clock time and real sleeps. Stateless; a stop request wakes a sleeping
// SleepFor(d, stop) at once.
class RealClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration d) override;
  bool SleepFor(absl::Duration d, std::stop_token stop) override;
};

}  // namespace tidemark::io
