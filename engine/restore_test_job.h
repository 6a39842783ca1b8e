// `tidemark restore-test`: proves a backup restorable without touching it. A scratch
// directory receives a copy (a prepared backup is restored into it with RunRestore; a raw
// full backup is copied, prepared with RunPrepare and moved into place), a throwaway mariadbd
// starts on it (scratch_server.h), every table is checked and counted (table_check.h), the
// server is stopped and the scratch directory removed (docs/restore-test.md).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/scratch_server.h"
#include "engine/table_check.h"
#include "io/file_system.h"

namespace tidemark::engine {

struct RestoreTestOptions {
  std::string backup_dir;
  // Where the scratch directory "tidemark-rt-<unique>" is made; empty: $TMPDIR, else /tmp.
  std::string scratch_parent;
  std::string mariadbd;  // empty: found in PATH or sbin
  bool keep = false;     // leave the server running and the scratch directory in place
  bool extended = false;  // CHECK TABLE ... EXTENDED
  std::string user;       // --user for mariadbd ("root" when run as root)
  uint64_t use_memory = uint64_t{256} << 20;  // for preparing a raw backup
  std::chrono::seconds start_timeout{300};
};

struct RestoreTestEnv {
  io::FileSystem& fs;
  ServerStarter start_server = StartScratchServer;
  std::function<void(std::string_view)> on_note;  // progress lines; may be empty
  // Called once the scratch directory exists, with its path (before anything is written in
  // it): whoever handles an interruption can then stop the server and remove it.
  std::function<void(const std::string&)> on_scratch;
};

struct RestoreTestResult {
  std::string scratch_dir;
  bool prepared = false;  // a raw backup: its copy was prepared
  TableCheckReport report;
  // --keep: where the server can be reached; otherwise the server is stopped.
  bool kept = false;
  std::string socket;
  int pid = 0;
  std::string stop_problem;  // the server did not stop cleanly (does not change the verdict)
  std::string server_log_tail;  // the error log's tail when the server went away mid-check
};

// Runs the test. A finished check is a result even when tables failed (report.ok() says);
// errors are the reasons no report could be made, each with its code:
//   NotFound / FailedPrecondition  not a backup (no xtrabackup_checkpoints), an incremental
//                    backup, unreadable metadata (prepare's and restore's errors)
//   DataLoss         prepare found the backup damaged, or mariadbd refused to start on it
//   Unavailable      mariadbd missing, not executable, or failing for an environmental
//                    reason (ScratchServer), or the server would not answer
//   InvalidArgument  the scratch path is too long for a Unix socket
//   ResourceExhausted / PermissionDenied  the scratch directory cannot be written
// Without `keep` the scratch directory is removed whatever happens (best effort, a failure
// is a note); with it, it stays after a failure too, so it can be looked at.
absl::StatusOr<RestoreTestResult> RunRestoreTest(const RestoreTestOptions& options,
                                                 RestoreTestEnv& env);

// Copies the directory tree `from` into `to` (created; must not exist), file by file through
// `fs`. Errors: the file system's, naming the file.
absl::Status CopyDirectory(io::FileSystem& fs, const std::string& from, const std::string& to);

// Removes `path` and everything under it. Errors: the file system's.
absl::Status RemoveTree(io::FileSystem& fs, const std::string& path);

}  // namespace tidemark::engine
