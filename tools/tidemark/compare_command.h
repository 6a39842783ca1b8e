// `tidemark compare DIR_A DIR_B`: page-by-page comparison of two prepared backups or datadirs
// (engine/page_compare.h; masking rules in docs/compare.md).
#pragma once

#include <cstddef>
#include <string>

#include "CLI/CLI.hpp"

namespace tidemark::tools {

struct CompareFlags {
  std::string dir_a, dir_b;
  bool json = false;
  size_t max_report = 20;
  int parallel = 2;
};

// Adds the `compare` subcommand to `app`, filling `flags` when it is parsed.
CLI::App* AddCompareCommand(CLI::App& app, CompareFlags& flags);

// Runs it: the report on stdout (text or one JSON document); exit 0 when the tablespaces
// are equal, 3 when pages differ (or tablespace files are missing or sized differently on
// one side), 4 when a directory cannot be read.
int RunCompareCommand(const CompareFlags& flags);

}  // namespace tidemark::tools
