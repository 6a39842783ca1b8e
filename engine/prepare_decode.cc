// Decoding what prepare needs (see the header). Everything that can refuse the job (the key,
// backup-my.cnf) is read before the first file is written, so a missing or wrong key leaves
// the backup as it was.
#include "engine/prepare_decode.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "absl/strings/str_format.h"
#include "engine/backup_metadata.h"
#include "engine/data_file_path.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

constexpr size_t kCopyChunk = size_t{1} << 20;

bool IsUndoName(std::string_view name) {
  return name.size() > 4 && name.substr(0, 4) == "undo" &&
         std::all_of(name.begin() + 4, name.end(), [](char c) { return std::isdigit(c); });
}

// The system tablespace's file names from backup-my.cnf, if it can be read; decoding a file
// that is not needed is harmless, so a missing backup-my.cnf only leaves ibdata*.
absl::StatusOr<std::set<std::string>> SystemFiles(io::FileSystem& fs, std::string_view dir,
                                                  const io::CryptKey* key) {
  std::set<std::string> names;
  absl::StatusOr<std::string> text = ReadPlainOrEncoded(fs, dir, kBackupMyCnfName, key);
  if (absl::IsNotFound(text.status())) return names;
  TM_RETURN_IF_ERROR(text.status());
  absl::StatusOr<BackupMyCnf> cnf = ParseBackupMyCnf(*text);
  if (!cnf.ok() || cnf->innodb_data_file_path.empty()) return names;
  absl::StatusOr<std::vector<DataFileSpec>> specs = ParseDataFilePath(cnf->innodb_data_file_path);
  if (!specs.ok()) return names;
  for (const DataFileSpec& f : *specs) names.insert(std::string(io::BaseName(f.name)));
  return names;
}

// Regular files under `dir/rel`, relative to `dir`, to `depth` levels of directories below
// it (-1: all); `dirs` receives the directories.
absl::Status Walk(io::FileSystem& fs, std::string_view dir, const std::string& rel, int depth,
                  std::vector<std::string>& files, std::vector<std::string>* dirs) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries,
                      fs.ListDir(rel.empty() ? std::string(dir) : io::JoinPath(dir, rel)));
  for (const io::FileInfo& e : entries) {
    const std::string child = rel.empty() ? e.name : io::JoinPath(rel, e.name);
    if (e.type == io::FileType::kRegular) files.push_back(child);
    if (e.type != io::FileType::kDirectory || depth == 0) continue;
    if (dirs != nullptr) dirs->push_back(child);
    TM_RETURN_IF_ERROR(Walk(fs, dir, child, depth - 1, files, dirs));
  }
  return absl::OkStatus();
}

absl::Status CopyFile(io::FileSystem& fs, const std::string& from, const std::string& to) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> in, fs.OpenForRead(from));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> out,
                      fs.OpenForWrite(to, io::WriteOptions{.mode = 0640, .exclusive = true}));
  std::vector<uint8_t> buf(kCopyChunk);
  for (uint64_t at = 0;;) {
    TM_ASSIGN_OR_RETURN(size_t n, in->ReadAt(at, MutableByteSpan(buf)));
    if (n == 0) break;
    TM_RETURN_IF_ERROR(out->Append(ByteSpan(buf).first(n)));
    at += n;
  }
  TM_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

}  // namespace

bool PrepareNeedsPlain(std::string_view rel, const std::set<std::string>& system_files) {
  const std::string_view name = io::BaseName(rel);
  for (std::string_view ext : {".ibd", ".isl", ".new", ".ren", ".del", ".delta", ".meta"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) return true;
  }
  if (rel.find('/') != std::string_view::npos) return false;
  return name == "ib_logfile0" || name == kBackupMyCnfName || name.starts_with("xtrabackup_") ||
         name.starts_with("ibdata") || IsUndoName(name) ||
         system_files.count(std::string(name)) != 0;
}

absl::StatusOr<std::vector<EncodedFile>> ListEncodedFiles(io::FileSystem& fs,
                                                          std::string_view dir) {
  std::vector<std::string> files;
  TM_RETURN_IF_ERROR(Walk(fs, dir, "", 1, files, nullptr));
  std::sort(files.begin(), files.end());
  std::vector<EncodedFile> out;
  for (const std::string& rel : files) {
    if (!EncodingSuffix(rel).empty()) out.push_back(FullyEncoded(rel));
  }
  return out;
}

absl::StatusOr<bool> HasEncodedFiles(io::FileSystem& fs, std::string_view dir) {
  TM_ASSIGN_OR_RETURN(std::vector<EncodedFile> files, ListEncodedFiles(fs, dir));
  return !files.empty();
}

absl::StatusOr<DecodeFilesResult> DecodeForPrepare(
    io::FileSystem& fs, std::string_view dir, const io::CryptKey* key, int parallel,
    const std::function<void(size_t)>& on_start,
    const std::function<void(std::string_view)>& on_file) {
  TM_ASSIGN_OR_RETURN(std::vector<EncodedFile> encoded, ListEncodedFiles(fs, dir));
  if (encoded.empty()) return DecodeFilesResult{};
  TM_ASSIGN_OR_RETURN(std::set<std::string> system_files, SystemFiles(fs, dir, key));
  std::vector<EncodedFile> needed;
  for (EncodedFile& f : encoded) {
    if (PrepareNeedsPlain(f.decoded_rel(), system_files)) needed.push_back(std::move(f));
  }
  TM_RETURN_IF_ERROR(CheckKey(fs, dir, needed, key).status);
  if (needed.empty()) return DecodeFilesResult{};
  if (on_start) on_start(needed.size());
  DecodeFilesResult r = DecodeFilesInPlace(fs, dir, needed, key, /*remove_original=*/true,
                                           parallel, on_file);
  TM_RETURN_IF_ERROR(FirstProblem(r));
  return r;
}

absl::StatusOr<DecodeFilesResult> DecodeCopy(io::FileSystem& fs, std::string_view src,
                                             std::string_view scratch, const io::CryptKey* key) {
  std::vector<std::string> files, dirs;
  TM_RETURN_IF_ERROR(Walk(fs, src, "", -1, files, &dirs));
  std::vector<EncodedFile> encoded;
  for (const std::string& rel : files) {
    if (!EncodingSuffix(rel).empty()) encoded.push_back(FullyEncoded(rel));
  }
  TM_RETURN_IF_ERROR(CheckKey(fs, src, encoded, key).status);
  TM_RETURN_IF_ERROR(fs.CreateDir(scratch, 0700));
  for (const std::string& d : dirs) TM_RETURN_IF_ERROR(fs.CreateDir(io::JoinPath(scratch, d), 0700));
  DecodeFilesResult r;
  for (const std::string& rel : files) {
    if (EncodingSuffix(rel).empty()) {
      TM_RETURN_IF_ERROR(CopyFile(fs, io::JoinPath(src, rel), io::JoinPath(scratch, rel)));
      continue;
    }
    const EncodedFile f = FullyEncoded(rel);
    DecodeOutcome o = DecodeToFile(fs, src, f, key, io::JoinPath(scratch, f.decoded_rel()),
                                   io::WriteOptions{.mode = 0640, .exclusive = true});
    TM_RETURN_IF_ERROR(o.status);
    ++r.files;
    r.bytes_in += o.bytes_in;
    r.bytes_out += o.bytes_out;
  }
  TM_RETURN_IF_ERROR(fs.SyncFileSystem(scratch));
  return r;
}

}  // namespace tidemark::engine
