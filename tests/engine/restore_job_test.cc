// Tests of restore (copy-back / move-back): what goes where, what stays behind, the
// refusals with their exact messages, owner and modes, --move with and without a file
// system boundary, and a full disk. MemFileSystem, FaultInjectionFileSystem and a recording
// PathAttributes stand in for the disk.
#include "engine/restore_job.h"

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/encoded_backup.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using testing::FaultInjectionFileSystem;
using testing::FsOp;
using ::testing::HasSubstr;
using testing::MemFileSystem;
using ::testing::UnorderedElementsAre;

constexpr const char* kPrepared =
    "backup_type = log-applied\nfrom_lsn = 0\nto_lsn = 100\nlast_lsn = 200\nrecover_binlog_info = "
    "0\n";
constexpr const char* kCnf =
    "[mysqld]\ninnodb_data_file_path=ibdata1:12M:autoextend\ninnodb_undo_directory=./\n";

class RecordingAttributes final : public PathAttributes {
 public:
  std::map<std::string, FileOwner> owners;  // what OwnerOf answers
  absl::StatusOr<FileOwner> OwnerOf(std::string_view path) override {
    auto it = owners.find(std::string(path));
    if (it == owners.end()) return absl::NotFoundError(absl::StrFormat("stat '%s'", path));
    return it->second;
  }
  absl::Status Apply(std::string_view path, const FileOwner& owner, uint32_t mode) override {
    absl::MutexLock lock(&mu);
    applied[std::string(path)] = {owner, mode};
    return absl::OkStatus();
  }
  absl::Mutex mu;
  std::map<std::string, std::pair<FileOwner, uint32_t>> applied;
};

void Put(io::FileSystem& fs, const std::string& path, std::string_view text) {
  ASSERT_TRUE(io::CreateDirs(fs, path.substr(0, path.rfind('/'))).ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, path, text).ok()) << path;
}

std::string Read(io::FileSystem& fs, const std::string& path) {
  auto s = io::ReadFileToString(fs, path);
  return s.ok() ? *s : "<" + std::string(s.status().message()) + ">";
}

// Every file under `dir`, relative.
std::vector<std::string> Files(io::FileSystem& fs, const std::string& dir,
                               const std::string& rel = "") {
  std::vector<std::string> out;
  auto entries = fs.ListDir(rel.empty() ? dir : dir + "/" + rel);
  if (!entries.ok()) return out;
  for (const auto& e : *entries) {
    const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.type == io::FileType::kDirectory) {
      auto sub = Files(fs, dir, child);
      if (sub.empty()) out.push_back(child + "/");
      out.insert(out.end(), sub.begin(), sub.end());
    } else {
      out.push_back(child);
    }
  }
  return out;
}

class RestoreJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Put(fs_, "/bk/xtrabackup_checkpoints", kPrepared);
    Put(fs_, "/bk/backup-my.cnf", kCnf);
    for (const char* f : {"xtrabackup_info", "xtrabackup_binlog_info", "ib_logfile0", "ibdata1",
                          "undo001", "aria_log_control", "db/t.ibd", "db/t.frm", "mysql/user.MAI",
                          "tidemark_manifest.json", "ib_buffer_pool", "db/x.qp"}) {
      Put(fs_, std::string("/bk/") + f, std::string("contents of ") + f);
    }
    ASSERT_TRUE(io::CreateDirs(fs_, "/bk/emptydb").ok());
    attributes_.owners["/"] = {.uid = 27, .gid = 28};
  }
  absl::StatusOr<RestoreResult> Run(RestoreOptions o, io::FileSystem* fs = nullptr) {
    if (o.backup_dir.empty()) o.backup_dir = "/bk";
    if (o.datadir.empty()) o.datadir = "/data";
    RestoreEnv env{.fs = fs ? *fs : fs_, .attributes = &attributes_};
    return RunRestore(o, env);
  }
  MemFileSystem fs_;
  RecordingAttributes attributes_;
};

TEST_F(RestoreJobTest, CopiesWhatBelongsInADatadirAndLeavesMetadataBehind) {
  TM_ASSERT_OK_AND_ASSIGN(RestoreResult r, Run({.parallel = 3}));
  EXPECT_THAT(
      Files(fs_, "/data"),
      UnorderedElementsAre("aria_log_control", "db/t.frm", "db/t.ibd", "emptydb/", "ib_logfile0",
                           "ibdata1", "mysql/user.MAI", "undo001", "xtrabackup_info"));
  EXPECT_EQ(Read(fs_, "/data/db/t.ibd"), "contents of db/t.ibd");
  EXPECT_EQ(r.files, 8u);
  EXPECT_EQ(r.skipped, 6u);  // cnf, checkpoints, binlog_info, manifest, ib_buffer_pool, .qp
  EXPECT_EQ(r.renamed, 0u);
  EXPECT_EQ(Read(fs_, "/bk/db/t.ibd"), "contents of db/t.ibd");  // the backup is intact
}

