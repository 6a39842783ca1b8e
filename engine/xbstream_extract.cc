// The xbstream extractor (see xbstream_extract.h). Its locking follows mbstream's
// extract_worker_thread_func (xbstream.cc, MariaDB 10.11): a worker reads one chunk under the
// reader lock, takes its file's lock before letting the reader go, and writes the chunk after.
// So a file's chunks are written in stream order while different files are written at once.
#include "engine/xbstream_extract.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "engine/encoded_file.h"
#include "innodb/base/status.h"

namespace tidemark::engine {
namespace {

// One file being extracted. `mu` is held by the worker writing a chunk of it.
struct Entry {
  absl::Mutex mu;
  std::string path;  // as in the stream
  std::string out;   // as extracted: `path` without the suffixes decoded away
  bool rewrite = false;
  std::unique_ptr<io::WritableFile> file;  // null until the first chunk, and after E
  bool finished = false;                   // closed by E and renamed
  std::shared_ptr<Entry> previous;         // the same path closed just before: wait for it
};

absl::Status Target(absl::Status s) {
  return TagXbstreamError(std::move(s), XbstreamErrorKind::kTarget);
}

// The decoders' own errors (io/crypt_stage.h, io/zstd_stage.h) start with their verb: the
// stream's data is damaged (kCorrupt) or the key is wrong (kInput). Others are the target's.
absl::Status Classify(const absl::Status& s, absl::Status annotated) {
  const std::string m(s.message());
  if (m.starts_with("decrypt '") || m.starts_with("decompress '")) {
    return TagXbstreamError(std::move(annotated), absl::IsFailedPrecondition(s)
                                                      ? XbstreamErrorKind::kInput
                                                      : XbstreamErrorKind::kCorrupt);
  }
  return Target(std::move(annotated));
}

class Extractor {
 public:
  Extractor(io::ByteSource& in, io::FileSystem& fs, std::string dir, const ExtractOptions& o)
      : fs_(fs),
        dir_(std::move(dir)),
        stream_name_(in.name()),
        options_(o),
        reader_(in, {.verify_checksums = false}) {}

  absl::StatusOr<ExtractSummary> Run();

