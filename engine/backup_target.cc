// The backup's target directory: creation, hashed files, the file list and the final manifest.
// See the header for the contract; the durability order is: every file synced (one syncfs of
// the target's file system), every directory with new entries synced, then the manifest
// written atomically (WriteManifest).
#include "engine/backup_target.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "absl/strings/str_format.h"
#include "engine/backup_metadata.h"
#include "engine/version.h"
#include "engine/xbstream.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

std::string_view Parent(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status ValidateRelPath(std::string_view relpath) {
  bool ok = !relpath.empty() && relpath.front() != '/';
  for (std::string_view rest = relpath; ok;) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    ok = !part.empty() && part != "." && part != "..";
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "invalid backup file path '%s': must be relative, without '.', '..' or empty components",
        relpath));
  }
  if (relpath == kManifestName || relpath == absl::StrFormat("%s.tmp", kManifestName)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("'%s' is reserved for the manifest", relpath));
  }
  return absl::OkStatus();
}

// The missing directories of `dir` and its ancestors, deepest first.
absl::StatusOr<std::vector<std::string>> MissingDirs(io::FileSystem& fs, std::string_view dir) {
  std::vector<std::string> missing;
  for (std::string_view at = dir; at != "." && at != "/";) {
    absl::StatusOr<io::FileInfo> info = fs.Stat(at);
    if (info.ok()) break;
    if (!absl::IsNotFound(info.status())) return info.status();
    missing.emplace_back(at);
    at = Parent(at);
  }
  return missing;
}

absl::Status CheckEmptyDir(io::FileSystem& fs, std::string_view dir) {
  TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(dir));
  if (info.type != io::FileType::kDirectory) {
    return absl::FailedPreconditionError(
        absl::StrFormat("target '%s' exists and is not a directory", dir));
  }
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  if (!entries.empty()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("target directory '%s' is not empty", dir));
  }
  return absl::OkStatus();
}

// The page images in a .delta of `pages` pages (engine/delta_file.h): blocks of one header
// page and up to page_size / 4 - 1 images, all full but the last, so ceil(pages / (P / 4))
// of the pages are headers.
uint64_t DeltaDataPages(uint64_t pages, uint32_t page_size) {
  const uint64_t per_block = page_size / 4;
  return pages - (pages + per_block - 1) / per_block;
}

}  // namespace

bool IsNeverEncoded(std::string_view relpath) { return relpath == kXtrabackupCheckpointsName; }

std::string StoredSuffix(const BackupTargetOptions& options, std::string_view relpath) {
  if (IsNeverEncoded(relpath)) return "";
  std::string suffix;
  if (options.compress) suffix += io::kZstdSuffix;
  if (options.encrypt_key) suffix += io::kCryptSuffix;
  return suffix;
}

absl::StatusOr<std::unique_ptr<BackupTarget>> BackupTarget::Create(
    io::FileSystem& fs, std::string_view dir, const BackupTargetOptions& options) {
  std::string clean(dir);
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  TM_ASSIGN_OR_RETURN(std::vector<std::string> missing, MissingDirs(fs, clean));
  if (missing.empty()) {
    TM_RETURN_IF_ERROR(CheckEmptyDir(fs, clean));
  } else {
    TM_RETURN_IF_ERROR(io::CreateDirs(fs, clean, 0750));
    // A new directory's entry is durable once its parent is synced.
    missing.emplace_back(Parent(missing.back()));
  }
  return std::make_unique<BackupTarget>(Key(), &fs, nullptr, std::move(clean), options,
                                        std::move(missing));
}

std::unique_ptr<BackupTarget> BackupTarget::CreateStream(XbstreamWriter& stream,
                                                         std::string_view name,
                                                         const BackupTargetOptions& options) {
  return std::make_unique<BackupTarget>(Key(), nullptr, &stream, std::string(name), options,
                                        std::vector<std::string>());
}

BackupTarget::BackupTarget(Key, io::FileSystem* fs, XbstreamWriter* stream, std::string dir,
                           const BackupTargetOptions& options,
                           std::vector<std::string> created_dirs)
    : fs_(fs), stream_(stream), dir_(std::move(dir)), options_(options) {
  absl::MutexLock lock(&mu_);
  if (fs_ == nullptr) return;
  created_dirs_.insert(created_dirs.begin(), created_dirs.end());
  created_dirs_.insert(dir_);
}

