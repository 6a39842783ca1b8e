// A throwaway mariadbd for `tidemark restore-test`: started with posix_spawn (no shell) on a
// scratch datadir with --no-defaults, a private Unix socket, no network, no grant checks, a
// small buffer pool and the backup's InnoDB settings from backup-my.cnf; stopped with
// SHUTDOWN, then SIGTERM, then SIGKILL, always by its own pid. Why it failed to start is
// told apart: the data (exit 3 in the tool) or the environment (exit 6), see
// ClassifyStartFailure and docs/restore-test.md.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/backup_metadata.h"
#include "engine/sql_session.h"

namespace tidemark::engine {

struct ScratchServerOptions {
  std::string mariadbd;  // the binary; empty: "mariadbd" found in $PATH, /usr/sbin, /sbin
  std::string datadir;
  std::string socket;     // Unix socket path (< 108 bytes)
  std::string pid_file;
  std::string tmpdir;     // must exist
  std::string error_log;  // the server's stdout and stderr
  BackupMyCnf cnf;        // the backup's settings (innodb_page_size, data file path, undo, plugins)
  std::string buffer_pool_size = "64M";
  std::string log_file_size = "16M";
  std::string user;  // --user=<user> when not empty (mariadbd run as root needs --user=root)
  bool detach = false;  // own session (setsid): survives the caller's terminal, for --keep
  std::chrono::seconds start_timeout{300};
  std::chrono::seconds stop_timeout{120};
};

// The command line (argv[0] = options.mariadbd): --no-defaults first, then the fixed
// throwaway settings, then the backup's: innodb_page_size, innodb_data_file_path,
// innodb_undo_tablespaces when set; plugin_dir and plugin_load_add when plugins are named,
// each plugin variable as --loose-<name>=<value> (directory options excepted: the scratch
// datadir holds everything), innodb_encrypt_log/innodb_encrypt_tables with an encryption
// plugin.
std::vector<std::string> ScratchServerArgv(const ScratchServerOptions& options);

// Why a mariadbd that exited while starting did so, from its error log: kEnvironment when the
// log shows a cause outside the data (an unknown option, a missing plugin or shared library,
// permission denied, no space, out of memory, a socket in use, the root-user refusal), else
// kData (InnoDB refused the files, a page is corrupt, ...).
enum class StartFailure { kData, kEnvironment };
StartFailure ClassifyStartFailure(std::string_view error_log);

// A running server: what restore-test needs of it. Implemented by ScratchServer; tests fake it.
class RunningServer {
 public:
  virtual ~RunningServer() = default;
  virtual absl::StatusOr<std::unique_ptr<SqlSession>> Connect() = 0;
  // SHUTDOWN, then SIGTERM, then SIGKILL, each with a bounded wait. OK when the server exited
  // by itself with status 0 (also when it had already exited: then its exit status decides);
  // Internal/DeadlineExceeded naming how it ended otherwise.
  virtual absl::Status Stop() = 0;
  // Leaves the server running when this object goes away (--keep).
  virtual void Detach() = 0;
  // True while the process runs (reaps it when it has exited).
  virtual bool Running() = 0;
  virtual pid_t pid() const = 0;
  virtual std::string ErrorLogTail(size_t max_bytes = 3000) const = 0;
};

// Starts mariadbd and waits until it answers on the socket. Errors:
//   Unavailable  mariadbd not found or not executable, the spawn failed, the server exited
//                for an environmental reason (ClassifyStartFailure), or it did not answer
//                within start_timeout (killed) — the message holds the error log's tail
//   DataLoss     the server exited while starting for a reason in the data (error log tail)
// The returned server is stopped (Stop semantics, by pid) when destroyed unless detached.
absl::StatusOr<std::unique_ptr<RunningServer>> StartScratchServer(
    const ScratchServerOptions& options);

using ServerStarter =
    std::function<absl::StatusOr<std::unique_ptr<RunningServer>>(const ScratchServerOptions&)>;

}  // namespace tidemark::engine
