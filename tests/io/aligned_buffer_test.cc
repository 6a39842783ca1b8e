// Tests of AlignedBuffer and the direct-I/O alignment helpers.
#include "io/aligned_buffer.h"

#include <cstdint>
#include <utility>

#include "gtest/gtest.h"

namespace tidemark::io {
namespace {

TEST(AlignedBufferTest, DataIsAlignedAndSized) {
  AlignedBuffer buf = *AlignedBuffer::Create(10000);
  EXPECT_EQ(buf.size(), 10000u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.data()) % kDirectIoAlignment, 0u);
  buf.span()[9999] = 7;  // the whole span is writable
  EXPECT_EQ(buf.span().size(), 10000u);
}

TEST(AlignedBufferTest, CustomAlignment) {
  AlignedBuffer buf = *AlignedBuffer::Create(100, 512);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.data()) % 512, 0u);
}

TEST(AlignedBufferTest, MoveLeavesSourceEmpty) {
  AlignedBuffer a = *AlignedBuffer::Create(4096);
  uint8_t* p = a.data();
  AlignedBuffer b = std::move(a);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(a.data(), nullptr);
}

TEST(AlignedBufferTest, ZeroSizeIsEmpty) {
  AlignedBuffer buf = *AlignedBuffer::Create(0);
  EXPECT_EQ(buf.size(), 0u);
  EXPECT_TRUE(buf.span().empty());
}

TEST(AlignedBufferTest, ImpossibleAllocationIsResourceExhausted) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan aborts on impossible allocations unless allocator_may_return_null=1";
#endif
  absl::StatusOr<AlignedBuffer> buf = AlignedBuffer::Create(size_t{1} << 62);
  EXPECT_EQ(buf.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(AlignedBufferTest, AlignUpAndIsAligned) {
  EXPECT_EQ(AlignUp(0, 4096), 0u);
  EXPECT_EQ(AlignUp(1, 4096), 4096u);
  EXPECT_EQ(AlignUp(8192, 4096), 8192u);
  EXPECT_TRUE(IsAligned(8192, 4096));
  EXPECT_FALSE(IsAligned(8193, 4096));
}

TEST(AlignedBufferTest, CheckDirectIoAlignment) {
  AlignedBuffer buf = *AlignedBuffer::Create(8192);
  EXPECT_TRUE(CheckDirectIoAlignment("f", 4096, buf.span()).ok());
  EXPECT_EQ(CheckDirectIoAlignment("f", 0, buf.span().subspan(1, 4096)),
            absl::InvalidArgumentError("read 'f' at 0: direct i/o needs the buffer address, "
                                       "offset and length aligned to 4096"));
  EXPECT_FALSE(CheckDirectIoAlignment("f", 0, buf.span().first(100)).ok());
  EXPECT_FALSE(CheckDirectIoAlignment("f", 512, buf.span()).ok());
}

}  // namespace
}  // namespace tidemark::io
