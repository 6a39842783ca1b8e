// Tests of the status helpers and macros in innodb/base/status.h.
#include "innodb/base/status.h"

#include "gtest/gtest.h"

namespace tidemark {
namespace {

absl::StatusOr<int> Half(int v) {
  if (v % 2 != 0) return absl::InvalidArgumentError("odd");
  return v / 2;
}

absl::StatusOr<int> Quarter(int v) {
  TM_ASSIGN_OR_RETURN(int h, Half(v));
  TM_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int v) {
  TM_RETURN_IF_ERROR(Half(v).status());
  return absl::OkStatus();
}

TEST(StatusTest, AssignOrReturnPropagatesValueAndError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status(), absl::InvalidArgumentError("odd"));
}

TEST(StatusTest, ReturnIfError) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusTest, AnnotateKeepsCodeAndPrefixesMessage) {
  absl::Status s = Annotate(absl::DataLossError("checksum mismatch"), "read 'a.ibd' page 3");
  EXPECT_EQ(s, absl::DataLossError("read 'a.ibd' page 3: checksum mismatch"));
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
}

}  // namespace
}  // namespace tidemark