BackupTarget::~BackupTarget() {
  absl::MutexLock lock(&mu_);
  assert(open_files_ == 0 && "every file must be closed or destroyed before its BackupTarget");
}

absl::Status BackupTarget::CheckOpenable() const {
  absl::MutexLock lock(&mu_);
  if (abandoned_) {
    return absl::FailedPreconditionError(absl::StrFormat("backup target '%s' was abandoned", dir_));
  }
  if (completed_) {
    return absl::FailedPreconditionError(
        absl::StrFormat("backup target '%s' is already complete", dir_));
  }
  return absl::OkStatus();
}

absl::Status BackupTarget::EnsureParentDirs(std::string_view relpath) {
  size_t slash = relpath.rfind('/');
  if (slash == std::string_view::npos) return absl::OkStatus();
  std::string parent = io::JoinPath(dir_, relpath.substr(0, slash));
  {
    absl::MutexLock lock(&mu_);
    if (created_dirs_.contains(parent)) return absl::OkStatus();
  }
  TM_RETURN_IF_ERROR(io::CreateDirs(*fs_, parent, 0750));  // tolerates a concurrent creator
  absl::MutexLock lock(&mu_);
  for (std::string_view at = parent; at.size() > dir_.size(); at = Parent(at)) {
    created_dirs_.emplace(at);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<io::WritableFile>> BackupTarget::OpenStored(
    const std::string& stored_path) {
  if (stream_ != nullptr) return stream_->OpenFile(stored_path);
  TM_RETURN_IF_ERROR(EnsureParentDirs(stored_path));
  io::WriteOptions write;
  write.mode = 0640;
  write.exclusive = true;
  write.write_behind_bytes = options_.write_behind_bytes;
  return fs_->OpenForWrite(io::JoinPath(dir_, stored_path), write);
}

absl::StatusOr<std::unique_ptr<io::HashingWritableFile>> BackupTarget::OpenFile(
    std::string_view relpath, FileKind kind, std::optional<TablespaceFileInfo> tablespace) {
  TM_RETURN_IF_ERROR(ValidateRelPath(relpath));
  TM_RETURN_IF_ERROR(CheckOpenable());
  const std::string suffix = StoredSuffix(options_, relpath);
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> file,
                      OpenStored(std::string(relpath) + suffix));
  // The stored bytes' hash, set when the inner hashing file closes (before the outer one's
  // callback runs, since the outer Close closes the stages first).
  auto stored = std::make_shared<std::optional<StoredForm>>();
  if (!suffix.empty()) {
    file = std::make_unique<io::HashingWritableFile>(
        std::move(file),
        [stored, suffix](const absl::StatusOr<io::ContentHash>& r) {
          if (r.ok()) *stored = StoredForm{suffix, r->size, r->xxh3_128};
        },
        /*sync_on_close=*/false);
    if (options_.encrypt_key) {
      io::CryptOptions crypt;
      crypt.chunk_size = options_.crypt_chunk_size;
      crypt.file_id = std::string(relpath);
      if (options_.compress) crypt.file_id += io::kZstdSuffix;
      TM_ASSIGN_OR_RETURN(file,
                          io::NewCryptWritableFile(std::move(file), *options_.encrypt_key, crypt));
    }
    if (options_.compress) {
      TM_ASSIGN_OR_RETURN(file, io::NewZstdWritableFile(std::move(file), *options_.compress));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    ++open_files_;
  }
  auto on_done = [this, path = std::string(relpath), kind, tablespace, stored,
                  encoded = !suffix.empty()](const absl::StatusOr<io::ContentHash>& result) {
    if (result.ok() && encoded && !stored->has_value()) {
      OnDone(path, kind, tablespace,
             absl::InternalError(absl::StrFormat("'%s': the stored form was not recorded", path)),
             std::nullopt);
      return;
    }
    OnDone(path, kind, tablespace, result, *stored);
  };
  // Files are made durable together by one SyncFileSystem in Complete, not one by one.
  return std::make_unique<io::HashingWritableFile>(std::move(file), std::move(on_done),
                                                   /*sync_on_close=*/false);
}

void BackupTarget::OnDone(const std::string& relpath, FileKind kind,
                          const std::optional<TablespaceFileInfo>& tablespace,
                          const absl::StatusOr<io::ContentHash>& result,
                          std::optional<StoredForm> stored) {
  absl::MutexLock lock(&mu_);
  --open_files_;
  if (!result.ok()) {
    if (!first_failure_) first_failure_.emplace(relpath, result.status());
    return;
  }
  ManifestFile& file = files_.emplace_back();
  file.path = relpath;
  file.size = result->size;
  file.xxh3_128 = result->xxh3_128;
  file.kind = kind;
  file.tablespace = tablespace;
  file.stored = std::move(stored);
  if (tablespace && tablespace->page_size != 0) {
    const uint64_t pages = result->size / tablespace->page_size;
    if (kind == FileKind::kInnodbTablespace) file.tablespace->pages = pages;
    if (kind == FileKind::kInnodbDelta) {
      file.tablespace->pages = DeltaDataPages(pages, tablespace->page_size);
    }
  }
}

absl::Status BackupTarget::WriteSmallFile(std::string_view relpath, std::string_view contents,
                                          FileKind kind) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::HashingWritableFile> file, OpenFile(relpath, kind));
  absl::Status s =
      file->Append(ByteSpan(reinterpret_cast<const uint8_t*>(contents.data()), contents.size()));
  absl::Status closed = file->Close();
  return s.ok() ? closed : s;
}

