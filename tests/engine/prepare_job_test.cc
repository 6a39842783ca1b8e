// Tests of the prepare job on MemFileSystem: a small backup (a file-per-table tablespace,
// a backup-format ib_logfile0 built with MtrBuilder, xtrabackup_checkpoints) is prepared;
// the pages must carry the log's bytes, LSN and checksum, the log and metadata must be
// replaced; interrupted prepares (a failed write, a torn write, at every point) must be
// completed by a rerun into exactly the bytes of an uninterrupted prepare.
#include "engine/prepare_job.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/backup_metadata.h"
#include "engine/prepare_journal.h"
#include "engine/prepare_log.h"
#include "gtest/gtest.h"
#include "innodb/apply/page_apply.h"
#include "innodb/page/fil_page.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_writer.h"
#include "tests/support/encoded_backup.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using innodb::MtrBuilder;
using innodb::RedoPageId;
using ::tidemark::testing::EncodeBackup;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::TablespaceBuilder;

constexpr uint32_t kFlags = 0x15;  // full_crc32, 16 KiB
constexpr uint32_t kPage = 16384;
constexpr uint64_t kC = 50000;
const std::string kDir = "bk";

RedoPageId Pid(uint32_t space, uint32_t page) { return {SpaceId(space), PageNo(page)}; }

std::string Read(io::FileSystem& fs, const std::string& path) {
  auto s = io::ReadFileToString(fs, path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

void Put(io::FileSystem& fs, const std::string& path, ByteSpan bytes) {
  ASSERT_TRUE(io::WriteStringToFile(fs, path, std::string(bytes.begin(), bytes.end())).ok());
}

// A backup with test/t.ibd (space 5, 8 pages) and a log of `mtrs` after the checkpoint mtr.
class BackupBuilder {
 public:
  explicit BackupBuilder(io::FileSystem& fs) : fs_(fs) {
    EXPECT_TRUE(io::CreateDirs(fs, kDir + "/test").ok());
    log_ = innodb::BuildBackupLogHead(innodb::LogHeader{}, {Lsn(kC), Lsn(kC)}, "10.11.19");
    Mtr(MtrBuilder().FileModify(SpaceId(5), "./test/t.ibd").FileCheckpoint(Lsn(kC)));
  }
  BackupBuilder& Mtr(const MtrBuilder& b) {
    const std::vector<uint8_t> m = innodb::EncodeMtr(b.records(), 1);
    log_.insert(log_.end(), m.begin(), m.end());
    return *this;
  }
  Lsn end() const { return Lsn(kC + log_.size() - innodb::kLogStartOffset); }
  void Write(const std::string& type = "full-backuped") {
    std::vector<uint8_t> t = TablespaceBuilder(kFlags, 5, 8).Build();
    Put(fs_, kDir + "/test/t.ibd", t);
    Put(fs_, kDir + "/ib_logfile0", log_);
    const std::string cp = absl::StrFormat(
        "backup_type = %s\nfrom_lsn = 0\nto_lsn = %d\nlast_lsn = %d\nrecover_binlog_info = 0\n",
        type, kC, end().value());
    ASSERT_TRUE(io::WriteStringToFile(fs_, kDir + "/xtrabackup_checkpoints", cp).ok());
  }

 private:
  io::FileSystem& fs_;
  std::vector<uint8_t> log_;
};

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// Three mtrs: two WRITEs on page 3, one on page 4.
void AddWrites(BackupBuilder& b) {
  b.Mtr(MtrBuilder().Write(Pid(5, 3), 200, Bytes("hello")));
  b.Mtr(MtrBuilder().Write(Pid(5, 3), 300, Bytes("world")).Write(Pid(5, 4), 120, Bytes("x")));
}

absl::StatusOr<PrepareResult> Prepare(io::FileSystem& fs, PrepareOptions o = {}) {
  o.target_dir = kDir;
  PrepareEnv env{.fs = fs};
  return RunPrepare(o, env);
}

std::map<std::string, std::string> Snapshot(io::FileSystem& fs) {
  std::map<std::string, std::string> out;
  for (const char* f : {"test/t.ibd", "ib_logfile0", "xtrabackup_checkpoints",
                        "xtrabackup_binlog_pos_innodb"}) {
    auto s = io::ReadFileToString(fs, kDir + "/" + f);
    out[f] = s.ok() ? *s : "<missing>";
  }
  return out;
}

TEST(PrepareJobTest, AppliesRedoStampsAndSealsPages) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  const std::string before = Read(fs, kDir + "/test/t.ibd");
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r, Prepare(fs));
  EXPECT_EQ(r.end_lsn, b.end());
  EXPECT_EQ(r.stats.pages_written, 2u);
  const std::string after = Read(fs, kDir + "/test/t.ibd");
  std::vector<uint8_t> page3(before.begin() + 3 * kPage, before.begin() + 4 * kPage);
  std::copy_n("hello", 5, page3.begin() + 200);
  std::copy_n("world", 5, page3.begin() + 300);
  const innodb::ApplySpaceFormat fmt{.page_size = PageSize::Uncompressed(kPage), .full_crc32 = true};
  innodb::StampPageLsn(fmt, b.end(), page3);
  innodb::SealPageForWrite(fmt, page3);
  EXPECT_EQ(after.substr(3 * kPage, kPage), std::string(page3.begin(), page3.end()));
  EXPECT_EQ(after.substr(0, 3 * kPage), before.substr(0, 3 * kPage));
}

