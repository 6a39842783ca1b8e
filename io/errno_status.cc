// errno -> absl::Status mapping for every POSIX call in io/.
#include "io/errno_status.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace tidemark::io {

absl::StatusCode ErrnoCode(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case ENOTEMPTY:  // rmdir of a non-empty directory: absl's own example of this code
      return absl::StatusCode::kFailedPrecondition;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return absl::StatusCode::kResourceExhausted;
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::StatusCode::kPermissionDenied;
    case EIO:
      return absl::StatusCode::kDataLoss;
    case EINTR:
    case EAGAIN:
    case EBUSY:
      return absl::StatusCode::kUnavailable;
    case EINVAL:
    case EISDIR:
      return absl::StatusCode::kInvalidArgument;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status ErrnoStatus(int err, std::string_view op, std::string_view path) {
  return absl::Status(ErrnoCode(err), absl::StrFormat("%s '%s': %s", op, path, std::strerror(err)));
}

absl::Status ErrnoStatusAt(int err, std::string_view op, std::string_view path, uint64_t offset) {
  return absl::Status(ErrnoCode(err),
                      absl::StrFormat("%s '%s' at %d: %s", op, path, offset, std::strerror(err)));
}

absl::Status ErrnoStatusFromTo(int err, std::string_view op, std::string_view from,
                               std::string_view to) {
  return absl::Status(ErrnoCode(err),
                      absl::StrFormat("%s '%s' to '%s': %s", op, from, to, std::strerror(err)));
}

}  // namespace tidemark::io
