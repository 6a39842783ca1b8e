// Tests of applying an incremental backup to a prepared full one, on MemFileSystem: deltas,
// tables created, dropped and renamed between the backups, non-InnoDB files, INC's redo; the
// chain checks; damaged deltas; and interruption at every write (a rerun gives the same bytes).
#include "engine/prepare_incremental.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/manifest.h"
#include "engine/prepare_job.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
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
using ::testing::HasSubstr;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::TablespaceBuilder;

constexpr uint32_t kFlags = 0x15;  // full_crc32, 16 KiB
constexpr uint32_t kPage = 16384;
constexpr uint16_t kIndexPage = 17855;
constexpr uint64_t kFullTo = 50000;   // the full backup's to_lsn: the incremental's from_lsn
constexpr uint64_t kIncCp = 60000;    // the incremental's checkpoint (its to_lsn)
const std::string kFull = "full";
const std::string kInc = "inc";

ByteSpan Span(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void Put(io::FileSystem& fs, const std::string& path, const std::string& bytes) {
  ASSERT_TRUE(io::CreateDirs(fs, path.substr(0, path.rfind('/'))).ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, path, bytes).ok());
}

std::string Read(io::FileSystem& fs, const std::string& path) {
  auto s = io::ReadFileToString(fs, path);
  return s.ok() ? *s : "<missing>";
}

std::string Page(const std::vector<uint8_t>& space, uint32_t no) {
  return std::string(space.begin() + size_t{no} * kPage, space.begin() + size_t{no + 1} * kPage);
}

// The delta of `space` holding `pages` (and its .meta), written into INC as `name`.delta.
void PutDelta(io::FileSystem& fs, const std::string& name, uint32_t space_id,
              const std::vector<uint8_t>& space, const std::vector<uint32_t>& pages) {
  ASSERT_TRUE(io::CreateDirs(fs, kInc + "/test").ok());
  auto out = fs.OpenForWrite(kInc + "/" + name + ".delta");
  ASSERT_TRUE(out.ok());
  DeltaWriter w(**out, kPage);
  for (uint32_t p : pages) ASSERT_TRUE(w.Add(p, Span(Page(space, p))).ok());
  ASSERT_TRUE(w.Finish().ok());
  ASSERT_TRUE((*out)->Close().ok());
  Put(fs, kInc + "/" + name + ".meta",
      FormatDeltaMeta({.page_size = kPage, .zip_size = 0, .space_id = space_id}));
}

std::vector<uint8_t> Old(uint32_t id, uint32_t pages) {
  TablespaceBuilder b(kFlags, id, pages);
  for (uint32_t p = 1; p < pages; ++p) b.Typed(p, kIndexPage);
  for (uint32_t p = 0; p < pages; ++p) b.Lsn(p, kFullTo - 100);
  return b.Build();
}

std::vector<uint8_t> New(uint32_t id, uint32_t pages) {
  TablespaceBuilder b(kFlags, id, pages);
  for (uint32_t p = 1; p < pages; ++p) b.Typed(p, kIndexPage);
  for (uint32_t p = 0; p < pages; ++p) b.Lsn(p, kFullTo + 10 + p);
  return b.Build();
}

