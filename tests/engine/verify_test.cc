// Tests of the verify job on tiny backups built in memory: a good one passes, and each kind of
// damage (missing, truncated, extra, changed file; flipped page byte; page LSN past the end;
// damaged delta; truncated redo) is reported by name, several at once all of them.
#include "engine/verify.h"

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/backup_metadata.h"
#include "engine/delta_file.h"
#include "engine/manifest.h"
#include "engine/prepare_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_writer.h"
#include "io/hashing_file.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::tidemark::testing::AsBytes;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::TablespaceBuilder;

constexpr uint64_t kC = 30000;  // the checkpoint the redo copy starts at (to_lsn)
constexpr uint32_t kPage = 16384;

std::vector<uint8_t> RedoLog(int mtrs) {
  std::vector<uint8_t> log =
      innodb::BuildBackupLogHead(innodb::LogHeader{}, {Lsn(kC), Lsn(kC)}, "10.11.19");
  for (int i = 0; i < mtrs; ++i) {
    innodb::MtrBuilder b;
    b.Write({SpaceId(5), PageNo(3)}, 100, std::vector<uint8_t>(200, uint8_t(i)));
    const std::vector<uint8_t> m = innodb::EncodeMtr(b.records(), 1);
    log.insert(log.end(), m.begin(), m.end());
  }
  return log;
}

std::string Str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// A backup in /b: its files by relative path, written with a manifest listing them.
class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<uint8_t> log = RedoLog(10);
    last_lsn_ = kC + log.size() - innodb::kLogStartOffset;
    files_["ib_logfile0"] = {Str(log), FileKind::kRedo};
    files_["db/t.ibd"] = {Str(Tablespace(kC + 50)), FileKind::kInnodbTablespace};
    files_["db/t.frm"] = {"frm bytes of table t", FileKind::kNonInnodb};
  }

  std::vector<uint8_t> Tablespace(uint64_t page3_lsn) {
    return TablespaceBuilder(0x15, 5, 8).Index(3, 40, 0, 10, 600).Lsn(3, page3_lsn).Build();
  }

  // Writes the files, xtrabackup_checkpoints and the manifest.
  void Write(BackupType type = BackupType::kFullBackuped, Lsn from = Lsn(0)) {
    XtrabackupCheckpoints cp{.backup_type = type, .from_lsn = from, .to_lsn = Lsn(kC),
                             .last_lsn = Lsn(last_lsn_)};
    files_[std::string(kXtrabackupCheckpointsName)] = {FormatXtrabackupCheckpoints(cp),
                                                       FileKind::kMetadata};
    Manifest m;
    m.backup_uuid = "inc-uuid";
    m.kind = type == BackupType::kIncremental ? BackupKind::kIncremental : BackupKind::kFull;
    m.base_backup_uuid = type == BackupType::kIncremental ? "base-uuid" : "";
    m.page_size = kPage;
    m.from_lsn = from;
    m.to_lsn = Lsn(kC);
    m.last_lsn = Lsn(last_lsn_);
    m.start_time = m.end_time = absl::FromUnixSeconds(1795245138);
    ASSERT_TRUE(io::CreateDirs(fs_, "/b/db").ok());
    for (const auto& [path, f] : files_) {
      Put(path, f.first);
      const io::ContentHash h = io::HashBytes(AsBytes(f.first));
      m.files.push_back({path, h.size, h.xxh3_128, f.second, std::nullopt});
    }
    TM_ASSERT_OK(WriteManifest(fs_, "/b", m));
  }

  void Put(const std::string& path, std::string_view bytes) {
    TM_ASSERT_OK(io::WriteStringToFile(fs_, "/b/" + path, bytes));
  }
  std::string Get(const std::string& path) {
    auto s = io::ReadFileToString(fs_, "/b/" + path);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : "";
  }
  void Flip(const std::string& path, size_t offset) {
    std::string s = Get(path);
    s[offset] ^= 0x40;
    Put(path, s);
  }
  void Truncate(const std::string& path, size_t size) { Put(path, Get(path).substr(0, size)); }

  VerifyResult Verify(std::string base = "") {
    VerifyOptions o{.target_dir = "/b", .incremental_basedir = base, .parallel = 2};
    o.read.rereads = 1;
    absl::StatusOr<VerifyResult> r = VerifyBackup(fs_, o);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : VerifyResult{};
  }

  static auto Problem(VerifyProblemKind kind, std::string file) {
    return AllOf(Field(&VerifyProblem::kind, kind), Field(&VerifyProblem::file, file));
  }
  static auto PageProblem(VerifyProblemKind kind, std::string file, uint32_t page) {
    return AllOf(Field(&VerifyProblem::kind, kind), Field(&VerifyProblem::file, file),
                 Field(&VerifyProblem::page, std::optional<uint32_t>(page)));
  }

  MemFileSystem fs_;
  std::map<std::string, std::pair<std::string, FileKind>> files_;
  uint64_t last_lsn_ = 0;
};

