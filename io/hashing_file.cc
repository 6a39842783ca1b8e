// The hashing stage: XXH3-128 (libxxhash's streaming API, seed 0) over what a backup writes,
// and over a file read back for verify. See the header for the contract.
#include "io/hashing_file.h"

#include <xxhash.h>

#include <cassert>
#include <utility>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "io/file_scanner.h"

namespace tidemark::io {
namespace {

// The canonical form (big-endian bytes) as hex, as `xxhsum -H2` prints it.
std::string CanonicalHex(XXH128_hash_t hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  std::string out;
  out.reserve(2 * sizeof(canonical.digest));
  for (unsigned char byte : canonical.digest) out += absl::StrFormat("%02x", byte);
  return out;
}

}  // namespace

bool IsXxh3Hex(std::string_view hex) {
  if (hex.size() != 32) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------- Xxh3Hasher

void Xxh3Hasher::StateDeleter::operator()(XXH3_state_s* state) const { XXH3_freeState(state); }

Xxh3Hasher::Xxh3Hasher() : state_(XXH3_createState()) {
  // Allocation failure here is out of memory, which the rest of the program does not survive
  // either; an assertion documents it.
  assert(state_ != nullptr);
  XXH3_128bits_reset(state_.get());
}

Xxh3Hasher::~Xxh3Hasher() = default;

void Xxh3Hasher::Update(ByteSpan data) {
  if (data.empty()) return;
  XXH3_128bits_update(state_.get(), data.data(), data.size());
  size_ += data.size();
}

ContentHash Xxh3Hasher::Result() const {
  return ContentHash{size_, CanonicalHex(XXH3_128bits_digest(state_.get()))};
}

ContentHash HashBytes(ByteSpan data) {
  return ContentHash{data.size(), CanonicalHex(XXH3_128bits(data.data(), data.size()))};
}

// ---------------------------------------------------------------------- HashingWritableFile

HashingWritableFile::HashingWritableFile(std::unique_ptr<WritableFile> inner, DoneCallback on_done,
                                         bool sync_on_close)
    : inner_(std::move(inner)), on_done_(std::move(on_done)), sync_on_close_(sync_on_close) {}

HashingWritableFile::~HashingWritableFile() {
  if (!closed_ && on_done_) {
    on_done_(absl::FailedPreconditionError(absl::StrFormat("'%s' was not closed", path())));
  }
}

absl::Status HashingWritableFile::Record(const absl::Status& write_status, ByteSpan data) {
  if (!write_status.ok()) {
    if (first_error_.ok()) first_error_ = write_status;
    return write_status;
  }
  hasher_.Update(data);
  size_ += data.size();
  return absl::OkStatus();
}

absl::Status HashingWritableFile::Append(ByteSpan data) {
  if (closed_) return inner_->Append(data);  // the inner file reports the misuse
  return Record(inner_->Append(data), data);
}

absl::Status HashingWritableFile::WriteAt(uint64_t offset, ByteSpan data) {
  if (closed_) return inner_->WriteAt(offset, data);
  if (offset != size_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("write '%s' at %d: a hashing file is written sequentially (next offset %d)",
                        path(), offset, size_));
  }
  return Record(inner_->WriteAt(offset, data), data);
}

absl::Status HashingWritableFile::Truncate(uint64_t size) {
  if (closed_) return inner_->Truncate(size);
  return absl::InvalidArgumentError(absl::StrFormat(
      "truncate '%s' to %d: a hashing file is written sequentially", path(), size));
}

absl::Status HashingWritableFile::Sync() { return inner_->Sync(); }

absl::Status HashingWritableFile::Close() {
  if (closed_) return inner_->Close();
  closed_ = true;
  absl::Status status = first_error_;
  if (sync_on_close_ && status.ok()) status = inner_->Sync();
  absl::Status close_status = inner_->Close();
  if (status.ok()) status = close_status;
  if (status.ok()) result_ = hasher_.Result();
  if (on_done_) {
    on_done_(status.ok() ? absl::StatusOr<ContentHash>(*result_)
                         : absl::StatusOr<ContentHash>(status));
  }
  return status;
}

absl::StatusOr<ContentHash> HashingWritableFile::Finish() const {
  if (!result_.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("hash of '%s' is not known: the file was not closed successfully", path()));
  }
  return *result_;
}

// ---------------------------------------------------------------------------------- HashFile

absl::StatusOr<ContentHash> HashFile(FileSystem& fs, std::string_view path,
                                     const HashFileOptions& options) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs.OpenForRead(path, options.read));
  ScanOptions scan;
  scan.chunk_size = options.chunk_size;
  scan.depth = options.depth;
  TM_ASSIGN_OR_RETURN(std::unique_ptr<FileScanner> scanner, FileScanner::Create(*file, scan));
  Xxh3Hasher hasher;
  for (;;) {
    TM_ASSIGN_OR_RETURN(Chunk chunk, scanner->Next());
    if (chunk.data.empty()) return hasher.Result();
    hasher.Update(chunk.data);
  }
}

}  // namespace tidemark::io