std::vector<ManifestFile> BackupTarget::Files() const {
  absl::MutexLock lock(&mu_);
  std::vector<ManifestFile> out = files_;
  std::sort(out.begin(), out.end(),
            [](const ManifestFile& a, const ManifestFile& b) { return a.path < b.path; });
  return out;
}

absl::Status BackupTarget::CheckCompletable() const {
  std::string prefix = absl::StrFormat("backup target '%s'", dir_);
  if (abandoned_) return absl::FailedPreconditionError(prefix + " was abandoned");
  if (completed_) return absl::FailedPreconditionError(prefix + " is already complete");
  if (open_files_ > 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: cannot complete: %d file%s still open", prefix, open_files_,
                        open_files_ == 1 ? " is" : "s are"));
  }
  if (first_failure_) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: cannot complete: '%s' was not written completely (%s)", prefix,
                        first_failure_->first, first_failure_->second.message()));
  }
  return absl::OkStatus();
}

absl::Status BackupTarget::SyncCreatedDirs() const {
  std::set<std::string> dirs;
  {
    absl::MutexLock lock(&mu_);
    dirs = created_dirs_;
  }
  for (const std::string& d : dirs) TM_RETURN_IF_ERROR(fs_->SyncDir(d));
  return absl::OkStatus();
}

absl::Status BackupTarget::Complete(Manifest manifest) {
  {
    absl::MutexLock lock(&mu_);
    TM_RETURN_IF_ERROR(CheckCompletable());
    completed_ = true;  // no file may be opened from here on
  }
  manifest.files = Files();
  if (manifest.producer.empty()) manifest.producer = std::string(ProducerString());
  absl::Status s;
  if (stream_ != nullptr) {
    s = WriteStreamManifest(manifest);
  } else {
    s = options_.sync_files ? fs_->SyncFileSystem(dir_) : absl::OkStatus();
    if (s.ok()) s = SyncCreatedDirs();
    if (s.ok()) s = WriteManifest(*fs_, dir_, manifest);
  }
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    completed_ = false;
    abandoned_ = true;  // a half-finished Complete must not be retried blindly
  }
  return s;
}

absl::Status BackupTarget::WriteStreamManifest(const Manifest& manifest) {
  const std::string text = SerializeManifest(manifest);
  TM_RETURN_IF_ERROR(stream_->WriteFile(
      kManifestName, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return stream_->Finish();
}

void BackupTarget::Abandon() {
  absl::MutexLock lock(&mu_);
  abandoned_ = true;
}

}  // namespace tidemark::engine
