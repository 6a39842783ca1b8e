// Tests of the inspect job on in-memory and fault-injecting file systems: whole-file
// statistics, bad pages, re-reads that heal torn pages, truncated and foreign files.
#include "engine/inspect.h"

#include "gtest/gtest.h"
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

TablespaceTarget Target(const std::string& path) {
  return TablespaceTarget{.path = path, .files = {path}, .kind = TablespaceKind::kFilePerTable};
}

InspectOptions Small() {
  InspectOptions o;
  o.read.chunk_bytes = 64 * 1024;  // several chunks per test file
  o.read.direct_io = false;
  return o;
}

TEST(InspectTest, CleanTablespace) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", TablespaceBuilder(0x15, 9, 20).Index(3, 40, 0, 10, 600).Build());
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), Small());
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.header->space_id, SpaceId(9));
  EXPECT_EQ(r.summary->pages(), 20u);
  EXPECT_EQ(r.file_bytes, 20u * 16384);
  EXPECT_TRUE(r.summary->corrupt_pages().empty());
  EXPECT_EQ(r.summary->indexes().at(40).records, 10u);
}

TEST(InspectTest, ReportsExactlyTheDamagedPages) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x21, 9, 12).Index(3, 40, 0, 10, 600)
                                 .Index(7, 40, 0, 1, 200).Typed(9, 10).Build();
  for (uint32_t no : {3u, 9u}) img[no * 16384 + 4000] ^= 0x10;
  Put(fs, "/t.ibd", img);
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), Small());
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.summary->corrupt_pages(), (std::vector<uint32_t>{3, 9}));
}

TEST(InspectTest, ZipTablespaceUsesPhysicalPageSize) {
  MemFileSystem fs;
  Put(fs, "/z.ibd", TablespaceBuilder(0x27, 9, 40).Index(3, 40, 0, 10, 600).Build());
  TablespaceReport r = InspectTablespace(fs, Target("/z.ibd"), Small());
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.summary->pages(), 40u);
  EXPECT_EQ(r.summary->page_types().at("INDEX"), 1u);
}

TEST(InspectTest, NotATablespace) {
  MemFileSystem fs;
  Put(fs, "/x.ibd", std::vector<uint8_t>(100, 'a'));
  TablespaceReport r = InspectTablespace(fs, Target("/x.ibd"), Small());
  EXPECT_EQ(r.status, absl::DataLossError("read '/x.ibd': not a tablespace: invalid "
                                          "tablespace flags 0x61616161: reserved bits set"));
  Put(fs, "/short", std::vector<uint8_t>(10, 0));
  EXPECT_EQ(InspectTablespace(fs, Target("/short"), Small()).status,
            absl::DataLossError("read '/short': not a tablespace: 10 bytes is too short for "
                                "a page 0"));
}

TEST(InspectTest, AllZeroPage0IsWaitedForThenReported) {
  MemFileSystem fs;
  Put(fs, "/new.ibd", std::vector<uint8_t>(4 * 16384, 0));
  int waits = 0;
  InspectOptions o = Small();
  o.read.before_reread = [&] { ++waits; };
  TablespaceReport r = InspectTablespace(fs, Target("/new.ibd"), o);
  EXPECT_EQ(waits, 100);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status.message().find("page 0 is all zero"), absl::string_view::npos) << r.status;
}

TEST(InspectTest, ManyStableBadPagesGetOnlyQuickReReads) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 64).Build();
  for (uint32_t no = 3; no < 63; ++no) img[no * 16384 + 100] = 1;  // 60 damaged pages
  Put(fs, "/t.ibd", img);
  int sleeps = 0;
  InspectOptions o = Small();
  o.read.before_reread = [&] { ++sleeps; };
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), o);
  EXPECT_EQ(r.summary->corrupt_pages().size(), 60u);
  EXPECT_EQ(sleeps, 16 * o.read.rereads);  // only the first 16 bad pages wait
}

TEST(InspectTest, TruncatedMidPageKeepsWholePages) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 6).Build();
  img.resize(5 * 16384 + 1000);
  Put(fs, "/t.ibd", img);
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), Small());
  EXPECT_EQ(r.status, absl::DataLossError("read '/t.ibd': truncated: 1000 bytes after page "
                                          "4, less than a page of 16384 bytes"));
  EXPECT_EQ(r.summary->pages(), 5u);
}

