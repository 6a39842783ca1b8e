// Tests of reading the base of an incremental: the LSN from --incremental-lsn or the base's
// xtrabackup_checkpoints, the base's identity from tidemark_manifest.json or xtrabackup_info,
// the option checks, and every way a base is refused, with exact codes and messages.
#include "engine/incremental_base.h"

#include <string>

#include "absl/strings/match.h"
#include "engine/backup_metadata.h"
#include "engine/manifest.h"
#include "gtest/gtest.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;

constexpr char kBase[] = "/backups/full";

class IncrementalBaseTest : public ::testing::Test {
 protected:
  void SetUp() override { TM_ASSERT_OK(io::CreateDirs(fs_, kBase)); }

  void Write(const std::string& name, const std::string& text) {
    TM_ASSERT_OK(io::WriteStringToFile(fs_, io::JoinPath(kBase, name), text));
  }
  void WriteCheckpoints(BackupType type, uint64_t to_lsn) {
    Write("xtrabackup_checkpoints",
          FormatXtrabackupCheckpoints(
              {.backup_type = type, .to_lsn = Lsn(to_lsn), .last_lsn = Lsn(to_lsn + 10)}));
  }
  void WriteInfo(const std::string& tool, const std::string& uuid, uint64_t to_lsn) {
    XtrabackupInfo xi;
    xi.tool_name = tool;
    xi.uuid = uuid;
    xi.innodb_to_lsn = Lsn(to_lsn);
    Write("xtrabackup_info", FormatXtrabackupInfo(xi));
  }
  void WriteManifestFile(const std::string& uuid, uint64_t to_lsn) {
    Manifest m;
    m.backup_uuid = uuid;
    m.to_lsn = Lsn(to_lsn);
    TM_ASSERT_OK(WriteManifest(fs_, kBase, m));
  }
  absl::StatusOr<IncrementalBase> Resolve(IncrementalMode mode = IncrementalMode::kAuto) {
    return ResolveIncrementalBase(fs_, {.basedir = kBase, .mode = mode});
  }

  MemFileSystem fs_;
};

TEST_F(IncrementalBaseTest, LsnOptionNeedsNoDirectory) {
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, ResolveIncrementalBase(fs_, {.lsn = Lsn(1234)}));
  EXPECT_EQ(b.lsn, Lsn(1234));
  EXPECT_EQ(b.basedir, "");
  EXPECT_EQ(b.backup_uuid, "");
  EXPECT_EQ(b.mode, IncrementalMode::kAuto);  // decided by the backup
}

TEST_F(IncrementalBaseTest, TidemarkBaseIsNamedByItsManifest) {
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  WriteInfo("tidemark", "info-uuid", 5000);
  WriteManifestFile("manifest-uuid", 5000);
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve());
  EXPECT_EQ(b.lsn, Lsn(5000));
  EXPECT_EQ(b.basedir, kBase);
  EXPECT_EQ(b.backup_uuid, "manifest-uuid");
}

TEST_F(IncrementalBaseTest, PreparedBaseWithAppliedIncrementalIsNamedByTheLastOne) {
  // mariadb-backup --prepare --incremental-dir moved to_lsn on and copied the incremental's
  // xtrabackup_info; the full backup's own manifest still ends at 5000.
  WriteCheckpoints(BackupType::kLogApplied, 7000);
  WriteInfo("tidemark", "incremental-uuid", 7000);
  WriteManifestFile("full-uuid", 5000);
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve());
  EXPECT_EQ(b.lsn, Lsn(7000));
  EXPECT_EQ(b.backup_uuid, "incremental-uuid");
}

TEST_F(IncrementalBaseTest, MariadbBackupBaseIsNamedByXtrabackupInfo) {
  WriteCheckpoints(BackupType::kIncremental, 6000);
  WriteInfo("mariadb-backup", "mb-uuid", 6000);
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve());
  EXPECT_EQ(b.lsn, Lsn(6000));
  EXPECT_EQ(b.backup_uuid, "mb-uuid");
}

TEST_F(IncrementalBaseTest, BaseWithoutInfoIsUnnamed) {
  WriteCheckpoints(BackupType::kFullBackuped, 6000);
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve());
  EXPECT_EQ(b.lsn, Lsn(6000));
  EXPECT_EQ(b.backup_uuid, "");
}

TEST_F(IncrementalBaseTest, GarbledInfoOnlyLeavesTheBaseUnnamed) {
  WriteCheckpoints(BackupType::kFullBackuped, 6000);
  Write("xtrabackup_info", "garbage\n");
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve());
  EXPECT_EQ(b.backup_uuid, "");
}

