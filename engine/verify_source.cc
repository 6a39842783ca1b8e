// The forms of a file in an encoded backup, and decoding one of them (see header) with the
// decoder prepare and restore use (engine/encoded_file.h): one pass, no decrypted copy.
#include "engine/verify_source.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/encoded_file.h"
#include "engine/restore_test_job.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

// `rel` without `suffix` (which it ends with).
std::string Strip(std::string_view rel, std::string_view suffix) {
  return std::string(rel.substr(0, rel.size() - suffix.size()));
}

}  // namespace

std::vector<FileForm> PossibleForms(const ManifestFile& f) {
  std::vector<FileForm> forms = {{.rel = f.path}};
  if (!f.stored) return forms;
  const std::string zst_enc = std::string(io::kZstdSuffix) + std::string(io::kCryptSuffix);
  if (f.stored->suffix == zst_enc) {
    forms.push_back(
        {.rel = f.path + std::string(io::kZstdSuffix), .encoding = std::string(io::kZstdSuffix)});
  }
  forms.push_back({.rel = f.path + f.stored->suffix, .encoding = f.stored->suffix});
  return forms;
}

std::vector<FileForm> FindForms(const ManifestFile& f,
                                const std::map<std::string, uint64_t>& on_disk) {
  std::vector<FileForm> found;
  for (FileForm form : PossibleForms(f)) {
    auto it = on_disk.find(form.rel);
    if (it == on_disk.end()) continue;
    form.size = it->second;
    found.push_back(std::move(form));
  }
  return found;
}

absl::StatusOr<io::ContentHash> DecodeForm(io::FileSystem& fs, std::string_view dir,
                                           const FileForm& form, const io::CryptKey* key,
                                           const io::ByteSink& sink) {
  io::Xxh3Hasher hasher;
  const io::ByteSink hashing = [&](ByteSpan data) {
    hasher.Update(data);
    return sink(data);
  };
  if (form.plain()) {
    TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file,
                        fs.OpenForRead(io::JoinPath(dir, form.rel)));
    TM_RETURN_IF_ERROR(io::PushFile(*file, *io::NewSinkWritableFile(file->path(), hashing)));
  } else {
    // The one decoder of prepare, restore and decompress/decrypt (engine/encoded_file.h).
    DecodeOutcome out =
        DecodeToSink(fs, dir, EncodedFile{.rel = form.rel, .suffix = form.encoding}, key, hashing);
    TM_RETURN_IF_ERROR(out.status);
  }
  return hasher.Result();
}

absl::StatusOr<io::ContentHash> DecodeFormToFile(io::FileSystem& fs, std::string_view dir,
                                                 const FileForm& form, const io::CryptKey* key,
                                                 const std::string& out, bool* write_failed) {
  *write_failed = false;
  auto fail_write = [&](const absl::Status& s) {
    *write_failed = true;
    return Annotate(s, absl::StrFormat("decode into the scratch file '%s'", out));
  };
  absl::StatusOr<std::unique_ptr<io::WritableFile>> file =
      fs.OpenForWrite(out, {.mode = 0600, .exclusive = true});
  if (!file.ok()) return fail_write(file.status());
  absl::Status write_error;
  absl::StatusOr<io::ContentHash> h = DecodeForm(fs, dir, form, key, [&](ByteSpan data) {
    write_error = (*file)->Append(data);
    return write_error;
  });
  absl::Status closed = (*file)->Close();
  if (h.ok() && !closed.ok()) write_error = closed;
  if (!h.ok() || !write_error.ok()) {
    (void)fs.RemoveFile(out);  // best effort: the check failed anyway
    if (!write_error.ok()) return fail_write(write_error);
    return h.status();
  }
  return h;
}

absl::StatusOr<std::string> ScratchSpace::NewDir() {
  absl::MutexLock lock(&mu_);
  if (dir_.empty()) {
    const uint64_t seed =
        absl::ToUnixNanos(absl::Now()) ^ (uint64_t{static_cast<uint32_t>(getpid())} << 32);
    for (uint64_t attempt = 0; attempt < 100 && dir_.empty(); ++attempt) {
      const std::string dir = io::JoinPath(
          parent_,
          absl::StrFormat("tidemark-verify-%08x", (seed + attempt * 0x9e3779b9) & 0xffffffff));
      absl::Status s = fs_.CreateDir(dir, 0700);
      if (s.ok()) {
        dir_ = dir;
      } else if (!absl::IsAlreadyExists(s)) {
        return Annotate(s, absl::StrFormat("create a scratch directory in '%s'", parent_));
      }
    }
    if (dir_.empty()) {
      return absl::InternalError(
          absl::StrFormat("no free scratch directory name in '%s'", parent_));
    }
  }
  const std::string dir = io::JoinPath(dir_, absl::StrFormat("%d", next_++));
  absl::Status s = fs_.CreateDir(dir, 0700);
  if (!s.ok()) return Annotate(s, absl::StrFormat("create a scratch directory in '%s'", dir_));
  return dir;
}

std::string ScratchSpace::Shown(absl::string_view message) const {
  std::string m(message);
  std::string prefix;
  {
    absl::MutexLock lock(&mu_);
    if (dir_.empty()) return m;
    prefix = "'" + dir_ + "/";
  }
  // "'DIR/N/db/t.ibd'" -> "'db/t.ibd'".
  for (size_t at; (at = m.find(prefix)) != std::string::npos;) {
    const size_t task_end = m.find('/', at + prefix.size());
    if (task_end == std::string::npos) break;
    m.erase(at + 1, task_end - at);
  }
  return m;
}

absl::Status ScratchSpace::Remove() {
  absl::MutexLock lock(&mu_);
  if (dir_.empty()) return absl::OkStatus();
  TM_RETURN_IF_ERROR(RemoveTree(fs_, dir_));
  dir_.clear();
  return absl::OkStatus();
}

}  // namespace tidemark::engine