TEST(InspectTest, MultiFileSystemTablespaceNumbersPagesAcrossFiles) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 0, 8).Index(6, 1, 0, 3, 300).Build();
  Put(fs, "/ibdata1", std::vector<uint8_t>(img.begin(), img.begin() + 4 * 16384));
  Put(fs, "/ibdata2", std::vector<uint8_t>(img.begin() + 4 * 16384, img.end()));
  TablespaceTarget t{.path = "/ibdata1", .files = {"/ibdata1", "/ibdata2"},
                     .kind = TablespaceKind::kSystem};
  TablespaceReport r = InspectTablespace(fs, t, Small());
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.summary->pages(), 8u);
  EXPECT_TRUE(r.summary->corrupt_pages().empty());
  EXPECT_EQ(r.summary->indexes().at(1).records, 3u);
}

TEST(InspectTest, TornPageIsReReadAndNotReported) {
  MemFileSystem base;
  TablespaceBuilder b(0x15, 9, 12);
  std::vector<uint8_t> old_img = b.Index(9, 40, 0, 10, 600).Lsn(9, 0x5000).Build();
  std::vector<uint8_t> new_img = b.Lsn(9, 0x6000).Build();
  Put(base, "/t.ibd", new_img);
  testing::FaultInjectionFileSystem fs(base);
  fs.TearPageOnce("/t.ibd", 9 * 16384,
                  std::vector<uint8_t>(old_img.begin() + 9 * 16384, old_img.begin() + 10 * 16384));
  int rereads = 0;
  InspectOptions o = Small();
  o.read.before_reread = [&] { ++rereads; };
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), o);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(rereads, 1);
  EXPECT_TRUE(r.summary->corrupt_pages().empty());
  EXPECT_EQ(*r.summary->lsn_max(), 0x6000u);
}

TEST(InspectTest, StableBadPageIsReReadThenReported) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 8).Index(3, 40, 0, 10, 600).Build();
  img[3 * 16384 + 700] ^= 1;
  Put(fs, "/t.ibd", img);
  int rereads = 0;
  InspectOptions o = Small();
  o.read.before_reread = [&] { ++rereads; };
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), o);
  EXPECT_EQ(rereads, o.read.rereads);
  EXPECT_EQ(r.summary->corrupt_pages(), std::vector<uint32_t>{3});
}

TEST(InspectTest, TableDroppedBetweenListingAndOpening) {
  MemFileSystem base;
  Put(base, "/t.ibd", TablespaceBuilder(0x15, 9, 8).Build());
  testing::FaultInjectionFileSystem fs(base);
  fs.RemoveBeforeOpen("/t.ibd");
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), Small());
  EXPECT_EQ(r.status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status.message().find("read '/t.ibd'"), absl::string_view::npos) << r.status;
}

TEST(InspectTest, ReadErrorNamesTheFile) {
  MemFileSystem base;
  Put(base, "/t.ibd", TablespaceBuilder(0x15, 9, 200).Build());
  testing::FaultInjectionFileSystem fs(base);
  fs.FailNth(testing::FsOp::kRead, 3, EIO);
  TablespaceReport r = InspectTablespace(fs, Target("/t.ibd"), Small());
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status.message().find("Input/output error"), absl::string_view::npos) << r.status;
}

TEST(InspectTest, ParallelReportsKeepTargetOrder) {
  MemFileSystem fs;
  std::vector<TablespaceTarget> targets;
  for (uint32_t i = 0; i < 5; ++i) {
    const std::string p = "/t" + std::to_string(i) + ".ibd";
    Put(fs, p, TablespaceBuilder(0x15, 10 + i, 4 + i).Build());
    targets.push_back(Target(p));
  }
  InspectOptions o = Small();
  o.parallel = 3;
  std::vector<TablespaceReport> rs = InspectTablespaces(fs, targets, o);
  ASSERT_EQ(rs.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(rs[i].header->space_id, SpaceId(10 + i));
}

}  // namespace
}  // namespace tidemark::engine
