// Tests of the survey and store passes: FILE_CHECKPOINT, the tablespace map, the
// missing-FILE_MODIFY rule, recv_size, TRIM_PAGES, and which records are stored.
#include "innodb/apply/recovery_scan.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"
#include "tests/support/status_macros.h"

namespace tidemark::innodb {
namespace {

constexpr uint64_t kC = 20000;
RedoPageId Pid(uint32_t s, uint32_t p) { return {SpaceId(s), PageNo(p)}; }
std::vector<uint8_t> B(std::string_view s) { return {s.begin(), s.end()}; }

// Frames mtrs one after another from kC and hands back Mtr views over them.
class MtrStream {
 public:
  Mtr Next(const MtrBuilder& b) {
    bufs_.push_back(std::make_unique<std::vector<uint8_t>>(EncodeMtr(b.records(), 1)));
    auto g = LogGeometry::Create(Lsn(kC), 1 << 30);
    MtrFraming framing{.geometry = *g};
    std::vector<uint8_t> scratch;
    MtrResult r = ReadMtr(LogView(lsn_, *bufs_.back()), framing, scratch);
    EXPECT_TRUE(r.ok()) << r.detail;
    lsn_ = Lsn(lsn_.value() + bufs_.back()->size());
    return r.mtr;
  }
  Lsn lsn() const { return lsn_; }

 private:
  Lsn lsn_{kC};
  std::vector<std::unique_ptr<std::vector<uint8_t>>> bufs_;
};

RecoveryScanConfig Config() { return {.checkpoint = {Lsn(kC), Lsn(kC)}, .undo_first = 1, .undo_count = 2}; }

TEST(RecoveryScanTest, FindsFileCheckpointAndNames) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileModify(SpaceId(5), "./a/t.ibd").FileCheckpoint(Lsn(kC)))));
  const Lsn after = s.lsn();
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileRename(SpaceId(5), "./a/t.ibd", "./a/u.ibd"))));
  TM_ASSERT_OK(scan.FinishSurvey(s.lsn()));
  EXPECT_EQ(scan.survey().file_checkpoint, after);
  EXPECT_EQ(scan.survey().spaces.at(5).name, "./a/u.ibd");
  EXPECT_EQ(scan.survey().spaces.at(5).ops.size(), 2u);
}

TEST(RecoveryScanTest, MissingFileCheckpoint) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileCheckpoint(Lsn(kC - 10)))));
  absl::Status st = scan.FinishSurvey(s.lsn());
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(st.message()), "missing FILE_CHECKPOINT(20000) at or after LSN 20000: the log ends at LSN 20016");
}

TEST(RecoveryScanTest, PageRecordOfUnnamedSpaceAfterCheckpointIsDataLoss) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileCheckpoint(Lsn(kC)))));
  absl::Status st = scan.Survey(s.Next(MtrBuilder().Write(Pid(7, 3), 100, B("x"))));
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(st.message()), "mtr at LSN 20016: missing FILE_DELETE or FILE_MODIFY for [page id: "
                          "space=7, page number=3] at LSN 20026");
}

TEST(RecoveryScanTest, UnnamedSpaceBeforeCheckpointNeedsALaterName) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().Write(Pid(7, 3), 100, B("x")))));
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileCheckpoint(Lsn(kC)))));
  EXPECT_EQ(std::string(scan.FinishSurvey(s.lsn()).message()),
            "missing FILE_CREATE, FILE_DELETE or FILE_MODIFY before FILE_CHECKPOINT for "
            "tablespace 7 (first record: page 3 at LSN 20000)");
}

TEST(RecoveryScanTest, SystemAndUndoSpacesNeedNoName) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileCheckpoint(Lsn(kC)))));
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().Write(Pid(0, 3), 100, B("x")).Write(Pid(2, 3), 100, B("y")))));
  TM_ASSERT_OK(scan.FinishSurvey(s.lsn()));
}