using K = VerifyProblemKind;

TEST_F(VerifyTest, GoodBackupPasses) {
  Write();
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.files_checked, 4u);
  EXPECT_EQ(r.tablespaces_checked, 1u);
  EXPECT_EQ(r.pages_checked, 8u);
  EXPECT_TRUE(r.redo_checked);
  EXPECT_EQ(r.page_lsn_bound, Lsn(last_lsn_));
}

TEST_F(VerifyTest, MissingFile) {
  Write();
  TM_ASSERT_OK(fs_.RemoveFile("/b/db/t.frm"));
  EXPECT_THAT(Verify().problems,
              ElementsAre(Problem(K::kMissing, "db/t.frm")));
}

TEST_F(VerifyTest, TruncatedFile) {
  Write();
  Truncate("db/t.frm", 5);
  const VerifyResult r = Verify();
  ASSERT_THAT(r.problems, ElementsAre(Problem(K::kSize, "db/t.frm")));
  EXPECT_EQ(r.problems[0].detail, "5 bytes, the manifest says 20 (truncated)");
}

TEST_F(VerifyTest, ExtraFile) {
  Write();
  Put("db/stray.MYD", "abc");
  EXPECT_THAT(Verify().problems, ElementsAre(Problem(K::kExtra, "db/stray.MYD")));
}

TEST_F(VerifyTest, HashMismatch) {
  Write();
  Flip("db/t.frm", 2);
  EXPECT_THAT(Verify().problems, ElementsAre(Problem(K::kHash, "db/t.frm")));
}

TEST_F(VerifyTest, FlippedPageByteNamesThePage) {
  Write();
  Flip("db/t.ibd", 3 * kPage + 200);
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, Contains(Problem(K::kHash, "db/t.ibd")));
  EXPECT_THAT(r.problems, Contains(PageProblem(K::kPage, "db/t.ibd", 3)));
  EXPECT_EQ(r.problems.size(), 2u);
}

TEST_F(VerifyTest, TablespaceCreatedDuringTheCopyIsChecked) {
  files_["db/n.new"] = {Str(Tablespace(kC + 60)), FileKind::kInnodbTablespace};
  Write();
  Flip("db/n.new", 3 * kPage + 200);
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, Contains(PageProblem(K::kPage, "db/n.new", 3)));
  EXPECT_EQ(r.tablespaces_checked, 2u);
}

TEST_F(VerifyTest, TablespaceCreatedDuringTheCopyWithPage0NotWrittenYetIsANote) {
  // The server had not flushed page 0 of a table created just before the backup: the redo
  // log rebuilds it at prepare. An .ibd in that state is still a problem.
  files_["db/n.new"] = {std::string(4 * kPage, '\0'), FileKind::kInnodbTablespace};
  files_["db/z.ibd"] = {std::string(4 * kPage, '\0'), FileKind::kInnodbTablespace};
  Write();
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, Not(Contains(Problem(K::kPage, "db/n.new"))));
  EXPECT_THAT(r.problems, Contains(Problem(K::kPage, "db/z.ibd")));
  EXPECT_THAT(r.notes, Contains(HasSubstr("'db/n.new': created during the backup, page 0 not "
                                          "written yet")));
}

