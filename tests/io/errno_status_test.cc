// Tests of the errno -> status mapping.
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
  EXPECT_EQ(ErrnoStatus(EXDEV, "rename", "x").code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace tidemark::io
