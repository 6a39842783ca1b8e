// Tests of what prepare decodes of a compressed or encrypted backup: the InnoDB, redo,
// delta, marker and metadata files in place, the non-InnoDB files left encoded; a missing or
// wrong key changes nothing; a damaged file is named and left encoded; a failure at any write,
// rename or removal is finished by a rerun; an incremental is decoded into a scratch copy
// without being modified.
#include "engine/prepare_decode.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/encoded_backup.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tidemark::testing::EncodeFile;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

// Every file under `dir`, relative, with its bytes.
std::map<std::string, std::string> Tree(io::FileSystem& fs, const std::string& dir,
                                        const std::string& rel = "") {
  std::map<std::string, std::string> out;
  auto entries = fs.ListDir(rel.empty() ? dir : dir + "/" + rel);
  if (!entries.ok()) return out;
  for (const io::FileInfo& e : *entries) {
    const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.type == io::FileType::kDirectory) {
      out.merge(Tree(fs, dir, child));
    } else {
      out[child] = *io::ReadFileToString(fs, dir + "/" + child);
    }
  }
  return out;
}

// The tree with encoded files' bytes hidden (encryption draws a fresh nonce per file, so two
// encodings of one backup differ).
std::map<std::string, std::string> HideEncoded(std::map<std::string, std::string> tree) {
  for (auto& [k, v] : tree) {
    if (!EncodingSuffix(k).empty()) v = "<encoded>";
  }
  return tree;
}

std::vector<std::string> Names(const std::map<std::string, std::string>& tree) {
  std::vector<std::string> out;
  for (const auto& [k, v] : tree) out.push_back(k);
  return out;
}

constexpr const char* kCnf = "[mysqld]\ninnodb_data_file_path=sys1:12M;sys2:12M:autoextend\n";

class PrepareDecodeTest : public ::testing::Test {
 protected:
  void SetUp() override { key_.bytes.fill(3); }
  // A backup "b" as `tidemark backup --compress --encrypt` writes it, and its plain tree.
  void Build(const std::string& suffix = ".zst.tmenc") { Build(fs_, suffix); }
  void Build(io::FileSystem& fs, const std::string& suffix = ".zst.tmenc") {
    const std::map<std::string, std::string> files = {
        {"backup-my.cnf", kCnf},          {"sys1", PatternBytes(20000, 1)},
        {"sys2", PatternBytes(9000, 2)},  {"undo001", PatternBytes(5000, 3)},
        {"ib_logfile0", "log"},           {"xtrabackup_info", "info"},
        {"db/t.ibd", PatternBytes(30000, 4)}, {"db/t.frm", "frm"},
        {"db/n.new", "new"},              {"db/m.MYD", "myd"},
        {"aria_log.00000001", "aria"},    {"xtrabackup_checkpoints", "cp"}};
    for (const auto& [rel, data] : files) {
      ASSERT_TRUE(io::CreateDirs(fs, io::JoinPath("b", io::ParentDir(rel))).ok());
      ASSERT_TRUE(io::WriteStringToFile(fs, "b/" + rel, data).ok());
      if (rel != "xtrabackup_checkpoints") {
        ASSERT_TRUE(EncodeFile(fs, "b", rel, suffix, &key_).ok());
      }
    }
  }
  // What DecodeForPrepare leaves: the needed files plain, the others still encoded.
  std::vector<std::string> Decoded(const std::string& suffix = ".zst.tmenc") {
    return {"aria_log.00000001" + suffix, "backup-my.cnf", "db/m.MYD" + suffix, "db/n.new",
            "db/t.frm" + suffix, "db/t.ibd", "ib_logfile0", "sys1", "sys2", "undo001",
            "xtrabackup_checkpoints", "xtrabackup_info"};
  }
  MemFileSystem fs_;
  io::CryptKey key_;
};

TEST(PrepareNeedsPlainTest, InnodbRedoDeltasMarkersAndMetadata) {
  const std::set<std::string> sys = {"sys1"};
  for (const char* yes : {"ibdata1", "sys1", "undo001", "ib_logfile0", "backup-my.cnf",
                          "xtrabackup_info", "xtrabackup_binlog_info", "db/t.ibd", "db/t.isl",
                          "db/t.new", "db/t.ren", "db/t.del", "db/t.ibd.delta", "db/t.ibd.meta",
                          "ibdata1.delta", "undo001.meta"}) {
    EXPECT_TRUE(PrepareNeedsPlain(yes, sys)) << yes;
  }
  for (const char* no : {"db/t.frm", "db/t.MYD", "db/t.MAI", "db/t.CSV", "db/db.opt",
                         "aria_log_control", "ib_buffer_pool", "db/xtrabackup_info", "undoX",
                         "sys2", "db/.ibd"}) {
    EXPECT_FALSE(PrepareNeedsPlain(no, sys)) << no;
  }
}