 private:
  void Work();
  // Reads the next chunk and locks its entry; null at the end or on error (done_reading_).
  std::shared_ptr<Entry> NextLocked(XbstreamChunk& chunk);
  absl::Status RenameOrRemove(const XbstreamChunk& chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Apply(Entry& e, const XbstreamChunk& chunk);
  absl::Status Open(Entry& e);
  absl::Status Finish(Entry& e);
  void Fail(absl::Status s);
  void RemovePartial(Entry& e);
  std::string FullPath(std::string_view path) const { return io::JoinPath(dir_, path); }
  // The name a stream path is extracted under (options' decoding).
  std::string OutName(std::string_view path) const {
    std::string out(path);
    bool decrypted = false;
    if (options_.decrypt_key != nullptr && out.ends_with(io::kCryptSuffix)) {
      out.resize(out.size() - io::kCryptSuffix.size());
      decrypted = true;
    }
    if (options_.decompress && out.ends_with(io::kZstdSuffix) &&
        (decrypted || !path.ends_with(io::kCryptSuffix))) {
      out.resize(out.size() - io::kZstdSuffix.size());
    }
    return out;
  }
  std::string PartialPath(std::string_view path) const {
    return FullPath(path) + std::string(kPartialSuffix);
  }

  io::FileSystem& fs_;
  const std::string dir_;
  const std::string stream_name_;
  const ExtractOptions options_;
  std::atomic<bool> done_reading_{false};  // the end of the stream, or an error
  std::atomic<bool> failed_{false};        // an error: chunks already read are dropped
  std::atomic<uint64_t> files_{0}, bytes_{0}, chunks_{0}, removed_{0};

  absl::Mutex mu_;  // the reader and the table of open files
  XbstreamReader reader_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Entry>> open_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::weak_ptr<Entry>> closing_ ABSL_GUARDED_BY(mu_);

  absl::Mutex error_mu_;
  absl::Status error_ ABSL_GUARDED_BY(error_mu_);
  std::vector<std::string> removed_partials_ ABSL_GUARDED_BY(error_mu_);
};

void Extractor::Fail(absl::Status s) {
  absl::MutexLock lock(&error_mu_);
  if (error_.ok()) error_ = std::move(s);
  failed_ = true;
  done_reading_ = true;
}

std::shared_ptr<Entry> Extractor::NextLocked(XbstreamChunk& chunk) {
  absl::MutexLock lock(&mu_);
  for (;;) {
    if (done_reading_) return nullptr;
    absl::StatusOr<bool> got = reader_.Next(chunk);
    if (!got.ok() || !*got) {
      if (!got.ok()) Fail(got.status());
      done_reading_ = true;
      return nullptr;
    }
    chunks_ += 1;
    if (chunk.type == XbstreamChunkType::kRename || chunk.type == XbstreamChunkType::kRemove) {
      absl::Status s = RenameOrRemove(chunk);
      if (!s.ok()) Fail(std::move(s));
      continue;
    }
    std::shared_ptr<Entry>& slot = open_[chunk.path];
    if (slot == nullptr) {
      slot = std::make_shared<Entry>();
      slot->path = chunk.path;
      slot->out = OutName(chunk.path);
      slot->rewrite = chunk.rewrite();
      auto prev = closing_.find(chunk.path);
      if (prev != closing_.end()) {
        slot->previous = prev->second.lock();
        closing_.erase(prev);
      }
    }
    std::shared_ptr<Entry> entry = slot;
    entry->mu.Lock();  // before the reader lock is released: the file's chunks stay in order
    if (chunk.type == XbstreamChunkType::kEof) {
      open_.erase(chunk.path);
      closing_[chunk.path] = entry;
    }
    return entry;
  }
}

absl::Status Extractor::RenameOrRemove(const XbstreamChunk& chunk) {
  // A file closed by an E chunk just before may still be being renamed into place.
  for (const std::string* path : {&chunk.path, &chunk.new_path}) {
    auto it = closing_.find(*path);
    if (it == closing_.end()) continue;
    if (std::shared_ptr<Entry> e = it->second.lock()) absl::MutexLock wait(&e->mu);
    closing_.erase(it);
  }
  if (chunk.type == XbstreamChunkType::kRemove) {
    removed_ += 1;
    return Target(Annotate(fs_.RemoveFile(FullPath(chunk.path)),
                           absl::StrFormat("extract: remove '%s'", chunk.path)));
  }
  TM_RETURN_IF_ERROR(Target(CreateDirs(fs_, io::ParentDir(FullPath(chunk.new_path)))));
  return Target(Annotate(fs_.Rename(FullPath(chunk.path), FullPath(chunk.new_path)),
                         absl::StrFormat("extract: rename '%s'", chunk.path)));
}

absl::Status Extractor::Open(Entry& e) {
  if (e.previous != nullptr) {  // the same path, closed by an E chunk another worker handles
    { absl::MutexLock wait(&e.previous->mu); }
    e.previous.reset();
  }
  const std::string full = FullPath(e.out);
  TM_RETURN_IF_ERROR(CreateDirs(fs_, io::ParentDir(full)));
  if (!e.rewrite) {
    absl::StatusOr<io::FileInfo> info = fs_.Stat(full);
    if (info.ok()) {
      return absl::AlreadyExistsError(absl::StrFormat("'%s' already exists", full));
    }
    if (!absl::IsNotFound(info.status())) return info.status();
  }
  io::WriteOptions w{.mode = 0640, .exclusive = !e.rewrite, .truncate = true,
                     .write_behind_bytes = uint64_t{8} << 20};
  TM_ASSIGN_OR_RETURN(e.file, fs_.OpenForWrite(PartialPath(e.out), w));
  // Stream bytes -> decrypt -> decompress -> file; the encryption header must name the
  // file as it was before encryption.
  const std::string_view suffix = std::string_view(e.path).substr(e.out.size());
  std::string expected_id;
  if (suffix.ends_with(io::kCryptSuffix)) {
    expected_id = e.path.substr(0, e.path.size() - io::kCryptSuffix.size());
  }
  e.file = NewDecodingWritableFile(std::move(e.file), suffix, options_.decrypt_key, e.path,
                                   std::move(expected_id));
  return absl::OkStatus();
}

absl::Status Extractor::Finish(Entry& e) {
  std::unique_ptr<io::WritableFile> file = std::move(e.file);
  TM_RETURN_IF_ERROR(file->Close());
  TM_RETURN_IF_ERROR(fs_.Rename(PartialPath(e.out), FullPath(e.out)));
  e.finished = true;
  files_ += 1;
  return absl::OkStatus();
}

absl::Status Extractor::Apply(Entry& e, const XbstreamChunk& chunk) {
  if (chunk.type == XbstreamChunkType::kPayload) {
    TM_RETURN_IF_ERROR(VerifyXbstreamChecksum(chunk, stream_name_));
  }
  absl::Status s;
  if (e.file == nullptr) s = Open(e);
  if (s.ok() && chunk.type == XbstreamChunkType::kPayload && !chunk.payload.empty()) {
    s = e.file->WriteAt(chunk.offset, chunk.payload);
    if (s.ok()) bytes_ += chunk.payload.size();
  }
  if (s.ok() && chunk.type == XbstreamChunkType::kEof) s = Finish(e);
  // S needs nothing: writes are positioned, and the reader checked the offsets.
  if (s.ok()) return s;
  return Classify(s, Annotate(s, absl::StrFormat("extract '%s'", e.path)));
}


void Extractor::RemovePartial(Entry& e) {
  if (e.finished) return;
  const bool had_file = e.file != nullptr;
  if (had_file) {
    e.file->Close().IgnoreError();
    e.file.reset();
  }
  // Also when the file was closed but not renamed yet (a failed E).
  absl::Status s = fs_.RemoveFile(PartialPath(e.out));
  if (s.ok() || had_file) {
    absl::MutexLock lock(&error_mu_);
    removed_partials_.push_back(e.path);
  }
}

void Extractor::Work() {
  XbstreamChunk chunk;
  for (;;) {
    std::shared_ptr<Entry> entry = NextLocked(chunk);
    if (entry == nullptr) return;
    if (failed_) {  // another worker failed while this one waited for the file
      RemovePartial(*entry);  // it may have left open_ already (an E chunk)
      entry->mu.Unlock();
      return;
    }
    absl::Status s = Apply(*entry, chunk);
    if (!s.ok()) {
      RemovePartial(*entry);
      Fail(std::move(s));
    }
    entry->mu.Unlock();
    if (!s.ok()) return;
  }
}

absl::StatusOr<ExtractSummary> Extractor::Run() {
  TM_RETURN_IF_ERROR(Target(CreateDirs(fs_, dir_)));
  {
    std::vector<std::jthread> workers;
    for (int i = 1; i < options_.parallel; ++i) workers.emplace_back([this] { Work(); });
    Work();
  }
  absl::Status error;
  {
    absl::MutexLock lock(&error_mu_);
    error = error_;
  }
  if (!error.ok()) {
    std::map<std::string, std::shared_ptr<Entry>> open;
    {
      absl::MutexLock lock(&mu_);
      open.swap(open_);
    }
    for (auto& [path, entry] : open) {
      absl::MutexLock lock(&entry->mu);
      RemovePartial(*entry);
    }
    absl::MutexLock lock(&error_mu_);
    if (removed_partials_.empty()) return error;
    std::sort(removed_partials_.begin(), removed_partials_.end());
    absl::Status annotated(error.code(),
                           absl::StrFormat("%s (incomplete files removed: '%s')", error.message(),
                                           absl::StrJoin(removed_partials_, "', '")));
    return TagXbstreamError(annotated, GetXbstreamErrorKind(error));
  }
  if (options_.sync) TM_RETURN_IF_ERROR(Target(fs_.SyncFileSystem(dir_)));
  return ExtractSummary{.files = files_, .bytes = bytes_, .chunks = chunks_, .removed = removed_};
}

}  // namespace

absl::StatusOr<ExtractSummary> ExtractXbstream(io::ByteSource& in, io::FileSystem& fs,
                                               std::string_view dir,
                                               const ExtractOptions& options) {
  ExtractOptions o = options;
  if (o.parallel < 1) o.parallel = 1;
  Extractor extractor(in, fs, std::string(dir), o);
  return extractor.Run();
}

}  // namespace tidemark::engine
