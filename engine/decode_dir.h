// `tidemark decompress` and `tidemark decrypt` on a directory: every `x.zst` becomes `x`, every
// `x.tmenc` becomes `x` (docs/compression.md, docs/encryption.md). Each output is written to a
// temporary name and renamed once whole, so a failure never leaves a half file under `x`
// (encoded_file.h does the decoding). Every bad file is reported, not only the first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/encoded_file.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::engine {

enum class DecodeKind { kDecompress, kDecrypt };

struct DecodeDirOptions {
  std::string dir;
  DecodeKind kind = DecodeKind::kDecompress;
  int parallel = 1;                   // files decoded at once (>= 1)
  bool remove_original = false;       // remove `x.zst` / `x.tmenc` once `x` is whole
  const io::CryptKey* key = nullptr;  // kDecrypt: required
  // kDecrypt: also decompress, in the same pass: `x.zst.tmenc` and `x.zst` become `x`.
  bool and_decompress = false;
};

using DecodeDirResult = DecodeFilesResult;

// Decodes every file with the kind's suffix under `options.dir` (recursively; symlinks are
// not followed), writing `x` (mode 0640, replacing an existing `x`) through `x.tidemark-tmp`.
// A failed file leaves no temporary and keeps its original. Returns the result with every
// problem; a non-OK status only when the walk itself fails (NotFound for a missing directory,
// InvalidArgument for a missing key or parallel < 1). `on_file`, when given, is called
// (from worker threads, serialised) with each decoded file's relative path.
absl::StatusOr<DecodeDirResult> DecodeDir(
    io::FileSystem& fs, const DecodeDirOptions& options,
    const std::function<void(std::string_view)>& on_file = {});

// The suffix DecodeDir looks for: ".zst" or ".tmenc".
std::string_view DecodeSuffix(DecodeKind kind);

}  // namespace tidemark::engine
