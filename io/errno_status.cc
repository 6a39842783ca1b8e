// errno -> absl::Status mapping for every POSIX call in io/.
#include "io/errno_status.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace tidemark::io {

namespace {
absl::StatusCode CodeFor(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::StatusCode::kNotFound;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
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
}  // namespace

absl::Status ErrnoStatus(int err, std::string_view op, std::string_view path) {
  return absl::Status(CodeFor(err), absl::StrFormat("%s '%s': %s", op, path, std::strerror(err)));
}

}  // namespace tidemark::io
