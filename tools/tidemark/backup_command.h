// `tidemark backup`: a hot full or incremental backup of a running MariaDB server (also reached as
// `tidemark --backup ...`, the xtrabackup-style spelling).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tools/tidemark/connection_flags.h"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct BackupFlags {
  std::string target_dir;
  ConnectionFlags connection;
  int parallel = 0;             // 0: one per CPU
  double throttle_mb = 0;       // MB/s, 0 = unlimited
  std::string progress;         // "", "auto" (a live line on a terminal) or "json"
  bool buffered = false;        // data files through the page cache instead of O_DIRECT
  bool checkpoint_now = false;
  bool no_sync = false;          // skip fdatasync of each file (tests, benchmarks, tmpfs)
  std::string incremental_basedir;      // incremental: the base backup directory
  std::optional<uint64_t> incremental_lsn;  // incremental: the base LSN
  std::string incremental_mode;         // "", "scan", "redo" or "auto"
  std::string page_tracking_dir;        // redo/auto: tidemark redo-follow's directory
  std::string stream;                   // "" (a directory) or "xbstream": to stdout
  std::optional<std::string> compress;  // --compress[=zstd[:LEVEL]]; "" when given bare
  int compress_zstd_level = 0;          // xtrabackup's --compress-zstd-level (0: unset)
  int compress_threads = 0;             // zstd workers per file (0: on the copier thread)
  std::string encrypt;                  // "" or "AES256"
  KeyFlags key;
  std::string extra_lsndir;             // a copy of the backup's records goes here
  std::vector<std::string> command_line;
};

CLI::App* AddBackupCommand(CLI::App& app, BackupFlags& flags);
int RunBackupCommand(const BackupFlags& flags);

}  // namespace tidemark::tools
