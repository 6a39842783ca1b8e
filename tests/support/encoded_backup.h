// Test helper: turns files of a plain test backup into the stored forms of a compressed or
// encrypted backup (`x.zst`, `x.tmenc`, `x.zst.tmenc`, docs/compression.md and
// docs/encryption.md), as `tidemark backup --compress --encrypt` writes them: compressed
// first, then encrypted with the file id of the encrypted file's name minus ".tmenc".
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::testing {

// Replaces `dir/rel` by `dir/rel<suffix>`; `key` is required when suffix ends in ".tmenc".
// `chunk_size`: plaintext bytes per encrypted chunk (small, so tests see several chunks).
absl::Status EncodeFile(io::FileSystem& fs, std::string_view dir, std::string_view rel,
                        std::string_view suffix, const io::CryptKey* key,
                        uint32_t chunk_size = io::kMinCryptChunkSize);

// EncodeFile for every regular file under `dir` (recursively) but xtrabackup_checkpoints and
// tidemark_manifest.json, which a backup never encodes.
absl::Status EncodeBackup(io::FileSystem& fs, std::string_view dir, std::string_view suffix,
                          const io::CryptKey* key, uint32_t chunk_size = io::kMinCryptChunkSize);

}  // namespace tidemark::testing