// FULL, prepared: test/t (space 5), test/d (space 7, dropped before INC), test/r (space 8,
// renamed to test/r2 before INC), .frm files. INC: t's pages 2 and 3 changed, a new table
// test/u (space 6), r2's page 1, new .frm files, and a log writing "hello" on t's page 4.
void Build(io::FileSystem& fs) {
  const std::string full_cp = absl::StrFormat(
      "backup_type = log-applied\nfrom_lsn = 0\nto_lsn = %d\nlast_lsn = %d\nrecover_binlog_info = 0\n",
      kFullTo, kFullTo + 20);
  auto bytes = [](const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); };
  Put(fs, kFull + "/test/t.ibd", bytes(Old(5, 8)));
  Put(fs, kFull + "/test/d.ibd", bytes(Old(7, 4)));
  Put(fs, kFull + "/test/r.ibd", bytes(Old(8, 4)));
  Put(fs, kFull + "/test/t.frm", "old t");
  Put(fs, kFull + "/test/d.frm", "old d");
  Put(fs, kFull + "/gone/x.frm", "a database dropped before INC");
  Put(fs, kFull + "/xtrabackup_checkpoints", full_cp);
  Put(fs, kFull + "/xtrabackup_binlog_info", "binlog.000001\t100\n");
  Put(fs, kFull + "/ib_logfile0", "the log of the full backup's prepare");

  PutDelta(fs, "test/t.ibd", 5, New(5, 8), {2, 3});
  PutDelta(fs, "test/u.ibd", 6, New(6, 6), {0, 1, 2, 3, 4, 5});
  std::vector<uint8_t> r2 = Old(8, 4);
  const std::vector<uint8_t> r2_new = New(8, 4);
  PutDelta(fs, "test/r2.ibd", 8, r2_new, {1});
  Put(fs, kInc + "/test/t.frm", "new t");
  Put(fs, kInc + "/test/u.frm", "new u");
  Put(fs, kInc + "/test/r2.frm", "new r2");
  std::vector<uint8_t> log =
      innodb::BuildBackupLogHead(innodb::LogHeader{}, {Lsn(kIncCp), Lsn(kIncCp)}, "10.11.19");
  const std::vector<uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
  MtrBuilder first, second;
  first.FileModify(SpaceId(5), "./test/t.ibd").FileCheckpoint(Lsn(kIncCp));
  second.Write(RedoPageId{SpaceId(5), PageNo(4)}, 200, hello);
  for (const MtrBuilder* m : {&first, &second}) {
    const std::vector<uint8_t> e = innodb::EncodeMtr(m->records(), 1);
    log.insert(log.end(), e.begin(), e.end());
  }
  const uint64_t end = kIncCp + log.size() - innodb::kLogStartOffset;
  Put(fs, kInc + "/ib_logfile0", bytes(log));
  Put(fs, kInc + "/xtrabackup_checkpoints",
      absl::StrFormat("backup_type = incremental\nfrom_lsn = %d\nto_lsn = %d\nlast_lsn = %d\n"
                      "recover_binlog_info = 0\n",
                      kFullTo, kIncCp, end));
  Put(fs, kInc + "/xtrabackup_binlog_info", "binlog.000002\t999\n");
}

absl::StatusOr<PrepareResult> Apply(io::FileSystem& fs, PrepareOptions o = {}) {
  o.target_dir = kFull;
  o.incremental_dir = kInc;
  o.apply_log_only = true;
  PrepareEnv env{.fs = fs};
  return RunPrepare(o, env);
}

// Every file under `dir` (as MemFileSystem lists it), with its bytes.
std::map<std::string, std::string> Tree(io::FileSystem& fs, const std::string& dir) {
  std::map<std::string, std::string> out;
  auto top = fs.ListDir(dir);
  if (!top.ok()) return out;
  for (const io::FileInfo& e : *top) {
    const std::string p = dir + "/" + e.name;
    if (e.type == io::FileType::kDirectory) {
      for (auto& [k, v] : Tree(fs, p)) out[k] = v;
      out[p + "/"] = "";
    } else {
      out[p] = Read(fs, p);
    }
  }
  return out;
}

// The paths whose contents differ between two trees ("" when none), for short messages.
std::string Diff(const std::map<std::string, std::string>& a,
                 const std::map<std::string, std::string>& b) {
  std::string out;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) out += " -" + k;
    else if (it->second != v) out += " ~" + k;
  }
  for (const auto& [k, v] : b) {
    if (!a.contains(k)) out += " +" + k;
  }
  return out;
}

