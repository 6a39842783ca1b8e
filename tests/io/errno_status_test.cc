// Tests of the errno -> status mapping and its message formats.
#include "io/errno_status.h"

#include <cerrno>

#include "gtest/gtest.h"

namespace tidemark::io {
namespace {

TEST(ErrnoStatusTest, MessageNamesOperationAndPath) {
  EXPECT_EQ(ErrnoStatus(ENOENT, "open", "db/t.ibd"),
            absl::NotFoundError("open 'db/t.ibd': No such file or directory"));
}

TEST(ErrnoStatusTest, CodesAreStable) {
  EXPECT_EQ(ErrnoStatus(ENOSPC, "write", "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoStatus(EACCES, "open", "x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EIO, "read", "x").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ErrnoStatus(EAGAIN, "read", "x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrnoStatus(EEXIST, "mkdir", "x").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrnoStatus(ENOTEMPTY, "rmdir", "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrnoStatus(EXDEV, "rename", "x").code(), absl::StatusCode::kInternal);
}

TEST(ErrnoStatusTest, AtNamesTheOffset) {
  EXPECT_EQ(ErrnoStatusAt(EIO, "read", "db/t.ibd", 16384),
            absl::DataLossError("read 'db/t.ibd' at 16384: Input/output error"));
}

TEST(ErrnoStatusTest, FromToNamesBothPaths) {
  EXPECT_EQ(ErrnoStatusFromTo(EXDEV, "rename", "a", "b"),
            absl::InternalError("rename 'a' to 'b': Invalid cross-device link"));
}

TEST(ErrnoStatusTest, ErrnoCodeMatchesStatus) {
  EXPECT_EQ(ErrnoCode(ENOSPC), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrnoCode(EINTR), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tidemark::io
