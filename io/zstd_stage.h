// The zstd stage: compresses what a backup writes into standard zstd frames (the `.zst` files
// that `zstd -d` and `xtrabackup --decompress` read, docs/compression.md), and decompresses a
// `.zst` file back, telling a truncated file from a corrupt one and naming it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/file_system.h"
#include "io/stage_file.h"

namespace tidemark::io {

// The file-name suffix of a compressed file, as xtrabackup 8 names them.
inline constexpr std::string_view kZstdSuffix = ".zst";

struct ZstdOptions {
  int level = 1;  // zstd's levels 1..19 (xtrabackup's --compress-zstd-level defaults to 1)
  // zstd worker threads for this file (ZSTD_c_nbWorkers): 0 compresses on the writing thread;
  // N > 0 hands blocks to N threads of libzstd, for a backup dominated by one large file.
  int workers = 0;
};

// Returns a WritableFile that compresses what is written into standard zstd frames (with the
// content checksum, so `zstd -d` verifies them), one per MiB of input (one streamed frame when
// options.workers > 0), written to `inner`; Close writes the last frame and closes
// `inner`. A file that receives no bytes still gets one (empty) frame. Sequential only:
// WriteAt at the current end behaves like Append, any other WriteAt or Truncate is refused
// with InvalidArgument naming the file. Errors: InvalidArgument "compress '<path>': zstd level
// N is out of range (1..19)", "compress '<path>': N zstd workers: libzstd says: <why>" (e.g. a
// libzstd built without threads); write errors of `inner` unchanged. Not thread-safe.
absl::StatusOr<std::unique_ptr<WritableFile>> NewZstdWritableFile(
    std::unique_ptr<WritableFile> inner, const ZstdOptions& options = {});

// The inverse as a WritableFile: what is written to it is a .zst file, front to back (e.g. from
// an xbstream), and `inner` receives the decompressed bytes. `name` names the compressed file
// in messages (default: inner's path + ".zst"). Sequential only. Errors, DataLoss: as
// DecompressZstd's (a corrupt frame as it arrives; at Close an empty or truncated file);
// write errors of `inner` unchanged.
std::unique_ptr<WritableFile> NewUnzstdWritableFile(std::unique_ptr<WritableFile> inner,
                                                    std::string name = "");


// Decompresses the whole file `in` (one or more concatenated zstd frames) into `sink`.
// Errors, all DataLoss and naming in->path(): "decompress '<path>' at <offset>: <zstd's
// reason>" for a corrupt frame (bad magic, bad block, checksum mismatch), "decompress
// '<path>': truncated: the last frame is incomplete at the end of the file (<size> bytes)",
// "decompress '<path>': empty file, no zstd frame"; read errors of `in` and errors of `sink`
// unchanged.
absl::Status DecompressZstd(RandomAccessFile& in, const ByteSink& sink);

}  // namespace tidemark::io