TEST(PrepareJobTest, WritesPreparedLogAndMetadata) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  TM_ASSERT_OK(Prepare(fs).status());
  const std::vector<uint8_t> want = BuildPreparedLog(b.end(), "Backup 10.11.19");
  EXPECT_EQ(Read(fs, kDir + "/ib_logfile0"), std::string(want.begin(), want.end()));
  TM_ASSERT_OK_AND_ASSIGN(XtrabackupCheckpoints cp, ReadXtrabackupCheckpoints(fs, kDir));
  EXPECT_EQ(cp.backup_type, BackupType::kLogApplied);
  EXPECT_EQ(cp.last_lsn, b.end());
  EXPECT_EQ(Read(fs, kDir + "/xtrabackup_binlog_pos_innodb"), "\t0\n");
}

TEST(PrepareJobTest, ApplyLogOnlyLeavesTheChainOpen) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r, Prepare(fs, {.apply_log_only = true}));
  EXPECT_FALSE(r.chain_closed);
  TM_ASSERT_OK_AND_ASSIGN(XtrabackupCheckpoints cp, ReadXtrabackupCheckpoints(fs, kDir));
  EXPECT_EQ(cp.backup_type, BackupType::kLogApplied);
  EXPECT_EQ(Read(fs, kDir + "/tidemark_chain").find("closed"), std::string::npos);
  const auto once = Snapshot(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult again, Prepare(fs, {.apply_log_only = true}));
  EXPECT_TRUE(again.already_prepared);
  EXPECT_EQ(Snapshot(fs), once);
  // The final prepare closes it, and changes nothing else.
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult last, Prepare(fs));
  EXPECT_TRUE(last.chain_closed);
  EXPECT_EQ(Snapshot(fs), once);
  EXPECT_NE(Read(fs, kDir + "/tidemark_chain").find("\nclosed\n"), std::string::npos);
}

TEST(PrepareJobTest, PreparedBackupIsANoOp) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  TM_ASSERT_OK(Prepare(fs).status());
  const auto once = Snapshot(fs);
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult again, Prepare(fs));
  EXPECT_TRUE(again.already_prepared);
  EXPECT_EQ(Snapshot(fs), once);
}

TEST(PrepareJobTest, RefusesIncrementalBackup) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  b.Write("incremental");
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "'bk' is an incremental backup: prepare its full base, then apply it to the base");
}

TEST(PrepareJobTest, SeveralBatchesGiveTheSameBytes) {
  MemFileSystem one, many;
  for (io::FileSystem* fs : {static_cast<io::FileSystem*>(&one), static_cast<io::FileSystem*>(&many)}) {
    BackupBuilder b(*fs);
    AddWrites(b);
    b.Mtr(MtrBuilder().Write(Pid(5, 3), 400, Bytes("again")));
    b.Write();
  }
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r1, Prepare(one));
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r2, Prepare(many, {.parallel = 3, .batch_bytes = 1}));
  EXPECT_EQ(r1.batches, 1u);
  EXPECT_EQ(r2.batches, 3u);  // the first batch also holds the checkpoint mtr
  EXPECT_EQ(Snapshot(one), Snapshot(many));
}

TEST(PrepareJobTest, InitPageBeyondTheEndExtendsTheFile) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  std::vector<uint8_t> size(4);
  WriteBe32(size, 0, 12);
  b.Mtr(MtrBuilder().Write(Pid(5, 0), 46, size).InitPage(Pid(5, 10)));
  b.Write();
  TM_ASSERT_OK(Prepare(fs).status());
  TM_ASSERT_OK_AND_ASSIGN(io::FileInfo info, fs.Stat(kDir + "/test/t.ibd"));
  EXPECT_EQ(info.size, 12u * kPage);
  const std::string t = Read(fs, kDir + "/test/t.ibd");
  EXPECT_EQ(ReadBe32(ByteSpan(reinterpret_cast<const uint8_t*>(t.data()), t.size()),
                     10 * kPage + innodb::kFilPageOffset),
            10u);
}