TEST(BackupChainTest, FormatParseRoundTrip) {
  BackupChain c{.links = {{.uuid = "a", .from_lsn = Lsn(0), .to_lsn = Lsn(5), .last_lsn = Lsn(6)},
                          {.incremental = true, .uuid = "b", .base_uuid = "a", .from_lsn = Lsn(5),
                           .to_lsn = Lsn(9), .last_lsn = Lsn(10)}},
                .closed = true};
  TM_ASSERT_OK_AND_ASSIGN(BackupChain back, ParseChain(FormatChain(c)));
  EXPECT_EQ(back, c);
  EXPECT_THAT(ParseChain("full\tuuid=a\n").status().message(), HasSubstr("line 1"));
}

TEST(PrepareIncrementalTest, AppliesDeltasDdlRedoAndFiles) {
  MemFileSystem fs;
  Build(fs);
  const auto inc_before = Tree(fs, kInc);
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r, Apply(fs));
  EXPECT_TRUE(r.incremental);
  EXPECT_EQ(r.delta_files, 3u);
  EXPECT_EQ(r.delta_pages, 9u);
  EXPECT_EQ(Diff(inc_before, Tree(fs, kInc)), "") << "the incremental backup must not change";

  const std::string t = Read(fs, kFull + "/test/t.ibd");
  ASSERT_EQ(t.size(), 8u * kPage);
  const std::vector<uint8_t> t_new = New(5, 8), t_old = Old(5, 8);
  EXPECT_EQ(t.substr(2 * kPage, kPage), Page(t_new, 2));
  EXPECT_EQ(t.substr(3 * kPage, kPage), Page(t_new, 3));
  EXPECT_EQ(t.substr(1 * kPage, kPage), Page(t_old, 1));
  EXPECT_EQ(t.substr(4 * kPage + 200, 5), "hello") << "INC's redo applied";
  EXPECT_EQ(Read(fs, kFull + "/test/u.ibd"), [] {
    auto v = New(6, 6);
    return std::string(v.begin(), v.end());
  }());
  EXPECT_EQ(Read(fs, kFull + "/test/d.ibd"), "<missing>") << "dropped table removed";
  EXPECT_EQ(Read(fs, kFull + "/test/r.ibd"), "<missing>") << "renamed away";
  const std::string r2 = Read(fs, kFull + "/test/r2.ibd");
  ASSERT_EQ(r2.size(), 4u * kPage);
  EXPECT_EQ(r2.substr(kPage, kPage), Page(New(8, 4), 1));
  EXPECT_EQ(r2.substr(2 * kPage, kPage), Page(Old(8, 4), 2));
  EXPECT_EQ(Read(fs, kFull + "/test/t.frm"), "new t");
  EXPECT_EQ(Read(fs, kFull + "/test/u.frm"), "new u");
  EXPECT_EQ(Read(fs, kFull + "/test/d.frm"), "<missing>");
  EXPECT_FALSE(fs.Stat(kFull + "/gone").ok()) << "a database absent from INC goes";
  EXPECT_EQ(Read(fs, kFull + "/xtrabackup_binlog_info"), "binlog.000002\t999\n");
  TM_ASSERT_OK_AND_ASSIGN(XtrabackupCheckpoints cp, ReadXtrabackupCheckpoints(fs, kFull));
  EXPECT_EQ(cp.backup_type, BackupType::kLogApplied);
  EXPECT_EQ(cp.from_lsn, Lsn(0));
  EXPECT_EQ(cp.to_lsn, Lsn(kIncCp));
  TM_ASSERT_OK_AND_ASSIGN(BackupChain chain, ReadChain(fs, kFull, cp));
  ASSERT_EQ(chain.links.size(), 2u);
  EXPECT_TRUE(chain.links[1].incremental);
  EXPECT_FALSE(chain.closed);
  EXPECT_EQ(Read(fs, kFull + "/" + std::string(kIncrementalStateName)), "<missing>");

  // Applying it again: out of order.
  const auto full_after = Tree(fs, kFull);
  absl::StatusOr<PrepareResult> again = Apply(fs);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.status().message(), HasSubstr("already applied"));
  EXPECT_EQ(Diff(full_after, Tree(fs, kFull)), "");
}

