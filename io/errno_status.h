// Maps a failed system call's errno to an absl::Status with a stable code, so no errno
// escapes io/ (STYLE.md "Errors"): ENOENT -> NotFound, ENOSPC/EDQUOT -> ResourceExhausted,
// EACCES/EPERM -> PermissionDenied, EIO -> DataLoss, EINTR/EAGAIN -> Unavailable, else Internal.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace tidemark::io {

// Returns a status "<op> '<path>': <strerror(err)>" with the code for `err`.
absl::Status ErrnoStatus(int err, std::string_view op, std::string_view path);

}  // namespace tidemark::io
