// `tidemark inspect PATH...`: forensic page inspection of tablespaces, datadirs and backups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace tidemark::tools {

struct InspectFlags {
  std::vector<std::string> paths;
  std::optional<uint32_t> page;
  bool hex = false;
  std::optional<uint64_t> since_lsn;
  bool list = false;
  bool json = false;
  int parallel = 0;  // 0: one per CPU
  bool direct = false;
  bool keep_cache = false;
  size_t read_depth = 0;  // 0: 4 when buffered (kernel read-ahead helps), 8 when direct
  size_t chunk_kib = 1024;
};

// Adds the `inspect` subcommand to `app`, filling `flags` when it is parsed.
CLI::App* AddInspectCommand(CLI::App& app, InspectFlags& flags);

// Runs it and returns the process exit code (exit_codes.h).
int RunInspect(const InspectFlags& flags);

}  // namespace tidemark::tools
