// ScriptedSqlSession: a scripted fake of engine::SqlSession for unit tests, after pgBackRest's
// scripted libpq (test/src/common/harnessPq.c). The test lists the statements it expects, in
// order, each with a canned result or error; an unexpected statement fails the test with a
// message naming both, and expectations left unconsumed fail it when the session is destroyed.
// ScriptedSqlSessionFactory hands out pre-scripted sessions in the order they were added.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/sql_session.h"

namespace tidemark::testing {

// The version ScriptedSqlSession::ServerVersion() reports unless told otherwise.
inline constexpr std::string_view kScriptedServerVersion = "10.11.19-MariaDB-log";

// One expected statement and what it does. Built through ScriptedSqlSession::Expect*; the
// default outcome is success without a result set.
class SqlExpectation {
 public:
  // Succeeds with this result set (rows may hold std::nullopt for NULL).
  SqlExpectation& Returns(std::vector<std::string> columns, std::vector<engine::SqlRow> rows);
  // Succeeds with a one-column, one-row result.
  SqlExpectation& ReturnsValue(std::string column, engine::SqlValue value);
  // Fails as the server or client library would with this error number and message: the
  // status is engine::SqlErrorToStatus({number, "", message}, statement), exactly what the
  // Connector/C session returns.
  SqlExpectation& FailsWith(unsigned int number, std::string message);
  // Fails with exactly `status`.
  SqlExpectation& FailsWithStatus(absl::Status status);

 private:
  friend class ScriptedSqlSession;
  SqlExpectation(std::string pattern, bool is_regex);
  bool Matches(std::string_view sql) const;
  std::string Describe() const;  // "'SHOW GRANTS'" or "regex 'SET .*'"
  absl::StatusOr<engine::SqlResult> Outcome(std::string_view sql) const;

  std::string pattern_;
  std::optional<std::regex> regex_;
  std::variant<engine::SqlResult, engine::SqlError, absl::Status> outcome_;
};

// Thread-safe (a mutex guards the script), although a SqlSession is used by one thread at a
// time. Script before use; references returned by Expect* stay valid for the session's life.
class ScriptedSqlSession final : public engine::SqlSession {
 public:
  explicit ScriptedSqlSession(std::string server_version = std::string(kScriptedServerVersion),
                              std::string name = "sql session");
  // Records a test failure for every expectation not consumed (unless the script already
  // failed: the first failure is the one worth reading).
  ~ScriptedSqlSession() override;

  // Expects `sql` exactly (byte for byte).
  SqlExpectation& Expect(std::string sql);
  // Expects a statement that fully matches the ECMAScript regex `pattern`.
  SqlExpectation& ExpectMatch(std::string pattern);

  // Consume the next expectation. A statement that does not match it (or comes after the
  // script ended) records a test failure and returns Internal
  // "scripted sql session: [i] expected <expectation> but got '<sql>'" (or "... script ended
  // before '<sql>'"); once failed, every later call returns that same status without adding
  // failures.
  absl::Status Execute(std::string_view sql) override;
  absl::StatusOr<engine::SqlResult> Query(std::string_view sql) override;
  std::string ServerVersion() const override { return server_version_; }

  // Every statement received so far, matched or not.
  std::vector<std::string> statements() const;
  // True when every expectation was consumed and nothing unexpected arrived.
  bool done() const;

 private:
  const std::string server_version_;
  const std::string name_;
  mutable absl::Mutex mu_;
  std::deque<SqlExpectation> script_ ABSL_GUARDED_BY(mu_);  // deque: references stay valid
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<absl::Status> failure_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> received_ ABSL_GUARDED_BY(mu_);
};

// A SqlSessionFactory whose Connect() hands out, in order, the sessions and connection
// failures the test added. Connecting more often than scripted records a test failure and
// returns Internal; sessions never handed out are reported at destruction. Thread-safe.
class ScriptedSqlSessionFactory final : public engine::SqlSessionFactory {
 public:
  ScriptedSqlSessionFactory() = default;
  ~ScriptedSqlSessionFactory() override;

  // A new session for a later Connect(), named "session N" (N from 1) in failure messages.
  // The reference is valid until the code under test destroys the session it was given.
  ScriptedSqlSession& AddSession(std::string server_version = std::string(kScriptedServerVersion));
  // The next Connect() fails with `status`.
  void AddConnectFailure(absl::Status status);

  absl::StatusOr<std::unique_ptr<engine::SqlSession>> Connect(
      const engine::SessionOptions& options) override;

  // The options of every Connect() call so far, in order.
  std::vector<engine::SessionOptions> connect_requests() const;

 private:
  using Pending = std::variant<std::unique_ptr<ScriptedSqlSession>, absl::Status>;
  mutable absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::vector<engine::SessionOptions> requests_ ABSL_GUARDED_BY(mu_);
  int sessions_added_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tidemark::testing
