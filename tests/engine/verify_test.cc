// Tests of the verify job on tiny backups built in memory: a good one passes, and each kind of
// damage (missing, truncated, extra, changed file; flipped page byte; page LSN past the end;
// damaged delta; truncated redo) is reported by name, several at once all of them. Then the
// same backups compressed and encrypted (every file stored as path + suffix, as `backup
// --compress --encrypt` writes them), after decrypt / decompress, and as an xbstream.
#include "engine/verify.h"

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/backup_metadata.h"
#include "engine/delta_file.h"
#include "engine/manifest.h"
#include "engine/prepare_log.h"
#include "engine/xbstream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_writer.h"
#include "io/byte_stream.h"
#include "io/crypt_stage.h"
#include "io/hashing_file.h"
#include "io/zstd_stage.h"
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
using ::testing::UnorderedElementsAre;
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

  // Writes the files, xtrabackup_checkpoints and the manifest; with a `suffix`, every file but
  // xtrabackup_checkpoints as `path + suffix` only, compressed and/or encrypted with key_.
  void Write(BackupType type = BackupType::kFullBackuped, Lsn from = Lsn(0),
             const std::string& suffix = "") {
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
    ASSERT_TRUE(io::CreateDirs(fs_, "/tmp").ok());
    for (const auto& [path, f] : files_) {
      const io::ContentHash h = io::HashBytes(AsBytes(f.first));
      m.files.push_back({path, h.size, h.xxh3_128, f.second, std::nullopt});
      if (suffix.empty() || path == kXtrabackupCheckpointsName) {
        Put(path, f.first);
        continue;
      }
      Encode(path, suffix, f.first);
      auto stored = io::HashFile(fs_, "/b/" + path + suffix);
      ASSERT_TRUE(stored.ok()) << stored.status();
      m.files.back().stored = StoredForm{suffix, stored->size, stored->xxh3_128};
    }
    TM_ASSERT_OK(WriteManifest(fs_, "/b", m));
  }

  // Writes `bytes` as /b/<path><suffix>: data -> zstd -> encrypt -> file, as a backup does.
  void Encode(const std::string& path, const std::string& suffix, std::string_view bytes) {
    auto out = fs_.OpenForWrite("/b/" + path + suffix);
    ASSERT_TRUE(out.ok()) << out.status();
    std::unique_ptr<io::WritableFile> w = std::move(*out);
    if (suffix.ends_with(".tmenc")) {
      const std::string id = path + suffix.substr(0, suffix.size() - 6);
      auto c = io::NewCryptWritableFile(std::move(w), key_, {.chunk_size = 4096, .file_id = id});
      ASSERT_TRUE(c.ok()) << c.status();
      w = std::move(*c);
    }
    if (suffix.starts_with(".zst")) {
      auto z = io::NewZstdWritableFile(std::move(w));
      ASSERT_TRUE(z.ok()) << z.status();
      w = std::move(*z);
    }
    TM_ASSERT_OK(w->Append(AsBytes(bytes)));
    TM_ASSERT_OK(w->Close());
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

  VerifyOptions Options(std::string base = "") {
    VerifyOptions o{.target_dir = "/b", .incremental_basedir = base, .parallel = 2};
    o.read.rereads = 1;
    o.key = key_given_ ? &key_ : nullptr;
    o.scratch_dir = "/tmp";
    return o;
  }

  VerifyResult Verify(std::string base = "") {
    absl::StatusOr<VerifyResult> r = VerifyBackup(fs_, Options(base));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : VerifyResult{};
  }

  static auto Problem(VerifyProblemKind kind, std::string file) {
    return AllOf(Field(&VerifyProblem::kind, kind), Field(&VerifyProblem::file, file));
  }
  template <typename M>
  static auto Problem(VerifyProblemKind kind, std::string file, M detail) {
    return AllOf(Field(&VerifyProblem::kind, kind), Field(&VerifyProblem::file, file),
                 Field(&VerifyProblem::detail, detail));
  }
  static auto PageProblem(VerifyProblemKind kind, std::string file, uint32_t page) {
    return AllOf(Field(&VerifyProblem::kind, kind), Field(&VerifyProblem::file, file),
                 Field(&VerifyProblem::page, std::optional<uint32_t>(page)));
  }

  MemFileSystem fs_;
  io::CryptKey key_ = [] {
    io::CryptKey k;
    k.bytes.fill(0x5a);
    return k;
  }();
  bool key_given_ = true;
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

// ------------------------------------------------------------------ encoded backups

constexpr char kZstEnc[] = ".zst.tmenc";

TEST_F(VerifyTest, EncodedBackupPasses) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.files_checked, 4u);
  EXPECT_EQ(r.files_decoded, 3u);  // all but xtrabackup_checkpoints
  EXPECT_EQ(r.tablespaces_checked, 1u);
  EXPECT_EQ(r.pages_checked, 8u);  // on the decoded copy
  EXPECT_TRUE(r.redo_checked);
  EXPECT_THAT(*fs_.ListDir("/tmp"), IsEmpty());  // the scratch copies are gone
}

