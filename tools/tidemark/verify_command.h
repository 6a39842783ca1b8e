// `tidemark verify --target-dir DIR`: checks a backup directory without restoring it and
// reports every problem found (docs/verify.md).
#pragma once

#include <string>

#include "CLI/CLI.hpp"

namespace tidemark::tools {

struct VerifyFlags {
  std::string target_dir;
  std::string stream;  // --stream FILE: not implemented yet (a usage error)
  std::string incremental_basedir;
  bool json = false;
  int parallel = 0;  // 0: one per CPU
};

CLI::App* AddVerifyCommand(CLI::App& app, VerifyFlags& flags);
// Exit codes: 0 no problem, 3 problems found, 4 not a backup or unreadable, 2 usage.
int RunVerifyCommand(const VerifyFlags& flags);

}  // namespace tidemark::tools
