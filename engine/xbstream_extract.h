// Extracting an xbstream into a directory (what `mbstream -x` does), for `tidemark extract`:
// the chunks are read by one reader and written by N workers, each file by one worker at a
// time in stream order. A file is written as `<name>.tidemark-partial` and renamed to its name
// at its E chunk, so a name in the target is only ever a complete file (docs/stream.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/xbstream.h"
#include "io/byte_stream.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::engine {

// The suffix of a file being extracted.
inline constexpr std::string_view kPartialSuffix = ".tidemark-partial";

struct ExtractOptions {
  int parallel = 1;  // worker threads writing files (>= 1)
  // After the last file: one FileSystem::SyncFileSystem of the target.
  bool sync = true;
  // Decode while extracting (as `xbstream -x --decrypt --decompress` does): `x.tmenc` is
  // decrypted with this key into `x` (its header must name `x`), then, with `decompress`,
  // `x.zst` is decompressed into `x`. The encoded names never appear in the target.
  const io::CryptKey* decrypt_key = nullptr;
  bool decompress = false;
};

struct ExtractSummary {
  uint64_t files = 0;   // files completed (closed by E and renamed)
  uint64_t bytes = 0;   // payload bytes written
  uint64_t chunks = 0;  // chunks read, skipped ones included
  uint64_t removed = 0; // files removed by D chunks
};

// Extracts the stream `in` under `dir` (created with its parents when missing, 0750).
// Directories are created as needed (0750), files 0640. A file is created exclusively (its
// name and its partial name must not exist) unless its chunks carry the REWRITE flag, as
// mbstream does; R and D chunks rename and remove files already extracted.
// On error, files in progress are closed and their partial files removed; files completed
// earlier stay. The error names the file and is tagged (GetXbstreamErrorKind): the reader's
// (kCorrupt, kInput: see XbstreamReader), a bad checksum (kCorrupt), and the target's
// (kTarget), e.g. ResourceExhausted "write 'T/db/t.ibd.tidemark-partial' at 1048576: No space
// left on device", AlreadyExists "extract 'db/t.ibd': 'T/db/t.ibd' already exists". When
// files in progress were removed, the message ends with "(incomplete files removed: 'a')".
// Decoding errors name the file as in the stream: a damaged chunk or frame, a truncated file
// (kCorrupt: DataLoss "decrypt 'db/t.ibd.zst.tmenc' chunk 3: authentication failed ..."), a
// wrong key (kInput: "decrypt '...': wrong key ...").
absl::StatusOr<ExtractSummary> ExtractXbstream(io::ByteSource& in, io::FileSystem& fs,
                                               std::string_view dir,
                                               const ExtractOptions& options = {});

}  // namespace tidemark::engine
