// Tests of the DDL-during-backup bookkeeping (INNODB_FORMATS.md §5.5 cases).
#include "engine/ddl_tracker.h"

#include "gtest/gtest.h"

namespace tidemark::engine {
namespace {

RedoEvent Ev(RedoEventKind kind, uint32_t space, std::string name, std::string new_name = "") {
  RedoEvent e;
  e.kind = kind;
  e.space = SpaceId(space);
  e.name = std::move(name);
  e.new_name = std::move(new_name);
  return e;
}

TEST(DdlTrackerTest, RelativePaths) {
  EXPECT_EQ(BackupRelativeIbdPath("./db/t.ibd"), "db/t.ibd");
  EXPECT_EQ(BackupRelativeIbdPath("/data/dir/db/t.ibd"), "db/t.ibd");
}

TEST(DdlTrackerTest, NothingHappenedNothingToFix) {
  DdlTracker t;
  t.RecordCopied(SpaceId(5), "db/t.ibd");
  t.OnRedoEvent(Ev(RedoEventKind::kFileModify, 5, "./db/t.ibd"));
  DdlFixes f = *t.Fixes();
  EXPECT_TRUE(f.markers.empty());
  EXPECT_TRUE(f.new_copies.empty());
}

TEST(DdlTrackerTest, DropRenameCreate) {
  DdlTracker t;
  t.RecordCopied(SpaceId(5), "db/dropped.ibd");
  t.RecordCopied(SpaceId(6), "db/a.ibd");
  t.OnRedoEvent(Ev(RedoEventKind::kFileDelete, 5, "./db/dropped.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileRename, 6, "./db/a.ibd", "./db/b.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileRename, 6, "./db/b.ibd", "./db/c.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileCreate, 7, "./db/new.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileCreate, 8, "./db/gone.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileDelete, 8, "./db/gone.ibd"));
  DdlFixes f = *t.Fixes();
  ASSERT_EQ(f.markers.size(), 2u);
  EXPECT_EQ(f.markers[0].path, "db/dropped.del");
  EXPECT_EQ(f.markers[0].contents, "");
  EXPECT_EQ(f.markers[1].path, "db/a.ren");
  EXPECT_EQ(f.markers[1].contents, "db/c");
  ASSERT_EQ(f.new_copies.size(), 1u);
  EXPECT_EQ(f.new_copies[0].source, "./db/new.ibd");
  EXPECT_EQ(f.new_copies[0].target, "db/new.new");
}

TEST(DdlTrackerTest, LiveNameFollowsRenamesUntilDropped) {
  DdlTracker t;
  EXPECT_EQ(t.LiveName(SpaceId(5)), std::nullopt);
  t.OnRedoEvent(Ev(RedoEventKind::kFileRename, 5, "./db/a.ibd", "./db/b.ibd"));
  EXPECT_EQ(t.LiveName(SpaceId(5)), "./db/b.ibd");
  t.OnRedoEvent(Ev(RedoEventKind::kFileDelete, 5, "./db/b.ibd"));
  EXPECT_EQ(t.LiveName(SpaceId(5)), std::nullopt);
}

TEST(DdlTrackerTest, TruncateIsDropPlusCreateUnderTheSameName) {
  DdlTracker t;
  t.RecordCopied(SpaceId(5), "db/t.ibd");
  t.OnRedoEvent(Ev(RedoEventKind::kFileRename, 5, "./db/t.ibd", "./db/#sql-ib19.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileCreate, 9, "./db/t.ibd"));
  t.OnRedoEvent(Ev(RedoEventKind::kFileDelete, 5, "./db/#sql-ib19.ibd"));
  DdlFixes f = *t.Fixes();
  ASSERT_EQ(f.markers.size(), 1u);
  EXPECT_EQ(f.markers[0].path, "db/t.del");
  ASSERT_EQ(f.new_copies.size(), 1u);
  EXPECT_EQ(f.new_copies[0].target, "db/t.new");
}

TEST(DdlTrackerTest, EncryptedLogHidesDdl) {
  DdlTracker t;
  t.RecordCopied(SpaceId(5), "db/t.ibd");
  RedoEvent modify = Ev(RedoEventKind::kFileModify, 0, "");
  modify.names_known = false;
  t.OnRedoEvent(modify);
  EXPECT_TRUE(t.Fixes().ok());  // FILE_MODIFY is not DDL
  RedoEvent drop = Ev(RedoEventKind::kFileDelete, 0, "");
  drop.names_known = false;
  t.OnRedoEvent(drop);
  EXPECT_EQ(t.Fixes().status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tidemark::engine
