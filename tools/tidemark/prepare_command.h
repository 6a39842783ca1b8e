// `tidemark prepare`: applies a full backup's redo log so that a server can start on it
// (also reached as `tidemark --prepare ...`, the xtrabackup-style spelling).
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct PrepareFlags {
  std::string target_dir;
  bool apply_log_only = false;
  std::string incremental_dir;
  std::string use_memory = "100M";  // bytes, with an optional K/M/G suffix
  int parallel = 1;
  std::string progress;  // "", "auto" (a live line on a terminal) or "json"
  KeyFlags key;  // for an encrypted backup: --encrypt-key-file or TIDEMARK_ENCRYPT_KEY
  std::string scratch_dir;  // where an encoded --incremental-dir is decoded
};

CLI::App* AddPrepareCommand(CLI::App& app, PrepareFlags& flags);
int RunPrepareCommand(const PrepareFlags& flags);

}  // namespace tidemark::tools
