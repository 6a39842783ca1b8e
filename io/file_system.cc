// Defaults shared by every FileSystem implementation: the synchronous ReadBatch and async
// reader, and small whole-file helpers built only on the interface.
#include "io/file_system.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::io {

absl::Status FileSystem::SyncFileSystem(std::string_view) { return absl::OkStatus(); }

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty() || dir == ".") return std::string(name);
  return absl::StrFormat("%s%s%s", dir, dir.back() == '/' ? "" : "/", name);
}

std::string ParentDir(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(path.substr(0, slash));
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

FileType FollowedType(FileSystem& fs, std::string_view path, const FileInfo& entry) {
  if (entry.type != FileType::kSymlink) return entry.type;
  auto st = fs.Stat(path);
  return st.ok() ? st->type : FileType::kOther;
}

absl::Status RandomAccessFile::ReadBatch(std::span<ReadRequest> requests) {
  absl::Status first_error;
  for (ReadRequest& r : requests) {
    absl::StatusOr<size_t> n = ReadAt(r.offset, r.buffer);
    r.bytes_read = n.ok() ? *n : 0;
    r.status = n.status();
    if (first_error.ok()) first_error = r.status;
  }
  return first_error;
}

absl::StatusOr<std::unique_ptr<AsyncReader>> RandomAccessFile::NewAsyncReader(size_t depth) {
  TM_RETURN_IF_ERROR(CheckAsyncDepth(path(), depth));
  return NewSynchronousReader(*this, depth);
}

absl::Status CreateDirs(FileSystem& fs, std::string_view path, uint32_t mode) {
  // Walk the prefixes "a", "a/b", "a/b/c"; an empty prefix is the root of an absolute path.
  for (size_t end = 0; end != std::string_view::npos;) {
    end = path.find('/', end + 1);
    std::string_view prefix = path.substr(0, end);
    if (prefix.empty() || prefix.back() == '/') continue;
    absl::StatusOr<FileInfo> info = fs.Stat(prefix);
    if (info.ok()) {
      if (info->type == FileType::kDirectory) continue;
      return absl::AlreadyExistsError(
          absl::StrFormat("mkdir '%s': exists and is not a directory", prefix));
    }
    if (!absl::IsNotFound(info.status())) return info.status();
    absl::Status s = fs.CreateDir(prefix, mode);
    if (!s.ok() && !absl::IsAlreadyExists(s)) return s;  // AlreadyExists: lost a race, fine
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(FileSystem& fs, std::string_view path) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs.OpenForRead(path));
  constexpr size_t kStep = 64 * 1024;
  std::string out;
  for (;;) {
    size_t old_size = out.size();
    out.resize(old_size + kStep);
    auto* dst = reinterpret_cast<uint8_t*>(out.data()) + old_size;
    TM_ASSIGN_OR_RETURN(size_t n, file->ReadAt(old_size, MutableByteSpan(dst, kStep)));
    out.resize(old_size + n);
    if (n < kStep) return out;
  }
}

absl::Status WriteStringToFile(FileSystem& fs, std::string_view path, std::string_view contents,
                               const WriteOptions& options) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.OpenForWrite(path, options));
  TM_RETURN_IF_ERROR(
      file->Append(ByteSpan(reinterpret_cast<const uint8_t*>(contents.data()), contents.size())));
  TM_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace tidemark::io