TEST_F(RestoreJobTest, OwnerOfTheNearestExistingParentAndServerModes) {
  TM_ASSERT_OK(Run({}).status());
  const FileOwner owner{.uid = 27, .gid = 28};
  EXPECT_EQ(attributes_.applied["/data"], std::make_pair(owner, 0700u));
  EXPECT_EQ(attributes_.applied["/data/db"], std::make_pair(owner, 0700u));
  EXPECT_EQ(attributes_.applied["/data/emptydb"], std::make_pair(owner, 0700u));
  EXPECT_EQ(attributes_.applied["/data/db/t.ibd"], std::make_pair(owner, 0660u));
  EXPECT_EQ(attributes_.applied["/data/ibdata1"], std::make_pair(owner, 0660u));
}

TEST_F(RestoreJobTest, AnExistingEmptyDatadirGivesItsOwner) {
  ASSERT_TRUE(fs_.CreateDir("/data").ok());
  attributes_.owners["/data"] = {.uid = 100, .gid = 101};
  TM_ASSERT_OK(Run({}).status());
  EXPECT_EQ(attributes_.applied["/data/db/t.frm"].first, (FileOwner{.uid = 100, .gid = 101}));
  EXPECT_EQ(attributes_.applied.count("/data"), 0u);  // not created, not touched
}

TEST_F(RestoreJobTest, InnodbDirectoriesFromBackupMyCnf) {
  Put(fs_, "/bk/backup-my.cnf",
      "[mysqld]\ninnodb_data_file_path=ibdata1:12M:autoextend\ninnodb_undo_directory=undo\n"
      "innodb_data_home_dir=/ibdata/\ninnodb_log_group_home_dir=/logs\n");
  TM_ASSERT_OK(Run({}).status());
  EXPECT_EQ(Read(fs_, "/ibdata/ibdata1"), "contents of ibdata1");
  EXPECT_EQ(Read(fs_, "/data/undo/undo001"), "contents of undo001");
  EXPECT_EQ(Read(fs_, "/logs/ib_logfile0"), "contents of ib_logfile0");
  EXPECT_FALSE(fs_.Stat("/data/ibdata1").ok());
}

TEST_F(RestoreJobTest, FlagsOverrideBackupMyCnf) {
  TM_ASSERT_OK(Run({.log_dir = "/redo"}).status());
  EXPECT_EQ(Read(fs_, "/redo/ib_logfile0"), "contents of ib_logfile0");
}

TEST_F(RestoreJobTest, IslTablespaceGoesWhereItsIslPoints) {
  Put(fs_, "/bk/db/far.isl", "/fast/db/far.ibd\n");
  Put(fs_, "/bk/db/far.ibd", "far pages");
  TM_ASSERT_OK(Run({}).status());
  EXPECT_EQ(Read(fs_, "/fast/db/far.ibd"), "far pages");
  EXPECT_EQ(Read(fs_, "/data/db/far.isl"), "/fast/db/far.ibd\n");
  EXPECT_FALSE(fs_.Stat("/data/db/far.ibd").ok());
}

TEST_F(RestoreJobTest, RefusesANonEmptyDatadir) {
  Put(fs_, "/data/ibdata1", "old");
  Put(fs_, "/data/mysql/db.opt", "old");
  auto r = Run({});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "datadir '/data' is not empty: it holds 'ibdata1', 'mysql'");
  EXPECT_EQ(Read(fs_, "/data/ibdata1"), "old");
}

TEST_F(RestoreJobTest, NonEmptyMessageNamesFiveEntries) {
  for (int i = 0; i < 7; ++i) Put(fs_, absl::StrFormat("/data/f%d", i), "x");
  auto r = Run({});
  EXPECT_EQ(r.status().message(),
            "datadir '/data' is not empty: it holds 'f0', 'f1', 'f2', 'f3', 'f4' and 2 more");
}

TEST_F(RestoreJobTest, RefusesADatadirThatIsAFile) {
  Put(fs_, "/data", "x");
  auto r = Run({});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "datadir '/data' is not a directory");
}

TEST_F(RestoreJobTest, RefusesAnUnpreparedBackup) {
  Put(fs_, "/bk/xtrabackup_checkpoints",
      "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 100\nlast_lsn = 200\n");
  auto r = Run({});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "backup '/bk' is not prepared (xtrabackup_checkpoints says backup_type = "
            "full-backuped): run 'tidemark prepare --target-dir /bk' first");
  EXPECT_FALSE(fs_.Stat("/data").ok());
}