TEST_F(PrepareDecodeTest, DecodesWhatPrepareReadsAndLeavesTheRest) {
  Build();
  std::vector<std::string> seen;
  TM_ASSERT_OK_AND_ASSIGN(DecodeFilesResult r,
                          DecodeForPrepare(
                              fs_, "b", &key_, 2, [&](size_t n) { EXPECT_EQ(n, 8u); },
                              [&](std::string_view f) { seen.emplace_back(f); }));
  EXPECT_EQ(r.files, 8u);
  EXPECT_EQ(seen.size(), 8u);
  const auto tree = Tree(fs_, "b");
  EXPECT_EQ(Names(tree), Decoded());
  EXPECT_EQ(tree.at("db/t.ibd"), PatternBytes(30000, 4));
  EXPECT_EQ(tree.at("sys2"), PatternBytes(9000, 2)) << "a system file named in backup-my.cnf";
  EXPECT_EQ(tree.at("backup-my.cnf"), kCnf);
}

TEST_F(PrepareDecodeTest, CompressedOnlyNeedsNoKey) {
  Build(".zst");
  TM_ASSERT_OK(DecodeForPrepare(fs_, "b", nullptr, 1).status());
  EXPECT_EQ(Names(Tree(fs_, "b")), Decoded(".zst"));
}

TEST_F(PrepareDecodeTest, PlainBackupIsLeftAlone) {
  ASSERT_TRUE(io::CreateDirs(fs_, "b/db").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/db/t.ibd", "t").ok());
  TM_ASSERT_OK_AND_ASSIGN(DecodeFilesResult r, DecodeForPrepare(fs_, "b", nullptr, 1));
  EXPECT_EQ(r.files, 0u);
}

TEST_F(PrepareDecodeTest, NoKeyChangesNothing) {
  Build();
  const auto before = Tree(fs_, "b");
  absl::Status s = DecodeForPrepare(fs_, "b", nullptr, 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "'b/backup-my.cnf.zst.tmenc' is encrypted: no key given (--encrypt-key-file or "
            "TIDEMARK_ENCRYPT_KEY)");
  EXPECT_EQ(Tree(fs_, "b"), before);
}

TEST_F(PrepareDecodeTest, WrongKeyChangesNothing) {
  Build();
  const auto before = Tree(fs_, "b");
  io::CryptKey wrong;
  wrong.bytes.fill(4);
  absl::Status s = DecodeForPrepare(fs_, "b", &wrong, 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("'b/backup-my.cnf.zst.tmenc': wrong key"));
  EXPECT_EQ(Tree(fs_, "b"), before);
}

TEST_F(PrepareDecodeTest, DamagedFileIsNamedAndKeptRerunFinishesOnceRepaired) {
  Build();
  const std::string good = *io::ReadFileToString(fs_, "b/db/t.ibd.zst.tmenc");
  std::string bad = good;
  bad[bad.size() / 2] ^= 0x40;
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/db/t.ibd.zst.tmenc", bad).ok());
  absl::Status s = DecodeForPrepare(fs_, "b", &key_, 2).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("decrypt 'b/db/t.ibd.zst.tmenc' chunk"));
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.ibd.zst.tmenc"), bad);
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd").ok());
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd.tidemark-tmp").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/db/t.ibd.zst.tmenc", good).ok());
  TM_ASSERT_OK(DecodeForPrepare(fs_, "b", &key_, 2).status());
  EXPECT_EQ(Names(Tree(fs_, "b")), Decoded());
}

// A failure at any write, sync, rename or removal, then a rerun: the same plain files, no
// encoded original of a needed file and no temporary left.
TEST_F(PrepareDecodeTest, RerunAfterAnyFailureFinishes) {
  Build();
  TM_ASSERT_OK(DecodeForPrepare(fs_, "b", &key_, 1).status());
  const auto want = HideEncoded(Tree(fs_, "b"));
  int failed = 0;
  for (FsOp op : {FsOp::kWrite, FsOp::kSync, FsOp::kRename, FsOp::kRemove}) {
    for (int n = 1; n < 40; ++n) {
      MemFileSystem base;
      Build(base);
      FaultInjectionFileSystem faulty(base);
      faulty.FailNth(op, n, EIO);
      if (DecodeForPrepare(faulty, "b", &key_, 1).ok()) continue;
      ++failed;
      faulty.Reset();
      TM_ASSERT_OK(DecodeForPrepare(faulty, "b", &key_, 1).status());
      EXPECT_TRUE(HideEncoded(Tree(base, "b")) == want) << "after failing op " << int(op) << " #" << n;
    }
  }
  EXPECT_GT(failed, 30);
}

TEST_F(PrepareDecodeTest, DecodeCopyReadsOnlyTheSource) {
  Build();
  const auto before = Tree(fs_, "b");
  TM_ASSERT_OK_AND_ASSIGN(DecodeFilesResult r, DecodeCopy(fs_, "b", "scratch", &key_));
  EXPECT_EQ(r.files, 11u);
  EXPECT_EQ(Tree(fs_, "b"), before);
  const auto copy = Tree(fs_, "scratch");
  EXPECT_EQ(copy.at("db/t.frm"), "frm");
  EXPECT_EQ(copy.at("xtrabackup_checkpoints"), "cp");
  EXPECT_EQ(copy.size(), 12u);
}

TEST_F(PrepareDecodeTest, DecodeCopyWithoutKeyCreatesNothing) {
  Build();
  EXPECT_EQ(DecodeCopy(fs_, "b", "scratch", nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs_.Stat("scratch").ok());
  EXPECT_THAT(HasEncodedFiles(fs_, "b").value(), true);
}

}  // namespace
}  // namespace tidemark::engine
