// `tidemark verify --target-dir DIR | --stream FILE`: checks a backup (a directory, plain,
// compressed or encrypted, or an xbstream) without restoring it and reports every problem
// found (docs/verify.md).
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct VerifyFlags {
  std::string target_dir;
  std::string stream;  // --stream FILE, or "-" for stdin
  std::string incremental_basedir;
  std::string scratch_dir;  // "": $TMPDIR, else /tmp
  bool keep_scratch = false;
  KeyFlags key;
  bool json = false;
  int parallel = 0;  // 0: one per CPU
};

CLI::App* AddVerifyCommand(CLI::App& app, VerifyFlags& flags);
// Exit codes: 0 no problem, 3 problems found, 4 not a backup, unreadable or wrong key, 7 the
// scratch directory cannot be written, 2 usage (docs/verify.md).
int RunVerifyCommand(const VerifyFlags& flags);

}  // namespace tidemark::tools