TEST_F(IncrementalBaseTest, MissingDirectory) {
  auto b = ResolveIncrementalBase(fs_, {.basedir = "/backups/nope"});
  EXPECT_EQ(b.status(), absl::NotFoundError("incremental base '/backups/nope' does not exist"));
  EXPECT_TRUE(IsIncrementalBaseError(b.status()));
}

TEST_F(IncrementalBaseTest, DirectoryWithoutCheckpoints) {
  EXPECT_EQ(Resolve().status(),
            absl::NotFoundError("incremental base '/backups/full': no xtrabackup_checkpoints "
                                "(not a backup directory)"));
}

TEST_F(IncrementalBaseTest, GarbledCheckpoints) {
  Write("xtrabackup_checkpoints", "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = x\n");
  auto b = Resolve();
  EXPECT_EQ(b.status(), absl::DataLossError(
                            "incremental base '/backups/full': "
                            "'/backups/full/xtrabackup_checkpoints' line 3: to_lsn = 'x' is not a "
                            "number"));
  EXPECT_TRUE(IsIncrementalBaseError(b.status()));
}

TEST_F(IncrementalBaseTest, IncompleteTidemarkBase) {
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  WriteInfo("tidemark", "u", 5000);
  EXPECT_EQ(Resolve().status(),
            absl::NotFoundError("incremental base '/backups/full': backup '/backups/full' is "
                                "incomplete: no tidemark_manifest.json (the backup did not "
                                "finish)"));
}

TEST_F(IncrementalBaseTest, DamagedManifest) {
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  Write("tidemark_manifest.json", "{\"format\": ");
  auto b = Resolve();
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(b.status().message(), "incremental base '/backups/full': manifest "))
      << b.status();
}

TEST_F(IncrementalBaseTest, BothSourcesAreAnOptionError) {
  auto b = ResolveIncrementalBase(fs_, {.basedir = kBase, .lsn = Lsn(1)});
  EXPECT_EQ(b.status(), absl::InvalidArgumentError(
                            "--incremental-basedir and --incremental-lsn are mutually exclusive"));
  EXPECT_FALSE(IsIncrementalBaseError(b.status()));
}

TEST_F(IncrementalBaseTest, NoSourceIsAnOptionError) {
  EXPECT_EQ(ResolveIncrementalBase(fs_, {.mode = IncrementalMode::kScan}).status(),
            absl::InvalidArgumentError(
                "an incremental backup needs --incremental-basedir or --incremental-lsn"));
}

TEST_F(IncrementalBaseTest, RequestedModeAndTrackingDirAreKept) {
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  TM_ASSERT_OK_AND_ASSIGN(
      IncrementalBase b,
      ResolveIncrementalBase(fs_, {.basedir = kBase, .mode = IncrementalMode::kRedo,
                                   .page_tracking_dir = "/track"}));
  EXPECT_EQ(b.mode, IncrementalMode::kRedo);
  EXPECT_EQ(b.page_tracking_dir, "/track");
}

TEST_F(IncrementalBaseTest, TrackingDirWithScanModeIsAnOptionError) {
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  EXPECT_EQ(ResolveIncrementalBase(fs_, {.basedir = kBase, .mode = IncrementalMode::kScan,
                                         .page_tracking_dir = "/track"})
                .status(),
            absl::InvalidArgumentError(
                "--page-tracking-dir is for --incremental-mode=redo or auto, not scan"));
}

TEST_F(IncrementalBaseTest, SpaceIdsOfTheBaseFromDataFilesAndMetas) {
  WriteCheckpoints(BackupType::kIncremental, 5000);
  auto put = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    Write(name, std::string(bytes.begin(), bytes.end()));
  };
  TM_ASSERT_OK(io::CreateDirs(fs_, io::JoinPath(kBase, "db")));
  put("db/a.ibd", testing::TablespaceBuilder(0x15, 12, 4).Build());
  put("db/b.new", testing::TablespaceBuilder(0x15, 7, 4).Build());
  put("undo001", testing::TablespaceBuilder(0x15, 1, 4).Build());
  Write("db/c.ibd.meta", "page_size = 16384\nzip_size = 0\nspace_id = 30\n");
  Write("db/c.ibd.delta", "not read");
  Write("ibdata1", "not read: the system tablespace is always there");
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve(IncrementalMode::kScan));
  ASSERT_TRUE(b.spaces.has_value());
  EXPECT_EQ(*b.spaces, (std::vector<uint32_t>{0, 1, 7, 12, 30}));
}

