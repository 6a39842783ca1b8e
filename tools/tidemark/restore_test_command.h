// `tidemark restore-test --target-dir DIR [--keep] [--scratch-dir D] [--mariadbd PATH]
// [--extended] [--json]`: starts a throwaway server on a scratch copy of a backup, checks and
// counts every table, reports (docs/restore-test.md).
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct RestoreTestFlags {
  std::string target_dir;
  std::string scratch_dir;
  std::string mariadbd;
  bool keep = false;
  bool extended = false;
  bool json = false;
  int start_timeout = 300;  // seconds
  KeyFlags key;  // for an encrypted backup: --encrypt-key-file or TIDEMARK_ENCRYPT_KEY
};

CLI::App* AddRestoreTestCommand(CLI::App& app, RestoreTestFlags& flags);
int RunRestoreTestCommand(const RestoreTestFlags& flags);

// The exit code for an error of engine::RunRestoreTest (docs/exit-codes.md).
int RestoreTestExitCode(const absl::Status& status);

}  // namespace tidemark::tools
