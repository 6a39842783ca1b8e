// StageFile: the shape shared by the stages that transform a file as it is written front to
// back and pass the result to the WritableFile beneath them (io/zstd_stage.h compresses and
// decompresses, io/crypt_stage.h encrypts and decrypts). It keeps the rules in one place:
// writes are sequential (WriteAt only at the current end, no Truncate), the first error sticks,
// Close finishes the stage and then closes the file beneath, and once closed every call goes
// to that file (which reports the misuse).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "innodb/base/endian.h"
#include "io/file_system.h"

namespace tidemark::io {

// Where decoded bytes go, in order. An error stops the decoder and is returned unchanged.
using ByteSink = std::function<absl::Status(ByteSpan)>;

// The end of a chain of stages when the bytes go to a function rather than a file: Append
// calls `sink`; `path` names it in messages. Sequential only (WriteAt/Truncate: Internal).
std::unique_ptr<WritableFile> NewSinkWritableFile(std::string path, ByteSink sink);

// Reads all of `in` front to back (1 MiB at a time) into `out`, then closes `out`. Errors:
// `in`'s read errors, `out`'s write and close errors, unchanged.
absl::Status PushFile(RandomAccessFile& in, WritableFile& out);

class StageFile : public WritableFile {
 public:
  const std::string& path() const final { return inner_->path(); }
  absl::Status Append(ByteSpan data) final;
  // Only at consumed(): InvalidArgument "write '<path>' at N: <what> sequentially (next offset
  // M)" otherwise.
  absl::Status WriteAt(uint64_t offset, ByteSpan data) final;
  // InvalidArgument "truncate '<path>' to N: <what> sequentially" (until closed).
  absl::Status Truncate(uint64_t size) final;
  absl::Status Sync() final { return inner_->Sync(); }
  // Finish() (unless a write failed: then that error), then the inner file's Close; the first
  // error of the two.
  absl::Status Close() final;

 protected:
  // `what` completes the messages: e.g. "a compressed file is written".
  StageFile(std::unique_ptr<WritableFile> inner, std::string_view what);

  // Transforms `data` and writes what it can to inner(). An error sticks: every later Append
  // and Close returns it.
  virtual absl::Status Consume(ByteSpan data) = 0;
  // Writes what the stage still holds, at Close.
  virtual absl::Status Finish() = 0;

  WritableFile& inner() { return *inner_; }
  // Bytes accepted before the current call.
  uint64_t consumed() const { return consumed_; }

 private:
  std::unique_ptr<WritableFile> inner_;
  const std::string what_;
  uint64_t consumed_ = 0;
  absl::Status first_error_;
  bool closed_ = false;
};

}  // namespace tidemark::io