// Each chain error leaves both directories as they were.
void ExpectRefused(io::FileSystem& fs, const std::string& message,
                   absl::StatusCode code = absl::StatusCode::kFailedPrecondition) {
  const auto full = Tree(fs, kFull), inc = Tree(fs, kInc);
  absl::StatusOr<PrepareResult> r = Apply(fs);
  EXPECT_EQ(r.status().code(), code) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(message));
  EXPECT_EQ(Diff(full, Tree(fs, kFull)), "");
  EXPECT_EQ(Diff(inc, Tree(fs, kInc)), "");
}

TEST(PrepareIncrementalTest, UnpreparedFullIsRefused) {
  MemFileSystem fs;
  Build(fs);
  std::string cp = Read(fs, kFull + "/xtrabackup_checkpoints");
  cp.replace(cp.find("log-applied"), 11, "full-backuped");
  Put(fs, kFull + "/xtrabackup_checkpoints", cp);
  ExpectRefused(fs, "prepare it first with --apply-log-only");
}

TEST(PrepareIncrementalTest, ClosedChainIsRefused) {
  MemFileSystem fs;
  Build(fs);
  PrepareEnv env{.fs = fs};
  TM_ASSERT_OK(RunPrepare({.target_dir = kFull}, env).status());  // the final prepare
  ExpectRefused(fs, "its chain is closed");
}

TEST(PrepareIncrementalTest, MissingLinkIsRefused) {
  MemFileSystem fs;
  Build(fs);
  std::string cp = Read(fs, kInc + "/xtrabackup_checkpoints");
  cp.replace(cp.find("from_lsn = 50000"), 16, "from_lsn = 55000");
  Put(fs, kInc + "/xtrabackup_checkpoints", cp);
  ExpectRefused(fs, "a link is missing: apply the incremental(s) covering LSN 50000 to 55000");
}

TEST(PrepareIncrementalTest, FullAsIncrementalIsRefused) {
  MemFileSystem fs;
  Build(fs);
  std::string cp = Read(fs, kInc + "/xtrabackup_checkpoints");
  cp.replace(cp.find("incremental"), 11, "full-backuped");
  Put(fs, kInc + "/xtrabackup_checkpoints", cp);
  ExpectRefused(fs, "is not an incremental backup");
}

TEST(PrepareIncrementalTest, ForeignBaseIsRefused) {
  MemFileSystem fs;
  Build(fs);
  Manifest full{.backup_uuid = "full-A"};
  TM_ASSERT_OK(WriteManifest(fs, kFull, full));
  Manifest inc{.backup_uuid = "inc-B", .kind = BackupKind::kIncremental,
               .base_backup_uuid = "full-B"};
  TM_ASSERT_OK(WriteManifest(fs, kInc, inc));
  ExpectRefused(fs, "was taken on top of backup full-B, but the last backup applied to 'full' "
                    "is full-A: a foreign base");
}