TEST(RecoveryScanTest, RemembersSizeAndFlagsWrittenToPageZero) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileCheckpoint(Lsn(kC)))));
  std::vector<uint8_t> v(12, 0);
  v[3] = 64;          // FSP_SIZE at 46
  v[11] = 0x15;       // FSP_SPACE_FLAGS at 54
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().Write(Pid(0, 0), 46, v))));
  TM_ASSERT_OK(scan.FinishSurvey(s.lsn()));
  EXPECT_EQ(scan.survey().spaces.at(0).recv_size, 64u);
  EXPECT_EQ(scan.survey().spaces.at(0).recv_flags, 0x15u);
}

TEST(RecoveryScanTest, TrimPagesOnlyForUndoAtTenMebibytes) {
  MtrStream s;
  RecoveryScan scan(Config());
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().FileCheckpoint(Lsn(kC)))));
  const uint8_t trim[] = {uint8_t(ExtendedType::kTrimPages)};
  TM_ASSERT_OK(scan.Survey(s.Next(MtrBuilder().Page(PageRecordType::kExtended, Pid(2, 640), trim))));
  absl::Status st = scan.Survey(s.Next(MtrBuilder().Page(PageRecordType::kExtended, Pid(0, 640), trim)));
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  TM_ASSERT_OK(scan.FinishSurvey(s.lsn()));
  EXPECT_EQ(scan.survey().spaces.at(2).trim_pages, 640u);
}

TEST(RecoveryScanTest, StoreSkipsSupersededDeletedAndIgnoredRecords) {
  MtrStream s;
  RecoveryScan scan(Config());
  std::vector<Mtr> mtrs;
  mtrs.push_back(s.Next(MtrBuilder().FileModify(SpaceId(5), "./a/t.ibd").FileModify(SpaceId(6), "./a/d.ibd")
                            .FileModify(SpaceId(8), "./a/#sql-1.ibd").FileCheckpoint(Lsn(kC))));
  mtrs.push_back(s.Next(MtrBuilder().Write(Pid(5, 3), 100, B("old")).Write(Pid(5, 4), 100, B("keep"))));
  mtrs.push_back(s.Next(MtrBuilder().Write(Pid(6, 3), 100, B("gone")).Write(Pid(8, 3), 100, B("x"))));
  mtrs.push_back(s.Next(MtrBuilder().InitPage(Pid(5, 3))));
  mtrs.push_back(s.Next(MtrBuilder().FileDelete(SpaceId(6), "./a/d.ibd")));
  for (const Mtr& m : mtrs) TM_ASSERT_OK(scan.Survey(m));
  TM_ASSERT_OK(scan.FinishSurvey(s.lsn()));
  scan.IgnoreSpace(SpaceId(8));
  PageLogStore store;
  for (const Mtr& m : mtrs) TM_ASSERT_OK(scan.Store(m, store));
  ASSERT_EQ(store.page_count(), 2u);
  EXPECT_TRUE(store.pages().at(Pid(5, 3)).init);
  EXPECT_EQ(store.pages().at(Pid(5, 3)).entries.size(), 1u);
  EXPECT_EQ(store.pages().at(Pid(5, 4)).entries[0].start_lsn, mtrs[1].start_lsn());
}

TEST(RecoveryScanTest, OffsetTrackerFollowsSamePageChaining) {
  MtrBuilder b;
  b.Write(Pid(0, 0), 40, B("abcd"));
  const uint8_t rel[] = {2, 'x'};  // same_page WRITE at 44 + 2
  b.SamePage(PageRecordType::kWrite, rel);
  RecordReader reader(b.records(), LogEncryption::kNone);
  OffsetTracker t;
  RedoRecord r;
  ASSERT_TRUE(reader.Next(r));
  EXPECT_EQ(t.Next(r), 40u);
  ASSERT_TRUE(reader.Next(r));
  EXPECT_EQ(t.Next(r), 46u);
}

}  // namespace
}  // namespace tidemark::innodb
