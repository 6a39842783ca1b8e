// DecodeDir: walks a backup directory and hands every file with the kind's suffix to
// DecodeFilesInPlace (encoded_file.h), which decodes each into a temporary renamed into place
// once whole, and classifies each failure for the tool's exit code.
#include "engine/decode_dir.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/zstd_stage.h"

namespace tidemark::engine {
namespace {

// What to undo for a file named `name`: its kind's suffix, or with `whole` the whole encoding
// (".zst.tmenc", ".tmenc" or ".zst"); "" when there is nothing to do.
std::string SuffixToUndo(std::string_view name, std::string_view suffix, bool whole) {
  if (whole) return std::string(EncodingSuffix(name));
  return name.size() > suffix.size() && name.ends_with(suffix) ? std::string(suffix) : "";
}

// The regular files under `dir` with something to undo.
absl::Status Walk(io::FileSystem& fs, const std::string& root, const std::string& rel,
                  std::string_view suffix, bool whole, std::vector<EncodedFile>& out) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries,
                      fs.ListDir(rel.empty() ? root : io::JoinPath(root, rel)));
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : io::JoinPath(rel, e.name);
    if (e.type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(Walk(fs, root, child, suffix, whole, out));
    } else if (e.type == io::FileType::kRegular) {
      std::string undo = SuffixToUndo(e.name, suffix, whole);
      if (!undo.empty()) out.push_back(EncodedFile{child, std::move(undo)});
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view DecodeSuffix(DecodeKind kind) {
  return kind == DecodeKind::kDecompress ? io::kZstdSuffix : io::kCryptSuffix;
}

absl::StatusOr<DecodeDirResult> DecodeDir(io::FileSystem& fs, const DecodeDirOptions& o,
                                          const std::function<void(std::string_view)>& on_file) {
  if (o.parallel < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("parallel %d: must be at least 1", o.parallel));
  }
  if (o.kind == DecodeKind::kDecrypt && o.key == nullptr) {
    return absl::InvalidArgumentError("decrypt: no key given");
  }
  std::vector<EncodedFile> files;
  const bool whole = o.kind == DecodeKind::kDecrypt && o.and_decompress;
  TM_RETURN_IF_ERROR(Walk(fs, o.dir, "", DecodeSuffix(o.kind), whole, files));
  return DecodeFilesInPlace(fs, o.dir, files, o.key, o.remove_original, o.parallel, on_file);
}

}  // namespace tidemark::engine
