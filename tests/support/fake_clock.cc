// FakeClock: time that advances only through sleeps and Advance().
#include "tests/support/fake_clock.h"

#include <cassert>
#include <thread>

namespace tidemark::testing {

FakeClock::FakeClock()
    : now_(absl::FromCivil(absl::CivilSecond(2024, 1, 1), absl::UTCTimeZone())) {}

absl::Time FakeClock::Now() {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::SleepFor(absl::Duration d) { Sleep(d); }

bool FakeClock::SleepFor(absl::Duration d, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  Sleep(d);
  return !stop.stop_requested();
}

void FakeClock::Advance(absl::Duration d) {
  assert(d >= absl::ZeroDuration());
  absl::MutexLock lock(&mu_);
  now_ += d;
}

void FakeClock::SetSleepHook(std::function<void(absl::Duration)> hook) {
  absl::MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

int FakeClock::sleeps() const {
  absl::MutexLock lock(&mu_);
  return sleeps_;
}

absl::Duration FakeClock::slept() const {
  absl::MutexLock lock(&mu_);
  return slept_;
}

void FakeClock::Sleep(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return;
  std::function<void(absl::Duration)> hook;
  {
    absl::MutexLock lock(&mu_);
    now_ += d;
    ++sleeps_;
    slept_ += d;
    hook = hook_;
  }
  if (hook) hook(d);
  std::this_thread::yield();
}

}  // namespace tidemark::testing
