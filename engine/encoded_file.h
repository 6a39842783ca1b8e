// Files of a compressed or encrypted backup, stored as `x.zst`, `x.tmenc` or `x.zst.tmenc`
// (docs/compression.md, docs/encryption.md): the one place that decodes them, for
// `tidemark decompress` / `decrypt` (decode_dir.h), prepare (in place, before it reads the
// files) and restore (while copying). An encrypted file is decrypted first, then decompressed,
// in one pass; a failure is classified by which side failed so each tool can pick its exit code.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"
#include "io/zstd_stage.h"

namespace tidemark::engine {

// The temporary name a decoded file is written under before it is renamed: `x.tidemark-tmp`.
inline constexpr std::string_view kDecodeTempSuffix = ".tidemark-tmp";

// Why one file failed: damaged data (exit 3), an input that cannot be used (no key, wrong key,
// unreadable; exit 4), or an output that cannot be written (exit 7).
enum class DecodeFailure { kDamaged, kBadInput, kTarget };

// The encoding suffix that ends `path`: ".zst.tmenc", ".tmenc", ".zst", or "" when the name
// says the file is plain. A bare suffix (a file named ".zst") is plain.
std::string_view EncodingSuffix(std::string_view path);
// `path` without EncodingSuffix(path): "db/t.ibd.zst.tmenc" -> "db/t.ibd".
std::string_view WithoutEncoding(std::string_view path);

// One stored file and the encoding a decode undoes: `suffix` ends `rel` and is ".zst",
// ".tmenc" or ".zst.tmenc" (decrypted, then decompressed). `decrypt` of a "x.zst.tmenc" file
// alone uses suffix ".tmenc" and yields "x.zst".
struct EncodedFile {
  std::string rel;     // relative to the directory it is in, e.g. "db/t.ibd.zst.tmenc"
  std::string suffix;  // e.g. ".zst.tmenc"

  // rel without suffix: the decoded file's name.
  std::string decoded_rel() const { return rel.substr(0, rel.size() - suffix.size()); }
  bool encrypted() const { return suffix.ends_with(io::kCryptSuffix); }
};

// Wraps `out` so that the stored bytes of a file encoded with `suffix` (".zst", ".tmenc" or
// ".zst.tmenc"), written to the result front to back, reach `out` decoded: decrypted with
// `key` (required when `suffix` ends in ".tmenc"), then decompressed (io's push decoders).
// `name` names the stored file in the decoders' messages; `expected_id`, when not empty, must
// be the encryption header's file id. With an empty `suffix`, `out` itself.
std::unique_ptr<io::WritableFile> NewDecodingWritableFile(std::unique_ptr<io::WritableFile> out,
                                                        std::string_view suffix,
                                                        const io::CryptKey* key,
                                                        const std::string& name,
                                                        std::string expected_id = "");

// `rel` with its whole encoding (EncodingSuffix) to undo.
EncodedFile FullyEncoded(std::string_view rel);

// The outcome of decoding one file.
struct DecodeOutcome {
  absl::Status status;
  DecodeFailure failure = DecodeFailure::kDamaged;  // when !status.ok()
  uint64_t bytes_in = 0;                            // the stored file's size
  uint64_t bytes_out = 0;                           // decoded bytes
};

// Decodes `dir/f.rel` into `sink`. An encrypted file's header must carry the id
// `f.rel` without ".tmenc" (docs/encryption.md), checked before any byte reaches `sink`.
// Errors: FailedPrecondition "'<path>' is encrypted: no key given (--encrypt-key-file or
// TIDEMARK_ENCRYPT_KEY)" (kBadInput, `key` null); CryptReader's (wrong key: kBadInput;
// damaged: kDamaged); DecompressZstd's (DataLoss, kDamaged); DataLoss "decrypt '<path>': holds
// the encrypted '<id>', not '<expected>'" (kDamaged); errors opening or reading the input
// (kBadInput; an I/O error while reading is DataLoss, kDamaged); errors of `sink` unchanged
// (kTarget).
DecodeOutcome DecodeToSink(io::FileSystem& fs, std::string_view dir, const EncodedFile& f,
                           const io::CryptKey* key, const io::ByteSink& sink);

// Decodes `dir/f.rel` into a new file `out_path` (written with `options`), synced when `sync`,
// then closed. On failure `out_path` is removed (best effort), unless it existed before and
// options.exclusive refused it. Errors: DecodeToSink's; opening, writing or syncing the output
// (kTarget).
DecodeOutcome DecodeToFile(io::FileSystem& fs, std::string_view dir, const EncodedFile& f,
                           const io::CryptKey* key, const std::string& out_path,
                           const io::WriteOptions& options, bool sync = true);

// Decodes `dir/f.rel` into `dir/f.decoded_rel()` (mode 0640, replacing an existing file)
// through `<decoded>.tidemark-tmp`, renamed once whole and synced; then, when
// `remove_original`, removes the stored file and syncs the directory. A failure leaves the
// stored file and no temporary, so a rerun finishes the job. Errors: DecodeToFile's; the
// rename or removal (kTarget).
DecodeOutcome DecodeInPlace(io::FileSystem& fs, std::string_view dir, const EncodedFile& f,
                            const io::CryptKey* key, bool remove_original);

// Checks, before anything is written, that every encrypted file of `files` can be opened with
// `key`: reads only each header. Returns the first failure (files in order) naming the file:
// no key (FailedPrecondition, as DecodeToSink), a wrong key, a damaged header (CryptReader's).
DecodeOutcome CheckKey(io::FileSystem& fs, std::string_view dir,
                       const std::vector<EncodedFile>& files, const io::CryptKey* key);

// The small file `rel` of `dir` as a string, whether it is stored plain (preferred) or as
// `rel.zst`, `rel.tmenc` or `rel.zst.tmenc`. Errors: NotFound "'<dir>/<rel>': not found (nor
// an encoded form)" when none exists; DecodeToSink's; the file system's.
absl::StatusOr<std::string> ReadPlainOrEncoded(io::FileSystem& fs, std::string_view dir,
                                               std::string_view rel, const io::CryptKey* key);

struct DecodeProblem {
  std::string path;  // relative to the directory, of the stored file
  DecodeFailure failure = DecodeFailure::kDamaged;
  absl::Status status;  // names the file (and the chunk or offset)
};

struct DecodeFilesResult {
  size_t files = 0;                     // decoded successfully
  uint64_t bytes_in = 0;                // of those files, stored
  uint64_t bytes_out = 0;               // and decoded
  std::vector<DecodeProblem> problems;  // sorted by path
};

// DecodeInPlace for every file of `files`, `parallel` (>= 1) at once. Every file is tried;
// each failure is a problem. `on_file`, when given, is called (serialised) with the stored
// name of each decoded file.
DecodeFilesResult DecodeFilesInPlace(io::FileSystem& fs, std::string_view dir,
                                     const std::vector<EncodedFile>& files,
                                     const io::CryptKey* key, bool remove_original, int parallel,
                                     const std::function<void(std::string_view)>& on_file = {});

// The status of the first problem (by path) with the others counted in its message, or OK.
// Its code is the problem's own (DataLoss for damage, FailedPrecondition for a wrong key, ...).
absl::Status FirstProblem(const DecodeFilesResult& result);

}  // namespace tidemark::engine