TEST(PrepareJobTest, RecordBeyondTheEndIsDataLoss) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  b.Mtr(MtrBuilder().Write(Pid(5, 20), 100, Bytes("z")));
  b.Write();
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(),
            absl::StrFormat("tablespace 5 page 20 ('test/t.ibd'): beyond the end of the file (8 "
                            "pages) and not initialised by the log (first record at LSN %d)",
                            kC + 31));
}

// Found before anything is written, even when earlier batches have pages to write.
TEST(PrepareJobTest, RecordBeyondTheEndChangesNothing) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Mtr(MtrBuilder().Write(Pid(5, 20), 100, Bytes("z")));
  b.Write();
  const auto before = Snapshot(fs);
  EXPECT_EQ(Prepare(fs, {.batch_bytes = 1}).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Snapshot(fs), before);
}

TEST(PrepareJobTest, GarbledCheckpointsIsFailedPrecondition) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  b.Write();
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/xtrabackup_checkpoints", "backup_type = x\n").ok());
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("'bk/xtrabackup_checkpoints'"), std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find(": not a backup tidemark can prepare"), std::string::npos)
      << r.status();
}

// The survey runs before the DDL markers are resolved: a damaged log changes nothing.
TEST(PrepareJobTest, DamagedLogLeavesDdlMarkersAlone) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/test/x.ibd", "x").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/test/x.del", "").ok());
  std::string log = Read(fs, kDir + "/ib_logfile0");
  log.resize(log.size() - 3);
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/ib_logfile0", log).ok());
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message().rfind("ib_logfile0: ", 0), 0u) << r.status();
  EXPECT_TRUE(fs.Stat(kDir + "/test/x.ibd").ok());
  EXPECT_TRUE(fs.Stat(kDir + "/test/x.del").ok());
}

TEST(PrepareJobTest, EveryPhaseIsANote) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  std::vector<std::string> notes;
  PrepareEnv env{.fs = fs, .on_note = [&](std::string_view n) {
                   if (n.starts_with("phase: ")) notes.emplace_back(n);
                 }};
  TM_ASSERT_OK(RunPrepare({.target_dir = kDir}, env).status());
  EXPECT_EQ(notes, (std::vector<std::string>{"phase: recovering", "phase: scanning", "phase: ddl",
                                             "phase: applying", "phase: finishing", "phase: done"}));
}

TEST(PrepareJobTest, TablespaceWithoutFileIsDataLoss) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  b.Mtr(MtrBuilder().FileModify(SpaceId(9), "./test/gone.ibd"));
  b.Mtr(MtrBuilder().Write(Pid(9, 3), 100, Bytes("z")));
  b.Write();
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(r.status().message()),
            absl::StrFormat("tablespace 9 ('./test/gone.ibd', first record: page 3 at LSN %d): no "
                            "file in the backup holds it and the log does not delete it",
                            kC + 31 + 24));  // after the checkpoint and FILE_MODIFY mtrs
}

TEST(PrepareJobTest, DeletedTablespaceNeedsNoFile) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  b.Mtr(MtrBuilder().FileCreate(SpaceId(9), "./test/gone.ibd").InitPage(Pid(9, 0)));
  b.Mtr(MtrBuilder().FileDelete(SpaceId(9), "./test/gone.ibd"));
  b.Write();
  TM_ASSERT_OK(Prepare(fs).status());
}

TEST(PrepareJobTest, LogShorterThanLastLsnIsDataLoss) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  std::string log = Read(fs, kDir + "/ib_logfile0");
  log.resize(log.size() - 3);  // the last mtr loses its CRC
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/ib_logfile0", log).ok());
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("the redo log stops at LSN"), std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("incomplete"), std::string::npos) << r.status();
}

const io::CryptKey& TestKey() {
  static const io::CryptKey key = [] {
    io::CryptKey k;
    k.bytes.fill(9);
    return k;
  }();
  return key;
}

// The backup of BackupBuilder with AddWrites and a non-InnoDB file, stored with `suffix`
// ("" plain) as `tidemark backup --compress --encrypt` stores it.
void BuildBackup(io::FileSystem& fs, const std::string& suffix = "") {
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/test/t.frm", "frm").ok());
  if (!suffix.empty()) {
    ASSERT_TRUE(EncodeBackup(fs, kDir, suffix, &TestKey()).ok());
  }
}

