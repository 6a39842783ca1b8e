// The encryption key of a command: from `--encrypt-key-file F`, else from the environment
// (TIDEMARK_ENCRYPT_KEY, 64 hex digits); never a flag value (docs/encryption.md).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "io/crypt_stage.h"

namespace tidemark::tools {

// The environment variable that may hold the key as 64 hex digits.
inline constexpr const char* kEncryptKeyEnv = "TIDEMARK_ENCRYPT_KEY";

// The key from `key_file` when not empty, else from kEncryptKeyEnv when set, else nullopt.
// Errors: InvalidArgument/NotFound/... from reading or parsing the key (never quoting it).
absl::StatusOr<std::optional<io::CryptKey>> KeyFromFileOrEnv(const std::string& key_file);

}  // namespace tidemark::tools