TEST_F(VerifyTest, DecodedFormsPass) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  // After `decrypt`: db/t.ibd.zst; after `decompress` too: ib_logfile0.
  Encode("db/t.ibd", ".zst", files_["db/t.ibd"].first);
  TM_ASSERT_OK(fs_.RemoveFile("/b/db/t.ibd.zst.tmenc"));
  Put("ib_logfile0", files_["ib_logfile0"].first);
  TM_ASSERT_OK(fs_.RemoveFile("/b/ib_logfile0.zst.tmenc"));
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.files_decoded, 2u);  // db/t.ibd.zst and db/t.frm.zst.tmenc
  EXPECT_EQ(r.pages_checked, 8u);
  EXPECT_TRUE(r.redo_checked);
  // The half-decoded form is checked by decoding it.
  Encode("db/t.ibd", ".zst", "not the tablespace");
  EXPECT_THAT(Verify().problems,
              ElementsAre(Problem(K::kSize, "db/t.ibd", HasSubstr("decoded from 'db/t.ibd.zst'")),
                          Problem(K::kPage, "db/t.ibd")));
}

TEST_F(VerifyTest, FlippedByteInEncryptedChunkIsNamed) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  Flip("db/t.ibd.zst.tmenc", Get("db/t.ibd.zst.tmenc").size() - 30);
  const VerifyResult r = Verify();
  EXPECT_THAT(
      r.problems,
      UnorderedElementsAre(
          Problem(K::kDecode, "db/t.ibd",
                  HasSubstr("decrypt 'db/t.ibd.zst.tmenc' chunk 0: authentication failed")),
          Problem(K::kHash, "db/t.ibd", HasSubstr("stored as 'db/t.ibd.zst.tmenc': xxh3-128"))));
}

TEST_F(VerifyTest, WrongKey) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  key_.bytes[0] ^= 1;
  const VerifyResult r = Verify();
  EXPECT_THAT(r.problems, ElementsAre(Problem(K::kKey, "db/t.frm"), Problem(K::kKey, "db/t.ibd"),
                                      Problem(K::kKey, "ib_logfile0")));
  EXPECT_THAT(r.problems[0].detail, HasSubstr("decrypt 'db/t.frm.zst.tmenc': wrong key"));
}

TEST_F(VerifyTest, WrongKeyIsListedForFiveFilesThenCounted) {
  for (int i = 0; i < 5; ++i)
    files_["db/f" + std::to_string(i) + ".frm"] = {"frm", FileKind::kNonInnodb};
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  key_.bytes[0] ^= 1;
  const VerifyResult r = Verify();
  ASSERT_EQ(r.problems.size(), 6u);  // 8 files
  EXPECT_EQ(r.problems[0], (VerifyProblem{.kind = K::kKey,
                                          .detail = "the key does not open 3 more encrypted "
                                                    "files either"}));
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ(r.problems[i].kind, K::kKey);
}

TEST_F(VerifyTest, WithoutKeyOnlyStoredFormsAreChecked) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  key_given_ = false;
  VerifyResult r = Verify();
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.files_decoded, 0u);
  EXPECT_EQ(r.pages_checked, 0u);
  EXPECT_THAT(r.notes, Contains(HasSubstr("3 encrypted files were checked only against their "
                                          "stored size and hash")));
  Flip("db/t.frm.zst.tmenc", 70);
  r = Verify();
  ASSERT_THAT(r.problems, ElementsAre(Problem(K::kHash, "db/t.frm")));
}

TEST_F(VerifyTest, TruncatedZst) {
  Write(BackupType::kFullBackuped, Lsn(0), ".zst");
  Truncate("db/t.frm.zst", Get("db/t.frm.zst").size() - 4);
  const VerifyResult r = Verify();
  EXPECT_THAT(
      r.problems,
      UnorderedElementsAre(
          Problem(K::kDecode, "db/t.frm", HasSubstr("decompress 'db/t.frm.zst': truncated")),
          Problem(K::kSize, "db/t.frm", HasSubstr("stored as 'db/t.frm.zst': "))));
}

TEST_F(VerifyTest, MissingEncodedFile) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  TM_ASSERT_OK(fs_.RemoveFile("/b/db/t.frm.zst.tmenc"));
  const VerifyResult r = Verify();
  ASSERT_THAT(r.problems, ElementsAre(Problem(K::kMissing, "db/t.frm")));
  EXPECT_THAT(r.problems[0].detail, HasSubstr("stored as 'db/t.frm.zst.tmenc'"));
}

