// A load for integration tests: one SQL step run over and over on its own connection, in its
// own thread, while the test backs the server up.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {

// Runs step(connection, i) for i = 0, 1, ... until stopped or a step fails.
class SqlLoop {
 public:
  using Step = std::function<absl::Status(SqlConnection&, int64_t)>;
  SqlLoop(std::unique_ptr<SqlConnection> conn, Step step);
  ~SqlLoop() { (void)Stop(); }
  // Stops the loop (idempotent) and returns the error that ended it early, if any.
  absl::Status Stop();
  int64_t iterations() const { return iterations_; }

 private:
  void Run(std::stop_token stop);

  std::unique_ptr<SqlConnection> conn_;
  Step step_;
  std::atomic<int64_t> iterations_{0};
  absl::Status status_;
  std::jthread thread_;  // last: starts once the members above exist
};

// A SqlLoop on a new connection to `server`.
absl::StatusOr<std::unique_ptr<SqlLoop>> StartLoop(const TestServer& server, SqlLoop::Step step);

}  // namespace tidemark::testing
