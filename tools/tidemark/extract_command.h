// `tidemark extract [-C DIR] [--parallel N] [--decrypt --decompress] [FILE]`: unpacks an xbstream (from FILE, or stdin)
// into a directory, as `mbstream -x` does (engine/xbstream_extract.h, docs/stream.md).
#pragma once

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct ExtractFlags {
  std::string directory = ".";  // -C
  std::string file;             // empty: stdin
  int parallel = 1;
  bool no_sync = false;
  bool decompress = false;             // x.zst -> x while extracting
  std::optional<std::string> decrypt;  // x.tmenc -> x ("" or "AES256" when given)
  KeyFlags key;
};

// Adds the `extract` subcommand to `app`, filling `flags` when it is parsed.
CLI::App* AddExtractCommand(CLI::App& app, ExtractFlags& flags);

// Runs it: a summary line on stderr; exit 0 when every file was extracted, 2 for stdin on a
// terminal, 3 when the stream is corrupt (bad chunk, checksum mismatch), 4 when the input
// cannot be read or ends early (truncated), 7 when the target cannot be written, 1 otherwise
// (docs/exit-codes.md); with --decrypt/--decompress also 3 for a damaged encrypted chunk or
// zstd frame, 4 for a wrong or unreadable key.
int RunExtractCommand(const ExtractFlags& flags);

}  // namespace tidemark::tools