TEST_F(VerifyTest, FlippedPageInCompressedTablespaceNamesThePage) {
  // Damaged before it was compressed: the hashes agree, only the page check can tell.
  files_["db/t.ibd"].first[3 * kPage + 200] ^= 0x40;
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  const VerifyResult r = Verify();
  ASSERT_THAT(r.problems, ElementsAre(PageProblem(K::kPage, "db/t.ibd", 3)));
  EXPECT_EQ(r.problems[0].detail, "checksum_mismatch (decoded from 'db/t.ibd.zst.tmenc')");
}

TEST_F(VerifyTest, TruncatedRedoInsideCompressedCopy) {
  files_["ib_logfile0"].first.resize(files_["ib_logfile0"].first.size() - 100);
  Write(BackupType::kFullBackuped, Lsn(0), ".zst");
  EXPECT_THAT(Verify().problems, ElementsAre(Problem(K::kRedo, "ib_logfile0")));
}

TEST_F(VerifyTest, WithoutScratchDirectoryPagesAreNotChecked) {
  files_["db/t.ibd"].first[3 * kPage + 200] ^= 0x40;
  Write(BackupType::kFullBackuped, Lsn(0), ".zst");
  VerifyOptions o = Options();
  o.scratch_dir = "";
  absl::StatusOr<VerifyResult> r = VerifyBackup(fs_, o);
  TM_ASSERT_OK(r.status());
  EXPECT_THAT(r->problems, IsEmpty());
  EXPECT_EQ(r->files_decoded, 3u);
  EXPECT_THAT(r->notes, Contains(HasSubstr("no scratch directory")));
}

// ------------------------------------------------------------------------- streams

// The backup in /b as an xbstream, in the order a backup writes it.
std::string StreamOf(MemFileSystem& fs, const std::string& dir) {
  std::string stream;
  XbstreamWriter w([&](ByteSpan b) {
    stream.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  });
  std::function<void(const std::string&)> add = [&](const std::string& rel) {
    const std::vector<io::FileInfo> entries = *fs.ListDir(io::JoinPath(dir, rel));
    for (const io::FileInfo& e : entries) {
      const std::string child = rel.empty() ? e.name : rel + "/" + e.name;
      if (e.type == io::FileType::kDirectory) {
        add(child);
      } else {
        EXPECT_TRUE(w.WriteFile(child, AsBytes(*io::ReadFileToString(fs, dir + "/" + child))).ok());
      }
    }
  };
  add("");
  EXPECT_TRUE(w.Finish().ok());
  return stream;
}

TEST_F(VerifyTest, StreamIsExtractedAndVerified) {
  files_["db/t.ibd"].first[3 * kPage + 200] ^= 0x40;
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  const std::string stream = StreamOf(fs_, "/b");
  auto in = io::NewMemorySource(AsBytes(stream), "backup.xb", 5000);
  VerifyOptions o = Options();
  o.target_dir = "/tmp/x";
  absl::StatusOr<VerifyResult> r = VerifyStream(fs_, *in, o);
  TM_ASSERT_OK(r.status());
  EXPECT_THAT(r->problems, ElementsAre(PageProblem(K::kPage, "db/t.ibd", 3)));
  EXPECT_EQ(r->files_decoded, 3u);
  EXPECT_TRUE(fs_.Stat("/tmp/x/db/t.ibd.zst.tmenc").ok());  // the caller removes it
}

TEST_F(VerifyTest, TruncatedStream) {
  Write(BackupType::kFullBackuped, Lsn(0), kZstEnc);
  const std::string stream = StreamOf(fs_, "/b");
  auto in = io::NewMemorySource(AsBytes(stream).subspan(0, stream.size() / 2), "backup.xb");
  VerifyOptions o = Options();
  o.target_dir = "/tmp/x";
  absl::StatusOr<VerifyResult> r = VerifyStream(fs_, *in, o);
  TM_ASSERT_OK(r.status());
  ASSERT_THAT(r->problems, ElementsAre(Problem(K::kStream, "backup.xb")));
  EXPECT_THAT(r->problems[0].detail, HasSubstr("backup.xb"));
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

TEST_F(VerifyIncrementalTest, EncodedDeltaPagesAreChecked) {
  Write(BackupType::kIncremental, Lsn(20000), kZstEnc);
  VerifyResult r = Verify("/base");
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.deltas_checked, 1u);
  EXPECT_EQ(r.pages_checked, 2u);
  files_["db/t.ibd.delta"].first[2 * kPage + 300] ^= 0x40;
  Write(BackupType::kIncremental, Lsn(20000), kZstEnc);
  r = Verify("/base");
  ASSERT_THAT(r.problems, ElementsAre(PageProblem(K::kDelta, "db/t.ibd.delta", 3)));
  EXPECT_THAT(r.problems[0].detail, HasSubstr("(decoded from 'db/t.ibd.delta.zst.tmenc')"));
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