TEST_F(VerifyTest, PageLsnBeyondLastLsn) {
  files_["db/t.ibd"].first = Str(Tablespace(last_lsn_ + 1));
  Write();
  const VerifyResult r = Verify();
  ASSERT_THAT(r.problems, ElementsAre(PageProblem(K::kPageLsn, "db/t.ibd", 3)));
  EXPECT_EQ(r.problems[0].lsn, last_lsn_ + 1);
}

TEST_F(VerifyTest, PageLsnAtLastLsnIsFine) {
  // An unprepared backup's pages may be newer than to_lsn (copied while the server ran),
  // but never newer than the end of the copied redo.
  files_["db/t.ibd"].first = Str(Tablespace(last_lsn_));
  Write();
  EXPECT_THAT(Verify().problems, IsEmpty());
}

TEST_F(VerifyTest, TruncatedRedo) {
  Write();
  const size_t size = Get("ib_logfile0").size();
  Truncate("ib_logfile0", size - 100);
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, Contains(Problem(K::kSize, "ib_logfile0")));
  EXPECT_THAT(r.problems, Contains(Problem(K::kRedo, "ib_logfile0")));
  EXPECT_EQ(r.problems.size(), 2u);
}

TEST_F(VerifyTest, DamagedRedoWithoutManifestIsStillFound) {
  Write();
  TM_ASSERT_OK(fs_.RemoveFile("/b/tidemark_manifest.json"));
  Flip("ib_logfile0", innodb::kLogStartOffset + 500);
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, Contains(Problem(K::kIncomplete, "tidemark_manifest.json")));
  EXPECT_THAT(r.problems, Contains(Problem(K::kRedo, "ib_logfile0")));
}

TEST_F(VerifyTest, SeveralProblemsAllReported) {
  Write();
  TM_ASSERT_OK(fs_.RemoveFile("/b/db/t.frm"));
  Put("extra.txt", "x");
  Flip("db/t.ibd", 3 * kPage + 200);
  Truncate("ib_logfile0", Get("ib_logfile0").size() - 100);
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, Contains(Problem(K::kMissing, "db/t.frm")));
  EXPECT_THAT(r.problems, Contains(Problem(K::kExtra, "extra.txt")));
  EXPECT_THAT(r.problems, Contains(PageProblem(K::kPage, "db/t.ibd", 3)));
  EXPECT_THAT(r.problems, Contains(Problem(K::kRedo, "ib_logfile0")));
  EXPECT_EQ(r.problems.size(), 6u);  // and the hash of t.ibd, the size of ib_logfile0
}

TEST_F(VerifyTest, PreparedBackupChecksWhatPrepareLeavesAlone) {
  Write();
  // What prepare does: pages rewritten, the 12304-byte log, backup_type log-applied.
  Put("db/t.ibd", Str(Tablespace(last_lsn_ - 16)));
  Put("ib_logfile0", Str(BuildPreparedLog(Lsn(last_lsn_), "Backup 10.11.19")));
  Put("xtrabackup_checkpoints",
      FormatXtrabackupCheckpoints({.backup_type = BackupType::kLogApplied, .to_lsn = Lsn(kC),
                                   .last_lsn = Lsn(last_lsn_)}));
  Put("tidemark_chain", "chain");
  VerifyResult r = Verify();
  EXPECT_TRUE(r.prepared);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_TRUE(r.redo_checked);
  // Non-InnoDB files are still compared, and pages still judged.
  Flip("db/t.frm", 1);
  Flip("db/t.ibd", 3 * kPage + 200);
  r = Verify();
  EXPECT_THAT(r.problems, ElementsAre(Problem(K::kHash, "db/t.frm"),
                                      PageProblem(K::kPage, "db/t.ibd", 3)));
}

