// `tidemark redo-follow --tracking-dir DIR`: tails a running server's redo log and records
// the pages it changes as page-set files in DIR, the input of redo-mode incremental backups
// (docs/page-tracking.md). Runs until SIGINT/SIGTERM (or --duration), then writes what it
// has read.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "tools/tidemark/connection_flags.h"

namespace tidemark::tools {

struct RedoFollowFlags {
  std::string tracking_dir;
  std::string log_dir;  // the directory of ib_logfile0 (innodb_log_group_home_dir)
  std::string datadir;  // used when log_dir is empty: the default log directory
  ConnectionFlags connection;
  double interval = 0.1;      // seconds between rounds at most
  double file_seconds = 300;  // a page-set file at least this often...
  double file_mb = 256;       // ...or per this much log
  std::string keep;           // e.g. "7d", "12h", "90m": drop older files
  int keep_files = 0;         // keep at most this many files
  double duration = 0;        // stop after this many seconds (0: until a signal)
};

CLI::App* AddRedoFollowCommand(CLI::App& app, RedoFollowFlags& flags);
int RunRedoFollowCommand(const RedoFollowFlags& flags);

}  // namespace tidemark::tools
