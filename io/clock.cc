// RealClock: absl::Now and sleeps that a std::stop_token can cut short.
#include "io/clock.h"

#include <condition_variable>
#include <mutex>

namespace tidemark::io {

void RealClock::SleepFor(absl::Duration d) {
  if (d > absl::ZeroDuration()) absl::SleepFor(d);
}

bool RealClock::SleepFor(absl::Duration d, std::stop_token stop) {
  if (stop.stop_requested()) return false;
  if (d <= absl::ZeroDuration()) return true;
  // condition_variable_any's stop_token overload wakes the wait when a stop is requested.
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> lock(mu);
  cv.wait_for(lock, stop, absl::ToChronoNanoseconds(d), [] { return false; });
  return !stop.stop_requested();
}

}  // namespace tidemark::io
