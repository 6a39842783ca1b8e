// Maps a failed system call's errno to an absl::Status with a stable code, so no errno
// escapes io/ (STYLE.md "Errors"): ENOENT -> NotFound, ENOSPC/EDQUOT -> ResourceExhausted,
// EACCES/EPERM -> PermissionDenied, EIO -> DataLoss, EINTR/EAGAIN -> Unavailable, EEXIST ->
// AlreadyExists, ENOTEMPTY -> FailedPrecondition, EINVAL -> InvalidArgument, else Internal.
// Every backend (POSIX, io_uring, the test fakes) builds its messages here so they match.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace tidemark::io {

// Returns the status code io/ uses for `err` (see the table above).
absl::StatusCode ErrnoCode(int err);

// Returns a status "<op> '<path>': <strerror(err)>" with the code for `err`.
absl::Status ErrnoStatus(int err, std::string_view op, std::string_view path);

// Returns "<op> '<path>' at <offset>: <strerror(err)>", for positioned reads and writes:
// `read 'db/t.ibd' at 16384: Input/output error`.
absl::Status ErrnoStatusAt(int err, std::string_view op, std::string_view path, uint64_t offset);

// Returns "<op> '<from>' to '<to>': <strerror(err)>", for rename.
absl::Status ErrnoStatusFromTo(int err, std::string_view op, std::string_view from,
                               std::string_view to);

}  // namespace tidemark::io
