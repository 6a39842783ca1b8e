// `tidemark redo-follow`: flags -> engine::RedoFollower on the POSIX file system and the real
// clock, its events on stderr, SIGINT/SIGTERM (or --duration) as the stop request, and an exit
// code per outcome (docs/page-tracking.md "redo-follow").
#include "tools/tidemark/redo_follow_command.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stop_token>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "engine/mysql_sql_session.h"
#include "engine/redo_follower.h"
#include "engine/redo_probe.h"
#include "engine/server_info.h"
#include "io/clock.h"
#include "io/posix_file_system.h"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

namespace {

int ExitCodeFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kPermissionDenied:
      return kExitTarget;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnavailable:
      return kExitServer;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
      return kExitBadInput;
    default:
      return kExitInternal;
  }
}

// "7d", "12h", "90m", "30s" or plain seconds.
absl::StatusOr<absl::Duration> ParseKeep(const std::string& text) {
  absl::Duration d;
  double seconds = 0;
  if (!text.empty() && text.back() == 'd' &&
      absl::SimpleAtod(text.substr(0, text.size() - 1), &seconds)) {
    return absl::Seconds(seconds * 86400);
  }
  if (absl::SimpleAtod(text, &seconds)) return absl::Seconds(seconds);
  if (absl::ParseDuration(text, &d)) return d;
  return absl::InvalidArgumentError(
      absl::StrFormat("--keep '%s' is not a duration (e.g. 7d, 12h, 90m, 3600)", text));
}

// The server's log position over a session that is reconnected after a failure (a server
// restart must not end the follower; the failing round is retried).
engine::ServerLogProbe ReconnectingProbe(engine::ConnectionOptions options) {
  struct State {
    engine::ConnectionOptions options;
    std::unique_ptr<engine::SqlSession> session;
  };
  auto state = std::make_shared<State>(State{std::move(options), nullptr});
  return [state]() -> absl::StatusOr<engine::ServerLogPosition> {
    if (!state->session) {
      absl::StatusOr<std::unique_ptr<engine::SqlSession>> s = engine::ConnectMysql(state->options);
      if (!s.ok()) return s.status();
      state->session = *std::move(s);
    }
    absl::StatusOr<engine::ServerLogPosition> p = engine::ReadServerLogPosition(*state->session);
    if (!p.ok()) state->session.reset();
    return p;
  };
}

absl::StatusOr<std::string> LogPath(const RedoFollowFlags& f,
                                    const std::optional<engine::ConnectionOptions>& conn) {
  if (!f.log_dir.empty()) return io::JoinPath(f.log_dir, "ib_logfile0");
  if (!f.datadir.empty()) return io::JoinPath(f.datadir, "ib_logfile0");
  if (!conn) {
    return absl::InvalidArgumentError(
        "redo-follow needs --log-dir, --datadir or a connection (--socket, --host)");
  }
  absl::StatusOr<std::unique_ptr<engine::SqlSession>> s = engine::ConnectMysql(*conn);
  if (!s.ok()) return s.status();
  absl::StatusOr<engine::ServerInfo> info = engine::ReadServerInfo(**s);
  if (!info.ok()) return info.status();
  return info->ResolvedLogGroupHomeDir() + "ib_logfile0";
}

void PrintEvent(const engine::RedoFollowEvent& e) {
  using K = engine::RedoFollowEventKind;
  std::string line;
  switch (e.kind) {
    case K::kResumed:
      line = absl::StrFormat("following the redo log from LSN %d", e.from.value());
      break;
    case K::kNewChain:
      line =
          absl::StrFormat("new chain of page-set files from LSN %d: %s", e.from.value(), e.detail);
      break;
    case K::kFileWritten:
      line = absl::StrFormat("wrote %s (LSN %d to %d, %d pages)", e.path, e.from.value(),
                             e.to.value(), e.pages);
      break;
    case K::kChainBroken:
      line = absl::StrFormat("stopped reading at LSN %d: %s", e.from.value(), e.detail);
      break;
    case K::kRetry:
      line = absl::StrFormat("cannot read on at LSN %d, retrying: %s", e.from.value(), e.detail);
      break;
    case K::kPruned:
      line = absl::StrFormat("removed %s", e.path);
      break;
  }
  std::fprintf(stderr, "tidemark: %s\n", line.c_str());
}

