// Tests of DDL-marker resolution: the plan for .del/.ren/.new, a rename swap, refusals, and
// resuming a plan interrupted at every step.
#include "engine/prepare_ddl.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;

void Put(io::FileSystem& fs, const std::string& p, const std::string& s) {
  ASSERT_TRUE(io::WriteStringToFile(fs, "bk/" + p, s).ok()) << p;
}

// db/a.ibd renamed to db/b and db/b.ibd to db/a (a swap), db/d dropped, db/n created.
void Markers(io::FileSystem& fs) {
  ASSERT_TRUE(io::CreateDirs(fs, "bk/db").ok());
  Put(fs, "db/a.ibd", "A");
  Put(fs, "db/b.ibd", "B");
  Put(fs, "db/d.ibd", "D");
  Put(fs, "db/a.ren", "db/b");
  Put(fs, "db/b.ren", "db/a");
  Put(fs, "db/d.del", "");
  Put(fs, "db/n.new", "N");
}

std::map<std::string, std::string> Files(io::FileSystem& fs) {
  std::map<std::string, std::string> out;
  const std::vector<io::FileInfo> db = *fs.ListDir("bk/db"), root = *fs.ListDir("bk");
  for (const io::FileInfo& e : db) out[e.name] = *io::ReadFileToString(fs, "bk/db/" + e.name);
  for (const io::FileInfo& e : root) {
    if (e.type == io::FileType::kRegular) out[e.name] = "?";
  }
  return out;
}

const std::map<std::string, std::string> kResolved = {{"a.ibd", "B"}, {"b.ibd", "A"}, {"n.ibd", "N"}};

TEST(PrepareDdlTest, ResolvesDeleteRenameSwapAndNew) {
  MemFileSystem fs;
  Markers(fs);
  TM_ASSERT_OK_AND_ASSIGN(DdlResolution r, ResolveDdlMarkers(fs, "bk"));
  EXPECT_EQ(r.markers, 4u);
  EXPECT_EQ(Files(fs), kResolved);
}

TEST(PrepareDdlTest, PlanOrderIsDeleteRenameNewThenMarkers) {
  MemFileSystem fs;
  Markers(fs);
  TM_ASSERT_OK_AND_ASSIGN(std::vector<DdlStep> steps, PlanDdlMarkers(fs, "bk"));
  EXPECT_EQ(FormatDdlPlan(steps),
            "remove\tdb/d.ibd\n"
            "rename\tdb/a.ibd\tdb/a.ibd.tidemark-ren\nrename\tdb/b.ibd\tdb/b.ibd.tidemark-ren\n"
            "rename\tdb/a.ibd.tidemark-ren\tdb/b.ibd\nrename\tdb/b.ibd.tidemark-ren\tdb/a.ibd\n"
            "rename\tdb/n.new\tdb/n.ibd\n"
            "remove\tdb/d.del\nremove\tdb/a.ren\nremove\tdb/b.ren\n");
  size_t done = 0;
  TM_ASSERT_OK_AND_ASSIGN(std::vector<DdlStep> back, ParseDdlPlan(FormatDdlPlan(steps) + "done\t3\ndone\t4", &done));
  EXPECT_EQ(back, steps);
  EXPECT_EQ(done, 3u);  // the torn last line does not count
}

TEST(PrepareDdlTest, RenameOntoAnExistingTableIsRefused) {
  MemFileSystem fs;
  ASSERT_TRUE(io::CreateDirs(fs, "bk/db").ok());
  Put(fs, "db/a.ibd", "A");
  Put(fs, "db/b.ibd", "B");
  Put(fs, "db/a.ren", "db/b");
  absl::StatusOr<DdlResolution> r = ResolveDdlMarkers(fs, "bk");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "'db/a.ren' renames 'db/a.ibd' to 'db/b.ibd', which exists and is not renamed away");
  EXPECT_EQ(*io::ReadFileToString(fs, "bk/db/a.ibd"), "A");
}

TEST(PrepareDdlTest, RenameOfMissingTableIsRefused) {
  MemFileSystem fs;
  ASSERT_TRUE(io::CreateDirs(fs, "bk/db").ok());
  Put(fs, "db/a.ren", "db/b");
  EXPECT_EQ(ResolveDdlMarkers(fs, "bk").status().message(),
            "'db/a.ren' renames 'db/a.ibd', which is not in the backup");
}

TEST(PrepareDdlTest, InterruptedAtAnyStepResumes) {
  for (FsOp op : {FsOp::kRename, FsOp::kRemove, FsOp::kSync, FsOp::kWrite}) {
    for (int n = 1; n < 16; ++n) {
      MemFileSystem base;
      Markers(base);
      FaultInjectionFileSystem fs(base);
      fs.FailNth(op, n, EIO);
      if (!ResolveDdlMarkers(fs, "bk").ok()) {
        fs.Reset();
        absl::StatusOr<DdlResolution> r = ResolveDdlMarkers(fs, "bk");
        ASSERT_TRUE(r.ok()) << static_cast<int>(op) << " " << n << ": " << r.status();
      }
      EXPECT_EQ(Files(base), kResolved) << static_cast<int>(op) << " " << n;
    }
  }
}

// A kill between a step's "done" line and its newline, then a rerun killed again: the
// second rerun must still read the plan (it once found "done\tdone\t2" and stopped for good).
TEST(PrepareDdlTest, TornDoneLineThenAnotherInterruptionStillResumes) {
  MemFileSystem base;
  Markers(base);
  TM_ASSERT_OK_AND_ASSIGN(std::vector<DdlStep> steps, PlanDdlMarkers(base, "bk"));
  ASSERT_TRUE(base.Rename("bk/db/d.ibd", "bk/db/gone").ok());  // step 1 ran, recorded torn
  ASSERT_TRUE(base.RemoveFile("bk/db/gone").ok());
  Put(base, std::string(kPrepareDdlPlanName), FormatDdlPlan(steps) + "done\t");
  FaultInjectionFileSystem fs(base);
  fs.FailNth(FsOp::kRename, 3, EIO);  // the plan's own rewrite, then a step's rename
  EXPECT_FALSE(ResolveDdlMarkers(fs, "bk").ok());
  size_t done = 0;
  TM_ASSERT_OK(ParseDdlPlan(*io::ReadFileToString(base, "bk/" + std::string(kPrepareDdlPlanName)),
                            &done).status());
  fs.Reset();
  TM_ASSERT_OK(ResolveDdlMarkers(fs, "bk").status());
  EXPECT_EQ(Files(base), kResolved);
}

}  // namespace
}  // namespace tidemark::engine