TEST_F(RestoreJobTest, RefusesABackupWithAPrepareJournal) {
  Put(fs_, "/bk/tidemark_prepare.journal", "half done");
  auto r = Run({});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "backup '/bk' has an unfinished tidemark prepare (tidemark_prepare.journal): run "
            "'tidemark prepare --target-dir /bk' again to finish it");
}

TEST_F(RestoreJobTest, MissingCheckpointsIsNotFound) {
  ASSERT_TRUE(fs_.RemoveFile("/bk/xtrabackup_checkpoints").ok());
  EXPECT_EQ(Run({}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RestoreJobTest, DiskFullNamesTheFile) {
  FaultInjectionFileSystem faulty(fs_);
  faulty.FailWritesAfter(30);
  auto r = Run({.parallel = 1}, &faulty);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("No space left on device"));
  EXPECT_THAT(std::string(r.status().message()),
              ::testing::MatchesRegex("restore '/bk/[^']+' to '/data/[^']+': write .*"));
}

TEST_F(RestoreJobTest, MoveRenamesAndEmptiesTheBackup) {
  TM_ASSERT_OK_AND_ASSIGN(RestoreResult r, Run({.move = true}));
  EXPECT_EQ(r.renamed, 8u);
  EXPECT_EQ(Read(fs_, "/data/db/t.ibd"), "contents of db/t.ibd");
  EXPECT_FALSE(fs_.Stat("/bk/db/t.ibd").ok());
  EXPECT_TRUE(fs_.Stat("/bk/xtrabackup_checkpoints").ok());  // metadata stays
  EXPECT_EQ(attributes_.applied["/data/db/t.ibd"].second, 0660u);
}

TEST_F(RestoreJobTest, MoveAcrossFileSystemsCopiesThenRemoves) {
  FaultInjectionFileSystem faulty(fs_);
  faulty.FailPath(FsOp::kRename, "*", EXDEV);
  TM_ASSERT_OK_AND_ASSIGN(RestoreResult r, Run({.move = true}, &faulty));
  EXPECT_EQ(r.renamed, 0u);
  EXPECT_EQ(r.files, 8u);
  EXPECT_EQ(Read(fs_, "/data/ibdata1"), "contents of ibdata1");
  EXPECT_FALSE(fs_.Stat("/bk/ibdata1").ok());
}

TEST_F(RestoreJobTest, MoveStopsOnOtherRenameErrors) {
  FaultInjectionFileSystem faulty(fs_);
  faulty.FailPath(FsOp::kRename, "*", EACCES);
  auto r = Run({.move = true}, &faulty);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(SkippedOnRestoreTest, MariadbBackupsListAndTidemarksFiles) {
  for (const char* f : {"backup-my.cnf", "xtrabackup_checkpoints", "xtrabackup_binlog_info",
                        "xtrabackup_binary", "db/t.ibd.qp", "x.pmap", "db/t.tmp", "ib_buffer_pool",
                        "tidemark_manifest.json", "tidemark_prepare.journal"}) {
    EXPECT_TRUE(SkippedOnRestore(f)) << f;
  }
  for (const char* f : {"xtrabackup_info", "xtrabackup_binlog_pos_innodb", "ibdata1", "db/t.ibd",
                        "db/tidemark_x.frm", "aria_log.00000001", "ib_logfile0"}) {
    EXPECT_FALSE(SkippedOnRestore(f)) << f;
  }
}

// ------------------------------------------ compressed and encrypted files (encoded_file.h)

// A prepared backup of a compressed and encrypted backup: prepare decoded the InnoDB files
// and metadata; the non-InnoDB files are still stored encoded.
class EncodedRestoreTest : public RestoreJobTest {
 protected:
  void SetUp() override {
    RestoreJobTest::SetUp();
    key_.bytes.fill(6);
    Encode("db/t.frm", ".zst");
    Encode("mysql/user.MAI", ".tmenc");
    Encode("aria_log_control", ".zst.tmenc");
    Encode("xtrabackup_info", ".zst.tmenc");
    Encode("db/x.qp", ".zst");
  }
  void Encode(const std::string& rel, const std::string& suffix) {
    ASSERT_TRUE(::tidemark::testing::EncodeFile(fs_, "/bk", rel, suffix, &key_).ok()) << rel;
  }
  io::CryptKey key_;
};

TEST_F(EncodedRestoreTest, DecodesWhileCopyingUnderThePlainNames) {
  TM_ASSERT_OK_AND_ASSIGN(RestoreResult r, Run({.parallel = 3, .key = &key_}));
  EXPECT_THAT(
      Files(fs_, "/data"),
      UnorderedElementsAre("aria_log_control", "db/t.frm", "db/t.ibd", "emptydb/", "ib_logfile0",
                           "ibdata1", "mysql/user.MAI", "undo001", "xtrabackup_info"));
  EXPECT_EQ(Read(fs_, "/data/db/t.frm"), "contents of db/t.frm");
  EXPECT_EQ(Read(fs_, "/data/aria_log_control"), "contents of aria_log_control");
  EXPECT_EQ(Read(fs_, "/data/mysql/user.MAI"), "contents of mysql/user.MAI");
  EXPECT_EQ(r.files, 8u);
  EXPECT_EQ(r.decoded, 4u);
  EXPECT_EQ(r.skipped, 6u);  // x.qp.zst is a .qp file
  EXPECT_EQ(attributes_.applied["/data/db/t.frm"],
            std::make_pair(FileOwner{.uid = 27, .gid = 28}, 0660u));
  EXPECT_EQ(fs_.Stat("/data/db/t.frm")->mode, 0660u);
  EXPECT_TRUE(fs_.Stat("/bk/db/t.frm.zst").ok()) << "copy-back leaves the backup intact";
}

TEST_F(EncodedRestoreTest, MoveRemovesTheStoredFileOnceDecoded) {
  TM_ASSERT_OK_AND_ASSIGN(RestoreResult r, Run({.move = true, .key = &key_}));
  EXPECT_EQ(r.decoded, 4u);
  EXPECT_EQ(Read(fs_, "/data/mysql/user.MAI"), "contents of mysql/user.MAI");
  EXPECT_FALSE(fs_.Stat("/bk/mysql/user.MAI.tmenc").ok());
  EXPECT_FALSE(fs_.Stat("/bk/db/t.frm.zst").ok());
  EXPECT_TRUE(fs_.Stat("/bk/db/x.qp.zst").ok()) << "skipped files stay";
}

TEST_F(EncodedRestoreTest, NoKeyIsRefusedBeforeAnythingIsWritten) {
  absl::StatusOr<RestoreResult> r = Run({});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "'/bk/aria_log_control.zst.tmenc' is encrypted: no key given (--encrypt-key-file or "
            "TIDEMARK_ENCRYPT_KEY)");
  EXPECT_FALSE(fs_.Stat("/data").ok());
}

TEST_F(EncodedRestoreTest, WrongKeyIsRefusedBeforeAnythingIsWritten) {
  io::CryptKey wrong;
  absl::StatusOr<RestoreResult> r = Run({.key = &wrong});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("'/bk/aria_log_control.zst.tmenc': wrong key"));
  EXPECT_FALSE(fs_.Stat("/data").ok());
}