// Every file of the backup with its bytes.
std::map<std::string, std::string> Tree(io::FileSystem& fs, const std::string& rel = "") {
  std::map<std::string, std::string> out;
  auto entries = fs.ListDir(rel.empty() ? kDir : kDir + "/" + rel);
  if (!entries.ok()) return out;
  for (const io::FileInfo& e : *entries) {
    const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.type == io::FileType::kDirectory) {
      out.merge(Tree(fs, child));
    } else {
      out[child] = Read(fs, kDir + "/" + child);
    }
  }
  return out;
}

TEST(PrepareJobTest, CompressedOrEncryptedBackupPreparesLikeThePlainOne) {
  MemFileSystem plain;
  BuildBackup(plain);
  TM_ASSERT_OK(Prepare(plain).status());
  for (const std::string suffix : {".zst", ".tmenc", ".zst.tmenc"}) {
    MemFileSystem fs;
    BuildBackup(fs, suffix);
    std::vector<std::string> notes;
    PrepareEnv env{.fs = fs, .on_note = [&](std::string_view n) { notes.emplace_back(n); }};
    TM_ASSERT_OK_AND_ASSIGN(PrepareResult r,
                            RunPrepare({.target_dir = kDir, .key = &TestKey()}, env));
    EXPECT_EQ(r.decoded_files, 2u) << suffix;  // test/t.ibd, ib_logfile0
    EXPECT_EQ(Snapshot(fs), Snapshot(plain)) << suffix;
    EXPECT_EQ(Read(fs, kDir + "/test/t.ibd"), Read(plain, kDir + "/test/t.ibd")) << suffix;
    EXPECT_TRUE(fs.Stat(kDir + "/test/t.frm" + suffix).ok()) << "restore decodes it";
    EXPECT_FALSE(fs.Stat(kDir + "/test/t.ibd" + suffix).ok());
    EXPECT_FALSE(fs.Stat(kDir + "/ib_logfile0" + suffix).ok());
    EXPECT_EQ(notes.front(), "phase: decoding");
    EXPECT_NE(std::find_if(notes.begin(), notes.end(),
                           [](const std::string& n) { return n.starts_with("decoded 2 "); }),
              notes.end());
  }
}

TEST(PrepareJobTest, PreparedEncryptedBackupNeedsNoKeyAgain) {
  MemFileSystem fs;
  BuildBackup(fs, ".zst.tmenc");
  TM_ASSERT_OK(Prepare(fs, {.key = &TestKey()}).status());
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult again, Prepare(fs));  // test/t.frm is still encrypted
  EXPECT_TRUE(again.already_prepared);
  EXPECT_EQ(again.decoded_files, 0u);
}

TEST(PrepareJobTest, EncryptedBackupWithoutKeyIsRefusedAndUnchanged) {
  MemFileSystem fs;
  BuildBackup(fs, ".zst.tmenc");
  const auto before = Tree(fs);
  absl::StatusOr<PrepareResult> r = Prepare(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "'bk/ib_logfile0.zst.tmenc' is encrypted: no key given (--encrypt-key-file or "
            "TIDEMARK_ENCRYPT_KEY)");
  EXPECT_EQ(Tree(fs), before);
}

TEST(PrepareJobTest, WrongKeyIsRefusedAndUnchanged) {
  MemFileSystem fs;
  BuildBackup(fs, ".tmenc");
  const auto before = Tree(fs);
  io::CryptKey wrong;
  absl::StatusOr<PrepareResult> r = Prepare(fs, {.key = &wrong});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("'bk/ib_logfile0.tmenc': wrong key"), std::string::npos)
      << r.status();
  EXPECT_EQ(Tree(fs), before);
}

TEST(PrepareJobTest, DamagedEncryptedFileIsDataLossAndNothingIsPrepared) {
  MemFileSystem fs;
  BuildBackup(fs, ".zst.tmenc");
  std::string bytes = Read(fs, kDir + "/test/t.ibd.zst.tmenc");
  bytes[bytes.size() - 40] ^= 0x08;
  Put(fs, kDir + "/test/t.ibd.zst.tmenc", ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                   bytes.size()));
  const std::string cp = Read(fs, kDir + "/xtrabackup_checkpoints");
  absl::StatusOr<PrepareResult> r = Prepare(fs, {.key = &TestKey()});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("decrypt 'bk/test/t.ibd.zst.tmenc' chunk"),
            std::string::npos)
      << r.status();
  EXPECT_EQ(Read(fs, kDir + "/xtrabackup_checkpoints"), cp);
  EXPECT_FALSE(fs.Stat(kDir + "/test/t.ibd").ok());
  EXPECT_FALSE(fs.Stat(kDir + "/test/t.ibd.tidemark-tmp").ok());
}

