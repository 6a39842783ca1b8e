// Where verify finds a file's bytes in a compressed or encrypted backup: a file the manifest
// lists as `path`, stored as `path + suffix` (".zst", ".tmenc", ".zst.tmenc"), may be on disk
// stored, half decoded (`path.zst` after `tidemark decrypt`) or plain (after `decompress`).
// FindForms says which of those are there; DecodeForm turns any of them into plain bytes, into
// a file of a ScratchSpace when the pages inside are to be checked.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/manifest.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"
#include "io/hashing_file.h"
#include "io/zstd_stage.h"

namespace tidemark::engine {

// One form of a manifest file on disk.
struct FileForm {
  std::string rel;       // relative to the backup: "db/t.ibd.zst.tmenc"
  std::string encoding;  // what is left to decode: "", ".zst", ".tmenc" or ".zst.tmenc"
  uint64_t size = 0;     // on disk

  bool plain() const { return encoding.empty(); }
  bool encrypted() const { return encoding.ends_with(io::kCryptSuffix); }
  // The form the backup wrote (the manifest's `stored`), whose size and hash are known.
  bool stored(const ManifestFile& f) const { return f.stored && encoding == f.stored->suffix; }

  bool operator==(const FileForm&) const = default;
};

// The names `f` may have on disk: `path`; with a stored form also `path + ".zst"` (for
// ".zst.tmenc") and `path + suffix`. The most decoded first; sizes are 0.
std::vector<FileForm> PossibleForms(const ManifestFile& f);

// Those of PossibleForms(f) present in `on_disk` (relative path -> size), with their sizes,
// the most decoded first.
std::vector<FileForm> FindForms(const ManifestFile& f,
                                const std::map<std::string, uint64_t>& on_disk);

// Decodes `form` of a file under `dir` into `sink`: decrypts it with `key` (checking that its
// header names the file it was made from, when it names one), then decompresses it. Returns
// the size and XXH3-128 of the plain bytes (engine/encoded_file.h's DecodeToSink). Errors:
// FailedPrecondition "'P' is encrypted: no key given (...)" when `key` is null and the form
// is encrypted; CryptReader's (FailedPrecondition "... wrong
// key ...", DataLoss naming the chunk) and DecompressZstd's (DataLoss naming the offset);
// DataLoss "decrypt 'P': holds the encrypted 'X', not 'Y'"; the file system's; `sink`'s
// unchanged.
absl::StatusOr<io::ContentHash> DecodeForm(io::FileSystem& fs, std::string_view dir,
                                           const FileForm& form, const io::CryptKey* key,
                                           const io::ByteSink& sink);

// Decodes `form` into the new file `out` (mode 0600), as DecodeForm. A failure to write `out`
// is returned annotated "decode into the scratch file 'OUT': ..." with the code of the file
// system's error, and the partial `out` is removed; `*write_failed` tells it from a decode
// error.
absl::StatusOr<io::ContentHash> DecodeFormToFile(io::FileSystem& fs, std::string_view dir,
                                                 const FileForm& form, const io::CryptKey* key,
                                                 const std::string& out, bool* write_failed);

// Where decoded copies go: a private directory "PARENT/tidemark-verify-xxxxxxxx" (0700), made
// on the first NewDir, with one numbered directory in it per caller. Thread-safe.
class ScratchSpace {
 public:
  ScratchSpace(io::FileSystem& fs, std::string parent) : fs_(fs), parent_(std::move(parent)) {}

  // A new empty directory (0700). Errors: the file system's, annotated "create a scratch
  // directory in 'PARENT'"; Internal when 100 random names are taken.
  absl::StatusOr<std::string> NewDir();
  // `message` with each "'<private dir>/<N>/" cut to "'", so a copy is named by its path
  // relative to the backup.
  std::string Shown(absl::string_view message) const;
  // Removes the private directory and all in it (OK when it was never made).
  absl::Status Remove();

 private:
  io::FileSystem& fs_;
  const std::string parent_;
  mutable absl::Mutex mu_;
  std::string dir_ ABSL_GUARDED_BY(mu_);  // "" until made
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tidemark::engine
