// The encryption key of `backup --encrypt`, `decrypt`, `verify`, `prepare` and `restore`: from
// --encrypt-key-file F or the environment (TIDEMARK_ENCRYPT_KEY), never from the command line
// (docs/encryption.md).
#pragma once

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "io/crypt_stage.h"

namespace tidemark::tools {

inline constexpr const char* kEncryptKeyEnv = "TIDEMARK_ENCRYPT_KEY";

struct KeyFlags {
  std::string key_file;
  std::string refused_key;  // a value given to --encrypt-key, which is refused
};

// Adds --encrypt-key-file, and a hidden --encrypt-key (xtrabackup's spelling) that LoadKey
// refuses.
void AddKeyOptions(CLI::App* cmd, KeyFlags& flags);

// True when the user gave a key source (a file, the environment, or the refused option).
bool KeyGiven(const KeyFlags& flags);

// The key from --encrypt-key-file, else from TIDEMARK_ENCRYPT_KEY. Errors: InvalidArgument
// "--encrypt-key is not accepted: ...", "no key: give --encrypt-key-file or set
// TIDEMARK_ENCRYPT_KEY (64 hex digits)"; ReadCryptKeyFile's / ParseCryptKey's.
absl::StatusOr<io::CryptKey> LoadKey(const KeyFlags& flags);

// The key when a source was given (KeyGiven), else nullopt: for the commands that read
// encrypted backups and themselves name the first encrypted file when there is no key.
// Errors: LoadKey's.
absl::StatusOr<std::optional<io::CryptKey>> LoadKeyIfGiven(const KeyFlags& flags);

// The exit code for LoadKey's error: 2 (usage) for a key given on the command line, else 4
// (bad input: no key, or a key file that cannot be read or parsed).
int KeyErrorExitCode(const KeyFlags& flags);

}  // namespace tidemark::tools