// The crash-safety property: an interrupted prepare, rerun, gives the same bytes; for a
// backup stored with `suffix`, the same bytes as the plain backup's prepare.
void CheckInterrupted(const std::function<void(FaultInjectionFileSystem&, int)>& inject,
                      const std::string& suffix = "") {
  MemFileSystem reference;
  {
    BackupBuilder b(reference);
    AddWrites(b);
    b.Write();
  }
  ASSERT_TRUE(Prepare(reference, {.batch_bytes = 1}).ok());
  const auto want = Snapshot(reference);
  int completed = 0;
  for (int n = 1; n < 200 && completed < 3; ++n) {
    MemFileSystem base;
    if (suffix.empty()) {
      BackupBuilder b(base);
      AddWrites(b);
      b.Write();
    } else {
      BuildBackup(base, suffix);
    }
    FaultInjectionFileSystem faulty(base);
    inject(faulty, n);
    const PrepareOptions o{.batch_bytes = 1, .key = &TestKey()};
    if (Prepare(faulty, o).ok()) {
      ++completed;  // the fault came too late to matter
    } else {
      faulty.Reset();
      absl::StatusOr<PrepareResult> rerun = Prepare(faulty, o);
      ASSERT_TRUE(rerun.ok()) << "after fault " << n << ": " << rerun.status();
    }
    EXPECT_EQ(Snapshot(base), want) << "after fault " << n;
  }
}

TEST(PrepareJobTest, RerunAfterFailedWriteCompletes) {
  CheckInterrupted([](FaultInjectionFileSystem& fs, int n) { fs.FailNth(FsOp::kWrite, n, EIO); });
}

TEST(PrepareJobTest, RerunAfterFailureWhileDecodingCompletes) {
  for (FsOp op : {FsOp::kWrite, FsOp::kRename, FsOp::kRemove, FsOp::kSync}) {
    CheckInterrupted([op](FaultInjectionFileSystem& fs, int n) { fs.FailNth(op, n, EIO); },
                     ".zst.tmenc");
  }
}

TEST(PrepareJobTest, RerunAfterTornWriteCompletes) {
  // The disk fills in the middle of a write: the bytes that fit land, like a torn page.
  CheckInterrupted([](FaultInjectionFileSystem& fs, int n) { fs.FailWritesAfter(n * 4000); });
}

TEST(PrepareJobTest, RerunAfterFailedRenameOrSyncCompletes) {
  CheckInterrupted([](FaultInjectionFileSystem& fs, int n) {
    if (n % 2) {
      fs.FailNth(FsOp::kRename, n / 2 + 1, EIO);
    } else {
      fs.FailNth(FsOp::kSync, n / 2, EIO);
    }
  });
}

// Why the journal exists: without it a torn in-place write carries the new FIL_PAGE_LSN in its
// first half, the rerun skips every record for the page, and the page stays torn.
TEST(PrepareJobTest, TornWriteWithoutJournalIsNotRepaired) {
  MemFileSystem reference;
  {
    BackupBuilder b(reference);
    AddWrites(b);
    b.Write();
  }
  ASSERT_TRUE(Prepare(reference).ok());
  int damaged = 0;
  for (int n = 1; n < 20; ++n) {
    MemFileSystem base;
    BackupBuilder b(base);
    AddWrites(b);
    b.Write();
    FaultInjectionFileSystem faulty(base);
    faulty.FailWritesAfter(n * 4000);
    if (Prepare(faulty, {.journal = false}).ok()) continue;
    faulty.Reset();
    ASSERT_TRUE(Prepare(faulty, {.journal = false}).ok());
    damaged += Snapshot(base) != Snapshot(reference);
  }
  EXPECT_GT(damaged, 0);
}

TEST(PrepareJobTest, TornJournalIsDiscarded) {
  MemFileSystem fs;
  BackupBuilder b(fs);
  AddWrites(b);
  b.Write();
  const std::string t = Read(fs, kDir + "/test/t.ibd");
  ASSERT_TRUE(io::WriteStringToFile(fs, kDir + "/" + std::string(kPrepareJournalName), "TMPJRNL1xx").ok());
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r, Prepare(fs));
  EXPECT_FALSE(r.resumed);
  EXPECT_FALSE(fs.Stat(kDir + "/" + std::string(kPrepareJournalName)).ok());
}

}  // namespace
}  // namespace tidemark::engine
