// Tests of the tablespace map of prepare: discovery by page 0, page location across
// ibdata files, matching with the log, and file sizes.
#include "engine/prepare_spaces.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"
#include "innodb/redo/mtr.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::TablespaceBuilder;
constexpr uint32_t kPage = 16384;

void Put(io::FileSystem& fs, const std::string& p, const std::vector<uint8_t>& b) {
  ASSERT_TRUE(io::WriteStringToFile(fs, "bk/" + p, std::string(b.begin(), b.end())).ok()) << p;
}

void Backup(io::FileSystem& fs) {
  ASSERT_TRUE(io::CreateDirs(fs, "bk/db").ok());
  std::vector<uint8_t> sys = TablespaceBuilder(0x15, 0, 6).Build();
  Put(fs, "ibdata1", std::vector<uint8_t>(sys.begin(), sys.begin() + 4 * kPage));
  Put(fs, "ibdata2", std::vector<uint8_t>(sys.begin() + 4 * kPage, sys.end()));
  Put(fs, "undo001", TablespaceBuilder(0x15, 3, 4).Build());
  Put(fs, "db/t.ibd", TablespaceBuilder(0x15, 7, 5).Build());
  Put(fs, "db/new.ibd", std::vector<uint8_t>(4 * kPage, 0));  // page 0 not written yet
}

TEST(PrepareSpacesTest, DiscoversSpacesByPageZero) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  ASSERT_NE(s.Find(SpaceId(0)), nullptr);
  EXPECT_EQ(s.Find(SpaceId(0))->files, (std::vector<std::string>{"ibdata1", "ibdata2"}));
  EXPECT_EQ(s.Find(SpaceId(7))->files, std::vector<std::string>{"db/t.ibd"});
  EXPECT_EQ(s.UndoRange(), (std::pair<uint32_t, uint32_t>{3, 1}));
  EXPECT_EQ(s.logical_page_size(), kPage);
}

TEST(PrepareSpacesTest, LocatesPagesAcrossSystemFiles) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  const PrepareSpace& sys = *s.Find(SpaceId(0));
  EXPECT_EQ(sys.Locate(3), (std::pair<size_t, uint64_t>{0, 3 * kPage}));
  EXPECT_EQ(sys.Locate(5), (std::pair<size_t, uint64_t>{1, 1 * kPage}));
  EXPECT_EQ(sys.Locate(9), (std::pair<size_t, uint64_t>{1, 5 * kPage}));
}

innodb::LogSurvey SurveyWith(uint32_t id, std::string name, bool deleted = false) {
  innodb::LogSurvey survey;
  innodb::SpaceLog& log = survey.spaces[id];
  log.name = std::move(name);
  log.deleted = deleted;
  log.page_records = 1;
  log.first_page = innodb::RedoPageId{SpaceId(id), PageNo(2)};
  log.first_page_lsn = Lsn(777);
  return survey;
}

TEST(PrepareSpacesTest, MissingFileIsDataLossUnlessDeletedOrSql) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  innodb::RecoveryScan scan({});
  absl::Status st = s.Resolve(SurveyWith(9, "./db/x.ibd"), scan, nullptr);
  EXPECT_EQ(st.message(), "tablespace 9 ('./db/x.ibd', first record: page 2 at LSN 777): no file "
                          "in the backup holds it and the log does not delete it");
  TM_ASSERT_OK(s.Resolve(SurveyWith(9, "./db/x.ibd", true), scan, nullptr));
  std::string note;
  TM_ASSERT_OK(s.Resolve(SurveyWith(9, "./db/#sql-alter-1.ibd"), scan,
                         [&](std::string_view n) { note = std::string(n); }));
  EXPECT_NE(note.find("#sql-alter-1"), std::string::npos);
}

TEST(PrepareSpacesTest, UnreadablePageZeroIsMatchedByName) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  innodb::RecoveryScan scan({});
  innodb::LogSurvey survey = SurveyWith(11, "./db/new.ibd");
  EXPECT_EQ(s.Resolve(survey, scan, nullptr).code(), absl::StatusCode::kDataLoss);  // no flags
  survey.spaces[11].recv_flags = 0x15;
  TM_ASSERT_OK(s.Resolve(survey, scan, nullptr));
  ASSERT_NE(s.Find(SpaceId(11)), nullptr);
  EXPECT_TRUE(s.Find(SpaceId(11))->flags_from_log);
}

