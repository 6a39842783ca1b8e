// Where the encryption key comes from (see header).
#include "tools/tidemark/key_flags.h"

#include <cstdlib>

#include "absl/strings/str_format.h"
#include "io/posix_file_system.h"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

void AddKeyOptions(CLI::App* cmd, KeyFlags& flags) {
  cmd->add_option("--encrypt-key-file", flags.key_file,
                  "file holding the key: 32 raw bytes or 64 hex digits (default: $" +
                      std::string(kEncryptKeyEnv) + ")");
  cmd->add_option("--encrypt-key", flags.refused_key)->group("");  // refused by LoadKey
}

absl::StatusOr<std::optional<io::CryptKey>> LoadKeyIfGiven(const KeyFlags& flags) {
  if (!KeyGiven(flags)) return std::nullopt;
  absl::StatusOr<io::CryptKey> key = LoadKey(flags);
  if (!key.ok()) return key.status();
  return *key;
}

int KeyErrorExitCode(const KeyFlags& flags) {
  return flags.refused_key.empty() ? kExitBadInput : kExitUsage;
}

bool KeyGiven(const KeyFlags& flags) {
  return !flags.key_file.empty() || !flags.refused_key.empty() ||
         std::getenv(kEncryptKeyEnv) != nullptr;
}

absl::StatusOr<io::CryptKey> LoadKey(const KeyFlags& flags) {
  if (!flags.refused_key.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--encrypt-key is not accepted: a key on the command line shows in ps and in shell "
        "history; give --encrypt-key-file or set %s",
        kEncryptKeyEnv));
  }
  if (!flags.key_file.empty()) {
    auto fs = io::NewPosixFileSystem();
    return io::ReadCryptKeyFile(*fs, flags.key_file);
  }
  if (const char* env = std::getenv(kEncryptKeyEnv); env != nullptr) {
    return io::ParseCryptKey(env, absl::StrFormat("in %s", kEncryptKeyEnv));
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("no key: give --encrypt-key-file or set %s (64 hex digits)", kEncryptKeyEnv));
}

}  // namespace tidemark::tools
