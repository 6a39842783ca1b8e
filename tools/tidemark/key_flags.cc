// Loading the encryption key for decrypt, prepare and restore (see the header).
#include "tools/tidemark/key_flags.h"

#include <cstdlib>

#include "absl/strings/str_format.h"
#include "io/posix_file_system.h"

namespace tidemark::tools {

absl::StatusOr<std::optional<io::CryptKey>> KeyFromFileOrEnv(const std::string& key_file) {
  absl::StatusOr<io::CryptKey> key;
  if (!key_file.empty()) {
    auto fs = io::NewPosixFileSystem();
    key = io::ReadCryptKeyFile(*fs, key_file);
  } else if (const char* env = std::getenv(kEncryptKeyEnv); env != nullptr) {
    key = io::ParseCryptKey(env, absl::StrFormat("in %s", kEncryptKeyEnv));
  } else {
    return std::nullopt;
  }
  if (!key.ok()) return key.status();
  return *key;
}

}  // namespace tidemark::tools
