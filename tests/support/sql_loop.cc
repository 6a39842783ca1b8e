#include "tests/support/sql_loop.h"

#include <utility>

#include "innodb/base/status.h"

namespace tidemark::testing {

SqlLoop::SqlLoop(std::unique_ptr<SqlConnection> conn, Step step)
    : conn_(std::move(conn)),
      step_(std::move(step)),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

absl::Status SqlLoop::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  return status_;
}

void SqlLoop::Run(std::stop_token stop) {
  for (int64_t i = 0; !stop.stop_requested(); ++i) {
    if (absl::Status s = step_(*conn_, i); !s.ok()) {
      status_ = s;
      return;
    }
    ++iterations_;
  }
}

absl::StatusOr<std::unique_ptr<SqlLoop>> StartLoop(const TestServer& server, SqlLoop::Step step) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> conn, server.Connect());
  return std::make_unique<SqlLoop>(std::move(conn), std::move(step));
}

}  // namespace tidemark::testing
