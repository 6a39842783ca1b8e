// The POSIX RandomAccessFile and WritableFile behind NewPosixFileSystem: pread/pwrite loops
// that retry EINTR, EAGAIN (bounded) and short transfers, O_DIRECT with a buffered fallback,
// and the io_uring reader for ReadBatch and NewAsyncReader. Internal to io/.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "io/file_system.h"
#include "io/posix_file_system.h"

namespace tidemark::io {

// Opens `path` read-only (see FileSystem::OpenForRead). `options` is shared by the file system
// and every file it opens, which may outlive it.
absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenPosixFileForRead(
    std::shared_ptr<const PosixOptions> options, std::string_view path,
    const ReadOptions& read_options);

// Opens `path` for writing (see FileSystem::OpenForWrite).
absl::StatusOr<std::unique_ptr<WritableFile>> OpenPosixFileForWrite(
    std::shared_ptr<const PosixOptions> options, std::string_view path,
    const WriteOptions& write_options);

}  // namespace tidemark::io