TEST_F(EncodedRestoreTest, DamagedFileIsDataLossAndLeavesNoDestination) {
  std::string bytes = Read(fs_, "/bk/db/t.frm.zst");
  bytes[bytes.size() - 2] ^= 0x10;  // the frame's content checksum
  Put(fs_, "/bk/db/t.frm.zst", bytes);
  absl::StatusOr<RestoreResult> r = Run({.key = &key_});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(),
              HasSubstr("restore '/bk/db/t.frm.zst' to '/data/db/t.frm': decompress "
                        "'/bk/db/t.frm.zst'"));
  EXPECT_FALSE(fs_.Stat("/data/db/t.frm").ok());
}

TEST_F(EncodedRestoreTest, PlainAndEncodedFormsOfOneFileAreRefused) {
  Put(fs_, "/bk/db/t.frm", "a second t.frm");
  absl::StatusOr<RestoreResult> r = Run({.key = &key_});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "backup '/bk' holds both 'db/t.frm' and 'db/t.frm.zst': remove the one that is not "
            "the file");
}

TEST_F(EncodedRestoreTest, EncodedBackupMyCnfAndIslAreRead) {
  Put(fs_, "/bk/backup-my.cnf",
      "[mysqld]\ninnodb_data_file_path=ibdata1:12M:autoextend\ninnodb_data_home_dir=/ibdata/\n");
  Encode("backup-my.cnf", ".zst.tmenc");
  Put(fs_, "/bk/db/remote.ibd", "remote");
  Put(fs_, "/bk/db/remote.isl", "/elsewhere/remote.ibd\n");
  Encode("db/remote.isl", ".zst");
  TM_ASSERT_OK(Run({.key = &key_}).status());
  EXPECT_EQ(Read(fs_, "/ibdata/ibdata1"), "contents of ibdata1");
  EXPECT_EQ(Read(fs_, "/elsewhere/remote.ibd"), "remote");
  EXPECT_EQ(Read(fs_, "/data/db/remote.isl"), "/elsewhere/remote.ibd\n");
}

}  // namespace
}  // namespace tidemark::engine
