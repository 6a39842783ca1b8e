// `tidemark restore --target-dir DIR --datadir D [--move]`: puts a prepared backup into an
// empty datadir (also reached as `tidemark --copy-back` / `--move-back`, the xtrabackup-style
// spellings).
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct RestoreFlags {
  std::string target_dir;                  // the prepared backup (xtrabackup's name for it)
  std::string datadir = "/var/lib/mysql";  // mariadb-backup's compiled-in default
  bool move = false;
  int parallel = 1;
  bool no_sync = false;
  bool verbose = false;
  std::string data_home_dir, undo_dir, log_dir;
  KeyFlags key;  // for an encrypted backup: --encrypt-key-file or TIDEMARK_ENCRYPT_KEY
};

CLI::App* AddRestoreCommand(CLI::App& app, RestoreFlags& flags);
int RunRestoreCommand(const RestoreFlags& flags);

}  // namespace tidemark::tools