TEST_F(IncrementalBaseTest, SpaceIdsFromTheManifestWhenItEndsAtTheBase) {
  // An --extra-lsndir, or a compressed backup: no readable data files, only the records.
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  Manifest m;
  m.backup_uuid = "u";
  m.to_lsn = Lsn(5000);
  m.files = {{"db/a.ibd", 65536, "99aa06d3014798d86001c324468d497f",
              FileKind::kInnodbTablespace, TablespaceFileInfo{12, 16384, 4},
              StoredForm{".zst", 100, "99aa06d3014798d86001c324468d497f"}},
             {"db/c.ibd.delta", 0, "99aa06d3014798d86001c324468d497f", FileKind::kInnodbDelta,
              TablespaceFileInfo{30, 16384, 0}},
             {"db/c.frm", 10, "99aa06d3014798d86001c324468d497f", FileKind::kNonInnodb,
              std::nullopt}};
  TM_ASSERT_OK(WriteManifest(fs_, kBase, m));
  TM_ASSERT_OK(io::CreateDirs(fs_, io::JoinPath(kBase, "db")));
  Write("db/a.ibd.zst", "compressed: not a tablespace");
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve(IncrementalMode::kScan));
  ASSERT_TRUE(b.spaces.has_value());
  EXPECT_EQ(*b.spaces, (std::vector<uint32_t>{0, 12, 30}));
  // A manifest that does not end at the base (an incremental was applied into it) is not
  // used: the files are read, and the compressed one is not a data file, so its space counts
  // as not in the base (its pages are all taken: larger, never wrong).
  WriteCheckpoints(BackupType::kFullBackuped, 6000);
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase c, Resolve(IncrementalMode::kScan));
  ASSERT_TRUE(c.spaces.has_value());
  EXPECT_EQ(*c.spaces, (std::vector<uint32_t>{0}));
}

TEST_F(IncrementalBaseTest, UnreadableDataFileLeavesTheSpacesUnknown) {
  WriteCheckpoints(BackupType::kFullBackuped, 5000);
  TM_ASSERT_OK(io::CreateDirs(fs_, io::JoinPath(kBase, "db")));
  Write("db/a.ibd", "short");
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase b, Resolve(IncrementalMode::kScan));
  EXPECT_FALSE(b.spaces.has_value());
  TM_ASSERT_OK_AND_ASSIGN(IncrementalBase l, ResolveIncrementalBase(fs_, {.lsn = Lsn(9)}));
  EXPECT_FALSE(l.spaces.has_value());  // --incremental-lsn: no base to read
}

TEST(CheckBaseAgainstServerTest, BaseAtOrBeforeTheServerIsFine) {
  TM_ASSERT_OK(CheckBaseAgainstServer({.lsn = Lsn(800), .basedir = "/b"}, Lsn(800)));
  TM_ASSERT_OK(CheckBaseAgainstServer({.lsn = Lsn(1)}, Lsn(800)));
}

TEST(CheckBaseAgainstServerTest, BaseAheadOfTheServerIsForeign) {
  const absl::Status s = CheckBaseAgainstServer({.lsn = Lsn(900), .basedir = "/b"}, Lsn(800));
  EXPECT_EQ(s, absl::FailedPreconditionError(
                   "incremental base '/b': its to_lsn 900 is ahead of the server's current LSN "
                   "800: the base is a backup of a different server (or of this one before its "
                   "data was replaced); take a full backup"));
  EXPECT_TRUE(IsIncrementalBaseError(s));
  EXPECT_EQ(CheckBaseAgainstServer({.lsn = Lsn(900)}, Lsn(800)),
            absl::FailedPreconditionError(
                "incremental base: LSN 900 (--incremental-lsn) is ahead of the server's current "
                "LSN 800: the base is a backup of a different server (or of this one before its "
                "data was replaced); take a full backup"));
}

TEST(IncrementalModeTest, NamesRoundTrip) {
  for (IncrementalMode m :
       {IncrementalMode::kScan, IncrementalMode::kRedo, IncrementalMode::kAuto}) {
    EXPECT_EQ(*ParseIncrementalMode(IncrementalModeName(m)), m);
  }
  EXPECT_EQ(
      ParseIncrementalMode("page").status(),
      absl::InvalidArgumentError("unknown incremental mode 'page' (expected scan, redo or auto)"));
}

}  // namespace
}  // namespace tidemark::engine
