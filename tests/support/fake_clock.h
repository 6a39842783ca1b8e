// FakeClock: an io::Clock for unit tests whose time moves only when a thread sleeps on it or
// the test advances it, so polling loops, re-read pauses and timeouts run in zero real time
// and give the same result on every run.
#pragma once

#include <functional>
#include <stop_token>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "io/clock.h"

namespace tidemark::testing {

// Thread-safe. SleepFor(d) advances the time by d and returns at once (after yielding the
// processor, so that a thread polling in a loop lets others run); a stop-aware sleep does
// the same unless a stop is already requested.
class FakeClock final : public io::Clock {
 public:
  // Starts at 2024-01-01 00:00:00 UTC.
  FakeClock();
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() override;
  void SleepFor(absl::Duration d) override;
  bool SleepFor(absl::Duration d, std::stop_token stop) override;

  // Moves the time forward by d (d >= 0).
  void Advance(absl::Duration d);
  // Calls `hook(d)` after every sleep of d > 0, on the sleeping thread and without the
  // clock's lock held: a test can let "the world" change while the code under test waits.
  // An empty hook removes it.
  void SetSleepHook(std::function<void(absl::Duration)> hook);
  // Sleeps so far and their total length.
  int sleeps() const;
  absl::Duration slept() const;

 private:
  void Sleep(absl::Duration d);

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  int sleeps_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration slept_ ABSL_GUARDED_BY(mu_);
  std::function<void(absl::Duration)> hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tidemark::testing