TEST(PrepareSpacesTest, ExtendsToRecvSizeLikeTheServer) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  innodb::LogSurvey survey;
  survey.spaces[7].recv_size = 9;
  survey.spaces[7].name = "./db/t.ibd";
  survey.spaces[0].recv_size = 8;
  TM_ASSERT_OK_AND_ASSIGN(size_t changed, s.ApplySizes(fs, "bk", survey));
  EXPECT_EQ(changed, 2u);
  EXPECT_EQ(fs.Stat("bk/db/t.ibd")->size, 9u * kPage);
  EXPECT_EQ(fs.Stat("bk/ibdata2")->size, 4u * kPage);  // pages 4..7 live in the second file
  EXPECT_EQ(fs.Stat("bk/ibdata1")->size, 4u * kPage);
}

TEST(PrepareSpacesTest, CutsATruncatedUndoTablespace) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  innodb::LogSurvey survey;
  survey.spaces[3].recv_size = 2;
  survey.spaces[3].trim_lsn = Lsn(100);
  TM_ASSERT_OK(s.ApplySizes(fs, "bk", survey).status());
  EXPECT_EQ(fs.Stat("bk/undo001")->size, 2u * kPage);
}

// An mtr starting at `lsn` (its bytes kept in `keep`).
innodb::Mtr MtrAt(uint64_t lsn, const innodb::MtrBuilder& b,
                  std::vector<std::unique_ptr<std::vector<uint8_t>>>& keep) {
  keep.push_back(std::make_unique<std::vector<uint8_t>>(innodb::EncodeMtr(b.records(), 1)));
  auto g = innodb::LogGeometry::Create(Lsn(lsn), 1 << 30);
  std::vector<uint8_t> scratch;
  innodb::MtrResult r =
      innodb::ReadMtr(innodb::LogView(Lsn(lsn), *keep.back()), {.geometry = *g}, scratch);
  EXPECT_TRUE(r.ok()) << r.detail;
  return r.mtr;
}

innodb::RedoPageId Pid(uint32_t space, uint32_t page) { return {SpaceId(space), PageNo(page)}; }

TEST(TailPagesTest, PageBeyondTheFileNotInitialisedIsDataLoss) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  TailPages tail(s.PageCounts());
  std::vector<std::unique_ptr<std::vector<uint8_t>>> keep;
  const std::vector<uint8_t> x = {1};
  TM_ASSERT_OK(tail.Add(MtrAt(20000, innodb::MtrBuilder().Write(Pid(7, 2), 100, x), keep)));
  TM_ASSERT_OK(tail.Add(MtrAt(21000, innodb::MtrBuilder().InitPage(Pid(7, 6)).Write(Pid(7, 6), 100, x), keep)));
  innodb::LogSurvey survey = SurveyWith(7, "./db/t.ibd");
  TM_ASSERT_OK(tail.Check(s, survey));  // page 2 is in the file, page 6 is initialised
  TM_ASSERT_OK(tail.Add(MtrAt(22000, innodb::MtrBuilder().Write(Pid(7, 8), 100, x), keep)));
  const absl::Status st = tail.Check(s, survey);
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(st.message(),
            "tablespace 7 page 8 ('db/t.ibd'): beyond the end of the file (5 pages) and not "
            "initialised by the log (first record at LSN 22000)");
}

// Extending the file to the log's size would make page 8 a page of zeros with records to
// apply: refused all the same. A deleted tablespace needs nothing.
TEST(TailPagesTest, SizesFromTheLogDoNotExcuseAPageBeyondTheFile) {
  MemFileSystem fs;
  Backup(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareSpaces s, PrepareSpaces::Discover(fs, "bk"));
  TailPages tail(s.PageCounts());
  std::vector<std::unique_ptr<std::vector<uint8_t>>> keep;
  TM_ASSERT_OK(tail.Add(MtrAt(20000, innodb::MtrBuilder().Write(Pid(7, 8), 100, std::vector<uint8_t>{1}), keep)));
  innodb::LogSurvey survey = SurveyWith(7, "./db/t.ibd");
  survey.spaces[7].recv_size = 9;  // ApplySizes would extend the file to 9 pages
  EXPECT_EQ(tail.Check(s, survey).code(), absl::StatusCode::kDataLoss);
  survey.spaces[7].recv_size.reset();
  survey.spaces[7].deleted = true;
  TM_ASSERT_OK(tail.Check(s, survey));
}

}  // namespace
}  // namespace tidemark::engine
