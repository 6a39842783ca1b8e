// Encoding a test backup's files (see the header).
#include "tests/support/encoded_backup.h"

#include <memory>
#include <string>
#include <vector>

#include "innodb/base/status.h"
#include "io/zstd_stage.h"

namespace tidemark::testing {

absl::Status EncodeFile(io::FileSystem& fs, std::string_view dir, std::string_view rel,
                        std::string_view suffix, const io::CryptKey* key, uint32_t chunk_size) {
  const std::string path = io::JoinPath(dir, rel);
  TM_ASSIGN_OR_RETURN(std::string data, io::ReadFileToString(fs, path));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> out,
                      fs.OpenForWrite(path + std::string(suffix)));
  if (suffix.ends_with(io::kCryptSuffix)) {
    if (key == nullptr) return absl::InvalidArgumentError("EncodeFile: no key");
    const std::string_view zst = suffix.substr(0, suffix.size() - io::kCryptSuffix.size());
    TM_ASSIGN_OR_RETURN(out, io::NewCryptWritableFile(
                                 std::move(out), *key,
                                 io::CryptOptions{.chunk_size = chunk_size,
                                                  .file_id = std::string(rel) + std::string(zst)}));
  }
  if (suffix.starts_with(io::kZstdSuffix)) {
    TM_ASSIGN_OR_RETURN(out, io::NewZstdWritableFile(std::move(out)));
  }
  TM_RETURN_IF_ERROR(
      out->Append(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
  TM_RETURN_IF_ERROR(out->Close());
  return fs.RemoveFile(path);
}

namespace {

absl::Status Walk(io::FileSystem& fs, std::string_view dir, const std::string& rel,
                  std::vector<std::string>& out) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries,
                      fs.ListDir(rel.empty() ? std::string(dir) : io::JoinPath(dir, rel)));
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : io::JoinPath(rel, e.name);
    if (e.type == io::FileType::kDirectory) TM_RETURN_IF_ERROR(Walk(fs, dir, child, out));
    if (e.type == io::FileType::kRegular) out.push_back(child);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EncodeBackup(io::FileSystem& fs, std::string_view dir, std::string_view suffix,
                          const io::CryptKey* key, uint32_t chunk_size) {
  std::vector<std::string> files;
  TM_RETURN_IF_ERROR(Walk(fs, dir, "", files));
  for (const std::string& rel : files) {
    if (rel == "xtrabackup_checkpoints" || rel == "tidemark_manifest.json") continue;
    TM_RETURN_IF_ERROR(EncodeFile(fs, dir, rel, suffix, key, chunk_size));
  }
  return absl::OkStatus();
}

}  // namespace tidemark::testing