TEST(PrepareIncrementalTest, DamagedDeltasAndMetasAreNamed) {
  struct Case {
    std::string what;
    std::function<void(io::FileSystem&)> damage;
    std::string message;
    absl::StatusCode code = absl::StatusCode::kDataLoss;
  };
  const std::vector<Case> cases = {
      {"flipped byte in a page",
       [](io::FileSystem& fs) {
         std::string d = Read(fs, kInc + "/test/t.ibd.delta");
         d[kPage + 1000] ^= 1;
         Put(fs, kInc + "/test/t.ibd.delta", d);
       },
       "'inc/test/t.ibd.delta' page 2: checksum_mismatch"},
      {"truncated delta",
       [](io::FileSystem& fs) {
         std::string d = Read(fs, kInc + "/test/u.ibd.delta");
         d.resize(d.size() - kPage);
         Put(fs, kInc + "/test/u.ibd.delta", d);
       },
       "'inc/test/u.ibd.delta': truncated"},
      {"missing meta",
       [](io::FileSystem& fs) { ASSERT_TRUE(fs.RemoveFile(kInc + "/test/u.ibd.meta").ok()); },
       "has no 'test/u.ibd.meta'"},
      {"garbled meta",
       [](io::FileSystem& fs) { Put(fs, kInc + "/test/u.ibd.meta", "page_size = x\n"); },
       "inc/test/u.ibd.meta': page_size = 'x' is not a number"},
      {"damaged log",
       [](io::FileSystem& fs) {
         std::string log = Read(fs, kInc + "/ib_logfile0");
         log[log.size() - 2] ^= 1;
         Put(fs, kInc + "/ib_logfile0", log);
       },
       "ib_logfile0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    MemFileSystem fs;
    Build(fs);
    c.damage(fs);
    ExpectRefused(fs, c.message, c.code);
  }
}

// A kill anywhere: the rerun (same --incremental-dir) gives the bytes of an uninterrupted run.
TEST(PrepareIncrementalTest, RerunAfterAnyFailureCompletes) {
  MemFileSystem reference;
  Build(reference);
  TM_ASSERT_OK(Apply(reference).status());
  const auto want = Tree(reference, kFull);
  int completed = 0, failed = 0;
  for (int n = 1; n < 400 && completed < 3; ++n) {
    MemFileSystem base;
    Build(base);
    FaultInjectionFileSystem faulty(base);
    if (n % 3 == 0) {
      faulty.FailNth(FsOp::kRename, n / 3, EIO);
    } else {
      faulty.FailNth(FsOp::kWrite, n - n / 3, EIO);
    }
    if (Apply(faulty).ok()) {
      ++completed;
    } else {
      ++failed;
      faulty.Reset();
      absl::StatusOr<PrepareResult> rerun = Apply(faulty);
      ASSERT_TRUE(rerun.ok()) << "after fault " << n << ": " << rerun.status();
    }
    EXPECT_EQ(Diff(want, Tree(base, kFull)), "") << "after fault " << n;
  }
  EXPECT_GT(failed, 20);
}

// ------------------------------------------------ an encoded incremental (prepare_decode.h)

const io::CryptKey& TestKey() {
  static const io::CryptKey key = [] {
    io::CryptKey k;
    k.bytes.fill(5);
    return k;
  }();
  return key;
}

void BuildEncoded(io::FileSystem& fs) {
  Build(fs);
  ASSERT_TRUE(::tidemark::testing::EncodeBackup(fs, kInc, ".zst.tmenc", &TestKey()).ok());
}

TEST(PrepareIncrementalTest, EncodedIncrementalAppliesLikeThePlainOneAndIsNotModified) {
  MemFileSystem reference;
  Build(reference);
  TM_ASSERT_OK(Apply(reference).status());
  MemFileSystem fs;
  BuildEncoded(fs);
  const auto inc_before = Tree(fs, kInc);
  ASSERT_TRUE(inc_before.contains(kInc + "/test/t.ibd.delta.zst.tmenc"));
  TM_ASSERT_OK_AND_ASSIGN(PrepareResult r, Apply(fs, {.key = &TestKey()}));
  EXPECT_EQ(r.incremental_decoded_files, 11u);  // all but xtrabackup_checkpoints
  EXPECT_EQ(r.delta_files, 3u);
  EXPECT_EQ(Diff(Tree(reference, kFull), Tree(fs, kFull)), "");
  EXPECT_EQ(Diff(inc_before, Tree(fs, kInc)), "") << "the incremental backup must not change";
  EXPECT_FALSE(fs.Stat(kFull + ".tidemark-incremental").ok()) << "the scratch copy is removed";
}

TEST(PrepareIncrementalTest, FileFromIncrementalReplacesItsEncodedFormInFull) {
  MemFileSystem fs;
  Build(fs);
  Put(fs, kFull + "/aria_log.00000001.zst", "the full backup's, compressed");
  Put(fs, kInc + "/aria_log.00000001", "the incremental's");
  TM_ASSERT_OK(Apply(fs).status());
  EXPECT_EQ(Read(fs, kFull + "/aria_log.00000001"), "the incremental's");
  EXPECT_EQ(Read(fs, kFull + "/aria_log.00000001.zst"), "<missing>");
}

TEST(PrepareIncrementalTest, EncodedIncrementalUsesTheScratchDir) {
  MemFileSystem fs;
  BuildEncoded(fs);
  ASSERT_TRUE(fs.CreateDir("scratch").ok());
  std::vector<std::string> notes;
  PrepareEnv env{.fs = fs, .on_note = [&](std::string_view n) { notes.emplace_back(n); }};
  TM_ASSERT_OK(RunPrepare({.target_dir = kFull, .apply_log_only = true, .incremental_dir = kInc,
                           .key = &TestKey(), .scratch_dir = "scratch"},
                          env)
                   .status());
  EXPECT_THAT(notes, ::testing::Contains(HasSubstr("into 'scratch/tidemark-incremental'")));
  EXPECT_TRUE(fs.ListDir("scratch")->empty());
}

TEST(PrepareIncrementalTest, EncodedIncrementalWithoutKeyChangesNothing) {
  MemFileSystem fs;
  BuildEncoded(fs);
  const auto full = Tree(fs, kFull), inc = Tree(fs, kInc);
  absl::StatusOr<PrepareResult> r = Apply(fs);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("is encrypted: no key given"));
  EXPECT_EQ(Diff(full, Tree(fs, kFull)), "");
  EXPECT_EQ(Diff(inc, Tree(fs, kInc)), "");
  EXPECT_FALSE(fs.Stat(kFull + ".tidemark-incremental").ok());
}

