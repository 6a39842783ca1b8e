// `tidemark decompress --target-dir DIR` and `tidemark decrypt --target-dir DIR
// --encrypt-key-file F` (or the key in TIDEMARK_ENCRYPT_KEY): every `x.zst` / `x.tmenc` in the
// backup becomes `x` (docs/compression.md, docs/encryption.md). The key is never a flag value.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

struct DecodeFlags {
  std::string target_dir;
  KeyFlags key;             // decrypt only
  bool decompress = false;  // decrypt only: also decompress, in the same pass
  int parallel = 1;
  bool remove_original = false;
  bool verbose = false;
};

// The environment variable that may hold the key as 64 hex digits.
CLI::App* AddDecompressCommand(CLI::App& app, DecodeFlags& flags);
CLI::App* AddDecryptCommand(CLI::App& app, DecodeFlags& flags);
int RunDecompressCommand(const DecodeFlags& flags);
int RunDecryptCommand(const DecodeFlags& flags);

}  // namespace tidemark::tools