TEST_F(VerifyTest, NotABackup) {
  ASSERT_TRUE(io::CreateDirs(fs_, "/b").ok());
  VerifyOptions o{.target_dir = "/b"};
  EXPECT_EQ(VerifyBackup(fs_, o).status().code(), absl::StatusCode::kFailedPrecondition);
  o.target_dir = "/nope";
  EXPECT_EQ(VerifyBackup(fs_, o).status(), absl::NotFoundError("backup '/nope' does not exist"));
}

// ------------------------------------------------------------------------- incrementals

class VerifyIncrementalTest : public VerifyTest {
 protected:
  void SetUp() override {
    VerifyTest::SetUp();
    files_.erase("db/t.ibd");
    const std::vector<uint8_t> space = Tablespace(kC + 50);
    MemFileSystem scratch;
    auto out = scratch.OpenForWrite("/d");
    ASSERT_TRUE(out.ok());
    DeltaWriter w(**out, kPage);
    TM_ASSERT_OK(w.Add(0, ByteSpan(space).subspan(0, kPage)));
    TM_ASSERT_OK(w.Add(3, ByteSpan(space).subspan(3 * kPage, kPage)));
    TM_ASSERT_OK(w.Finish());
    TM_ASSERT_OK((*out)->Close());
    auto bytes = io::ReadFileToString(scratch, "/d");
    ASSERT_TRUE(bytes.ok());
    files_["db/t.ibd.delta"] = {*bytes, FileKind::kInnodbDelta};
    files_["db/t.ibd.meta"] = {FormatDeltaMeta({.page_size = kPage, .space_id = 5}),
                               FileKind::kMetadata};
    // The base: a full backup ending at from_lsn.
    ASSERT_TRUE(io::CreateDirs(fs_, "/base").ok());
    TM_ASSERT_OK(io::WriteStringToFile(
        fs_, "/base/xtrabackup_checkpoints",
        FormatXtrabackupCheckpoints({.to_lsn = Lsn(20000), .last_lsn = Lsn(20100)})));
  }
};

TEST_F(VerifyIncrementalTest, GoodIncrementalPasses) {
  Write(BackupType::kIncremental, Lsn(20000));
  const VerifyResult r = Verify("/base");
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.deltas_checked, 1u);
  EXPECT_EQ(r.pages_checked, 2u);
}

TEST_F(VerifyIncrementalTest, DamagedDelta) {
  Write(BackupType::kIncremental, Lsn(20000));
  Flip("db/t.ibd.delta", 1);  // the block's magic
  const VerifyResult r = Verify("/base");
  EXPECT_THAT(r.problems, Contains(Problem(K::kDelta, "db/t.ibd.delta")));
  EXPECT_THAT(r.problems, Contains(Problem(K::kHash, "db/t.ibd.delta")));
}

TEST_F(VerifyIncrementalTest, FlippedDeltaPage) {
  Write(BackupType::kIncremental, Lsn(20000));
  Flip("db/t.ibd.delta", 2 * kPage + 300);  // header page, page 0, then page 3
  EXPECT_THAT(Verify("/base").problems,
              Contains(PageProblem(K::kDelta, "db/t.ibd.delta", 3)));
}

TEST_F(VerifyIncrementalTest, BrokenChain) {
  Write(BackupType::kIncremental, Lsn(19000));
  const VerifyResult r = Verify("/base");
  ASSERT_THAT(r.problems, ElementsAre(Problem(K::kChain, "xtrabackup_checkpoints")));
  EXPECT_EQ(r.problems[0].lsn, 19000u);
}

TEST_F(VerifyIncrementalTest, BaseOfAnotherBackup) {
  Write(BackupType::kIncremental, Lsn(20000));
  Manifest base;
  base.backup_uuid = "other-uuid";
  base.start_time = base.end_time = absl::FromUnixSeconds(1795245138);
  TM_ASSERT_OK(WriteManifest(fs_, "/base", base));
  EXPECT_THAT(Verify("/base").problems,
              ElementsAre(Problem(K::kChain, "tidemark_manifest.json")));
}

}  // namespace
}  // namespace tidemark::engine