// Waits for SIGINT/SIGTERM (blocked in every thread) or the deadline, then stops `source`.
std::jthread StopOnSignal(std::stop_source source, std::optional<absl::Time> deadline) {
  return std::jthread([source, deadline](std::stop_token self) mutable {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const timespec tick{0, 100 * 1000 * 1000};
    while (!self.stop_requested() && !source.stop_requested()) {
      if (sigtimedwait(&set, nullptr, &tick) > 0 || (deadline && absl::Now() >= *deadline)) {
        source.request_stop();
      }
    }
  });
}

}  // namespace

CLI::App* AddRedoFollowCommand(CLI::App& app, RedoFollowFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "redo-follow", "Record the pages a running server changes, for redo-mode incrementals");
  cmd->add_option("--tracking-dir", f.tracking_dir, "directory of page-set files")->required();
  cmd->add_option("--log-dir", f.log_dir, "directory of the server's ib_logfile0");
  cmd->add_option("--datadir", f.datadir, "the server's datadir (when the log is there)");
  AddConnectionOptions(cmd, f.connection, "server socket (reads the log position over SQL)");
  cmd->add_option("--interval", f.interval, "longest pause between reads, seconds")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  cmd->add_option("--file-seconds", f.file_seconds, "write a page-set file at least this often")
      ->check(CLI::Range(0.001, 1e7))
      ->capture_default_str();
  cmd->add_option("--file-mb", f.file_mb, "...or per this many MB of redo log")
      ->check(CLI::Range(0.001, 1e7))
      ->capture_default_str();
  cmd->add_option("--keep", f.keep, "remove page-set files older than this (7d, 12h, 90m)");
  cmd->add_option("--keep-files", f.keep_files, "keep at most this many page-set files")
      ->check(CLI::Range(0, 100000000));
  cmd->add_option("--duration", f.duration, "stop after this many seconds (default: a signal)")
      ->check(CLI::Range(0.0, 1e9));
  return cmd;
}

int RunRedoFollowCommand(const RedoFollowFlags& f) {
  // Before any thread exists, so that every thread inherits the mask and only the
  // signal thread receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::optional<engine::ConnectionOptions> conn;
  if (f.connection.any()) {
    absl::StatusOr<engine::ConnectionOptions> c = ConnectionFrom(f.connection);
    if (!c.ok()) {
      std::fprintf(stderr, "tidemark: %s\n", std::string(c.status().message()).c_str());
      return kExitUsage;
    }
    conn = *std::move(c);
  }
  engine::RedoFollowerOptions o;
  o.tracking_dir = f.tracking_dir;
  o.interval = absl::Seconds(f.interval);
  o.file_duration = absl::Seconds(f.file_seconds);
  o.file_bytes = static_cast<uint64_t>(f.file_mb * 1048576);
  o.keep.keep_files = f.keep_files;
  o.on_event = PrintEvent;
  if (!f.keep.empty()) {
    absl::StatusOr<absl::Duration> keep = ParseKeep(f.keep);
    if (!keep.ok()) {
      std::fprintf(stderr, "tidemark: %s\n", std::string(keep.status().message()).c_str());
      return kExitUsage;
    }
    o.keep.keep_duration = *keep;
  }
  absl::StatusOr<std::string> log = LogPath(f, conn);
  if (!log.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", std::string(log.status().message()).c_str());
    return ExitCodeFor(log.status());
  }
  o.server_log_path = *log;
  if (conn) o.collector.server_log = ReconnectingProbe(*conn);

  auto fs = io::NewPosixFileSystem();
  io::RealClock clock;
  absl::StatusOr<std::unique_ptr<engine::RedoFollower>> follower =
      engine::RedoFollower::Open(*fs, clock, o);
  if (!follower.ok()) {
    std::fprintf(stderr, "tidemark: redo-follow: %s\n",
                 std::string(follower.status().message()).c_str());
    return ExitCodeFor(follower.status());
  }
  std::stop_source stop;
  std::optional<absl::Time> deadline;
  if (f.duration > 0) deadline = absl::Now() + absl::Seconds(f.duration);
  std::jthread signals = StopOnSignal(stop, deadline);
  const absl::Status s = (*follower)->Run(stop.get_token());
  signals.request_stop();
  if (!s.ok()) {
    std::fprintf(stderr, "tidemark: redo-follow failed: %s\n", std::string(s.message()).c_str());
    return ExitCodeFor(s);
  }
  const std::string done =
      absl::StrFormat("redo-follow stopped at LSN %d (chain from LSN %d)",
                      (*follower)->position().value(), (*follower)->chain_start().value());
  std::fprintf(stderr, "tidemark: %s\n", done.c_str());
  return kExitOk;
}

}  // namespace tidemark::tools
