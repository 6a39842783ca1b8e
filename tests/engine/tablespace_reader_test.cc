// Tests of TablespaceReader beyond what the inspect tests cover: consumer errors stop the
// read, and the system tablespace's doublewrite area is judged once, without re-reads.
#include "engine/tablespace_reader.h"

#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;
using testing::TablespaceBuilder;

PageReadOptions Buffered(int* sleeps) {
  PageReadOptions o;
  o.direct_io = false;
  o.before_reread = [sleeps] { ++*sleeps; };
  return o;
}

TEST(TablespaceReaderTest, ConsumerErrorStopsTheRead) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 8).Build();
  ASSERT_TRUE(io::WriteStringToFile(fs, "/t.ibd", std::string(img.begin(), img.end())).ok());
  int sleeps = 0;
  auto r = TablespaceReader::Open(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, Buffered(&sleeps));
  ASSERT_TRUE(r.ok()) << r.status();
  int seen = 0;
  absl::Status s = (*r)->ReadPages([&](uint32_t no, ByteSpan, innodb::PageVerdict) {
    ++seen;
    return no == 2 ? absl::ResourceExhaustedError("disk full") : absl::OkStatus();
  });
  EXPECT_EQ(s, absl::ResourceExhaustedError("read '/t.ibd': disk full"));
  EXPECT_EQ(seen, 3);
}

TEST(TablespaceReaderTest, DoublewriteSlotsAreSkippedWithoutReReads) {
  MemFileSystem fs;
  TablespaceBuilder b(0x15, 0, 200);
  b.Typed(5, 7);  // TRX_SYS
  std::vector<uint8_t> img = b.Build();
  MutableByteSpan trx_sys = MutableByteSpan(img).subspan(5 * 16384, 16384);
  WriteBe32(trx_sys, 16384 - 200 + 10, 536853855);
  WriteBe32(trx_sys, 16384 - 200 + 14, 64);
  WriteBe32(trx_sys, 16384 - 200 + 18, 128);
  TablespaceBuilder::Sign(trx_sys, 0x15);
  for (uint32_t no : {64u, 100u, 191u, 192u}) img[no * 16384 + 8] = 0x77;  // garbage
  ASSERT_TRUE(io::WriteStringToFile(fs, "/ibdata1", std::string(img.begin(), img.end())).ok());
  int sleeps = 0;
  auto r = TablespaceReader::Open(
      fs, {.path = "/ibdata1", .files = {"/ibdata1"}, .kind = TablespaceKind::kSystem},
      Buffered(&sleeps));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<uint32_t> skipped, bad;
  ASSERT_TRUE((*r)->ReadPages([&](uint32_t no, ByteSpan, innodb::PageVerdict v) {
    if (v == innodb::PageVerdict::kSkipped) skipped.push_back(no);
    if (innodb::IsFailure(v)) bad.push_back(no);
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(skipped, (std::vector<uint32_t>{64, 100, 191}));
  EXPECT_EQ(bad, std::vector<uint32_t>{192});
  EXPECT_EQ(sleeps, 3);  // only page 192, outside the doublewrite area, waited
}

}  // namespace
}  // namespace tidemark::engine
