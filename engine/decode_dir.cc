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

// Relative paths of the regular files under `dir` whose names end in `suffix`.
absl::Status Walk(io::FileSystem& fs, const std::string& root, const std::string& rel,
                  std::string_view suffix, std::vector<EncodedFile>& out) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries,
                      fs.ListDir(rel.empty() ? root : io::JoinPath(root, rel)));
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : io::JoinPath(rel, e.name);
    if (e.type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(Walk(fs, root, child, suffix, out));
    } else if (e.type == io::FileType::kRegular && e.name.size() > suffix.size() &&
               std::string_view(e.name).ends_with(suffix)) {
      out.push_back(EncodedFile{child, std::string(suffix)});
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
  TM_RETURN_IF_ERROR(Walk(fs, o.dir, "", DecodeSuffix(o.kind), files));
  return DecodeFilesInPlace(fs, o.dir, files, o.key, o.remove_original, o.parallel, on_file);
}

}  // namespace tidemark::engine
