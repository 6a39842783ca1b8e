// The scripted SqlSession fake and its factory (see the header). Failures are reported with
// gtest's ADD_FAILURE and returned as Internal statuses, so the code under test stops too.
#include "tests/support/scripted_sql_session.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace tidemark::testing {

SqlExpectation::SqlExpectation(std::string pattern, bool is_regex)
    : pattern_(std::move(pattern)), outcome_(engine::SqlResult{}) {
  if (is_regex) regex_.emplace(pattern_, std::regex::ECMAScript);
}

SqlExpectation& SqlExpectation::Returns(std::vector<std::string> columns,
                                        std::vector<engine::SqlRow> rows) {
  for (const engine::SqlRow& row : rows) {
    EXPECT_EQ(row.size(), columns.size())
        << "scripted result for " << Describe() << ": a row's width differs from the column count";
  }
  outcome_ = engine::SqlResult{std::move(columns), std::move(rows)};
  return *this;
}

SqlExpectation& SqlExpectation::ReturnsValue(std::string column, engine::SqlValue value) {
  return Returns({std::move(column)}, {{std::move(value)}});
}

SqlExpectation& SqlExpectation::FailsWith(unsigned int number, std::string message) {
  outcome_ = engine::SqlError{number, "", std::move(message)};
  return *this;
}

SqlExpectation& SqlExpectation::FailsWithStatus(absl::Status status) {
  outcome_ = std::move(status);
  return *this;
}

bool SqlExpectation::Matches(std::string_view sql) const {
  if (!regex_.has_value()) return sql == pattern_;
  return std::regex_match(sql.begin(), sql.end(), *regex_);
}

std::string SqlExpectation::Describe() const {
  return absl::StrFormat(regex_.has_value() ? "regex '%s'" : "'%s'", pattern_);
}

absl::StatusOr<engine::SqlResult> SqlExpectation::Outcome(std::string_view sql) const {
  if (const auto* error = std::get_if<engine::SqlError>(&outcome_)) {
    return engine::SqlErrorToStatus(*error, sql);
  }
  if (const auto* status = std::get_if<absl::Status>(&outcome_)) return *status;
  return std::get<engine::SqlResult>(outcome_);
}

ScriptedSqlSession::ScriptedSqlSession(std::string server_version, std::string name)
    : server_version_(std::move(server_version)), name_(std::move(name)) {}

ScriptedSqlSession::~ScriptedSqlSession() {
  absl::MutexLock lock(&mu_);
  if (failure_.has_value()) return;
  for (size_t i = next_; i < script_.size(); ++i) {
    ADD_FAILURE() << "scripted " << name_ << ": [" << i << "] expected " << script_[i].Describe()
                  << " was never executed";
  }
}

SqlExpectation& ScriptedSqlSession::Expect(std::string sql) {
  absl::MutexLock lock(&mu_);
  return script_.emplace_back(SqlExpectation(std::move(sql), /*is_regex=*/false));
}

SqlExpectation& ScriptedSqlSession::ExpectMatch(std::string pattern) {
  absl::MutexLock lock(&mu_);
  return script_.emplace_back(SqlExpectation(std::move(pattern), /*is_regex=*/true));
}

absl::Status ScriptedSqlSession::Execute(std::string_view sql) { return Query(sql).status(); }

absl::StatusOr<engine::SqlResult> ScriptedSqlSession::Query(std::string_view sql) {
  absl::MutexLock lock(&mu_);
  received_.emplace_back(sql);
  if (failure_.has_value()) return *failure_;
  std::string problem;
  if (next_ >= script_.size()) {
    problem = absl::StrFormat("script ended before '%s'", sql);
  } else if (!script_[next_].Matches(sql)) {
    problem =
        absl::StrFormat("[%d] expected %s but got '%s'", next_, script_[next_].Describe(), sql);
  }
  if (!problem.empty()) {
    failure_ = absl::InternalError(absl::StrFormat("scripted %s: %s", name_, problem));
    ADD_FAILURE() << failure_->message();
    return *failure_;
  }
  return script_[next_++].Outcome(sql);
}

std::vector<std::string> ScriptedSqlSession::statements() const {
  absl::MutexLock lock(&mu_);
  return received_;
}

bool ScriptedSqlSession::done() const {
  absl::MutexLock lock(&mu_);
  return !failure_.has_value() && next_ == script_.size();
}

ScriptedSqlSessionFactory::~ScriptedSqlSessionFactory() {
  absl::MutexLock lock(&mu_);
  for (const Pending& p : pending_) {
    if (const auto* session = std::get_if<std::unique_ptr<ScriptedSqlSession>>(&p)) {
      ADD_FAILURE() << "scripted sql factory: a scripted session was never connected ("
                    << (*session)->statements().size() << " statements)";
    } else {
      ADD_FAILURE() << "scripted sql factory: a scripted connect failure was never used: "
                    << std::get<absl::Status>(p);
    }
  }
}

ScriptedSqlSession& ScriptedSqlSessionFactory::AddSession(std::string server_version) {
  absl::MutexLock lock(&mu_);
  ++sessions_added_;
  auto session = std::make_unique<ScriptedSqlSession>(
      std::move(server_version), absl::StrFormat("session %d", sessions_added_));
  ScriptedSqlSession& ref = *session;
  pending_.emplace_back(std::move(session));
  return ref;
}

void ScriptedSqlSessionFactory::AddConnectFailure(absl::Status status) {
  absl::MutexLock lock(&mu_);
  pending_.emplace_back(std::move(status));
}

absl::StatusOr<std::unique_ptr<engine::SqlSession>> ScriptedSqlSessionFactory::Connect(
    const engine::SessionOptions& options) {
  absl::MutexLock lock(&mu_);
  requests_.push_back(options);
  if (pending_.empty()) {
    absl::Status unexpected = absl::InternalError(absl::StrFormat(
        "scripted sql factory: unexpected connect #%d (nothing scripted)", requests_.size()));
    ADD_FAILURE() << unexpected.message();
    return unexpected;
  }
  if (const auto* status = std::get_if<absl::Status>(&pending_.front())) {
    absl::Status failure = *status;
    pending_.pop_front();
    return failure;
  }
  std::unique_ptr<engine::SqlSession> session =
      std::move(std::get<std::unique_ptr<ScriptedSqlSession>>(pending_.front()));
  pending_.pop_front();
  return session;
}

std::vector<engine::SessionOptions> ScriptedSqlSessionFactory::connect_requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

}  // namespace tidemark::testing
