// Tests of copying one tablespace: identical bytes out, a stable bad page refused, the
// system tablespace split over its files, throttling, and a full disk.
#include "engine/tablespace_copier.h"

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;
using testing::TablespaceBuilder;

void Put(io::FileSystem& fs, const std::string& path, const std::vector<uint8_t>& bytes) {
  ASSERT_TRUE(io::WriteStringToFile(fs, path, std::string(bytes.begin(), bytes.end())).ok());
}

PageReadOptions Read() {
  PageReadOptions o;
  o.direct_io = false;
  o.chunk_bytes = 64 << 10;
  return o;
}

OutputOpener Outputs(io::FileSystem& fs, std::vector<std::string> names) {
  return [&fs, names](size_t i, const innodb::FspHeader&) { return fs.OpenForWrite(names.at(i)); };
}

TEST(TablespaceCopierTest, CopiesEveryByte) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 100).Index(3, 40, 0, 10, 600).Build();
  Put(fs, "/src.ibd", img);
  std::atomic<uint64_t> counter{0};
  auto r = CopyTablespace(fs, {.path = "/src.ibd", .files = {"/src.ibd"}}, Read(),
                          Outputs(fs, {"/dst.ibd"}), nullptr, &counter);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->space, SpaceId(9));
  EXPECT_EQ(r->pages, 100u);
  EXPECT_EQ(counter.load(), img.size());
  EXPECT_EQ(*io::ReadFileToString(fs, "/dst.ibd"), std::string(img.begin(), img.end()));
}

TEST(TablespaceCopierTest, StableBadPageFailsTheCopy) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 10).Index(3, 40, 0, 10, 600).Build();
  img[3 * 16384 + 1000] ^= 4;
  Put(fs, "/src.ibd", img);
  auto r = CopyTablespace(fs, {.path = "/src.ibd", .files = {"/src.ibd"}}, Read(),
                          Outputs(fs, {"/dst.ibd"}), nullptr, nullptr);
  EXPECT_EQ(r.status(), absl::DataLossError("read '/src.ibd': page 3: checksum_mismatch "
                                            "(stable over 3 re-reads)"));
}

TEST(TablespaceCopierTest, SystemTablespaceFilesStaySeparate) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 0, 10).Build();
  Put(fs, "/ibdata1", std::vector<uint8_t>(img.begin(), img.begin() + 4 * 16384));
  Put(fs, "/ibdata2", std::vector<uint8_t>(img.begin() + 4 * 16384, img.end()));
  TablespaceTarget t{.path = "/ibdata1", .files = {"/ibdata1", "/ibdata2"},
                     .kind = TablespaceKind::kSystem};
  auto r = CopyTablespace(fs, t, Read(), Outputs(fs, {"/b1", "/b2"}), nullptr, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(io::ReadFileToString(fs, "/b1")->size(), 4u * 16384);
  EXPECT_EQ(io::ReadFileToString(fs, "/b2")->size(), 6u * 16384);
}

TEST(TablespaceCopierTest, CancelStopsTheCopy) {
  MemFileSystem fs;
  Put(fs, "/src.ibd", TablespaceBuilder(0x15, 9, 10).Build());
  std::atomic<bool> cancel{true};
  auto r = CopyTablespace(fs, {.path = "/src.ibd", .files = {"/src.ibd"}}, Read(),
                          Outputs(fs, {"/dst.ibd"}), nullptr, nullptr, &cancel);
  EXPECT_EQ(r.status(), absl::CancelledError("read '/src.ibd': copy cancelled"));
}

TEST(TablespaceCopierTest, ThrottleSpacesTheWrites) {
  testing::FakeClock clock;
  Throttle throttle(clock, 1 << 20);  // 1 MiB/s
  for (int i = 0; i < 4; ++i) throttle.Acquire(1 << 20);
  EXPECT_EQ(clock.slept(), absl::Seconds(3));  // the first MiB passes at once
  Throttle unlimited(clock, 0);
  unlimited.Acquire(1 << 30);
  EXPECT_EQ(clock.slept(), absl::Seconds(3));
}

TEST(TablespaceCopierTest, FullDiskNamesTheOutput) {
  MemFileSystem base;
  Put(base, "/src.ibd", TablespaceBuilder(0x15, 9, 100).Build());
  testing::FaultInjectionFileSystem fs(base);
  fs.FailWritesAfter(100000);
  auto r = CopyTablespace(fs, {.path = "/src.ibd", .files = {"/src.ibd"}}, Read(),
                          Outputs(fs, {"/dst.ibd"}), nullptr, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("/dst.ibd"), absl::string_view::npos) << r.status();
}

}  // namespace
}  // namespace tidemark::engine