TEST(PrepareIncrementalTest, EncodedIncrementalRerunAfterAnyFailureCompletes) {
  MemFileSystem reference;
  Build(reference);
  TM_ASSERT_OK(Apply(reference).status());
  const auto want = Tree(reference, kFull);
  int completed = 0, failed = 0;
  for (int n = 1; n < 400 && completed < 3; ++n) {
    MemFileSystem base;
    BuildEncoded(base);
    const auto inc_before = Tree(base, kInc);
    FaultInjectionFileSystem faulty(base);
    faulty.FailNth(FsOp::kWrite, n, EIO);
    if (Apply(faulty, {.key = &TestKey()}).ok()) {
      ++completed;
    } else {
      ++failed;
      faulty.Reset();
      absl::StatusOr<PrepareResult> rerun = Apply(faulty, {.key = &TestKey()});
      ASSERT_TRUE(rerun.ok()) << "after fault " << n << ": " << rerun.status();
    }
    EXPECT_EQ(Diff(want, Tree(base, kFull)), "") << "after fault " << n;
    EXPECT_EQ(Diff(inc_before, Tree(base, kInc)), "") << "after fault " << n;
  }
  EXPECT_GT(failed, 20);
}

TEST(PrepareIncrementalTest, InterruptedRunNeedsItsIncrementalDir) {
  MemFileSystem base;
  Build(base);
  FaultInjectionFileSystem faulty(base);
  faulty.FailNth(FsOp::kWrite, 12, EIO);
  ASSERT_FALSE(Apply(faulty).ok());
  faulty.Reset();
  ASSERT_TRUE(faulty.Stat(kFull + "/" + std::string(kIncrementalStateName)).ok());
  PrepareEnv env{.fs = faulty};
  absl::StatusOr<PrepareResult> r = RunPrepare({.target_dir = kFull}, env);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("rerun it with --incremental-dir inc"));
}

}  // namespace
}  // namespace tidemark::engine
