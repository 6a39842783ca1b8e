// Tests of BackupTarget: creating the directory, hashed exclusive files recorded on close (from
// many threads), the manifest written last, and what a failure leaves behind (no manifest,
// nothing deleted), with MemFileSystem and FaultInjectionFileSystem.
#include "engine/backup_target.h"

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/backup_metadata.h"
#include "engine/xbstream.h"
#include "engine/xbstream_extract.h"
#include "gtest/gtest.h"
#include "io/byte_stream.h"
#include "io/crypt_stage.h"
#include "io/zstd_stage.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

absl::Status WriteFile(BackupTarget& target, std::string_view relpath, std::string_view data,
                       FileKind kind = FileKind::kNonInnodb,
                       std::optional<TablespaceFileInfo> tablespace = std::nullopt) {
  absl::StatusOr<std::unique_ptr<io::HashingWritableFile>> file =
      target.OpenFile(relpath, kind, tablespace);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(AsBytes(data));
  absl::Status closed = (*file)->Close();
  return s.ok() ? closed : s;
}

TEST(BackupTargetTest, CreateMakesMissingParents) {
  MemFileSystem fs;
  absl::StatusOr<std::unique_ptr<BackupTarget>> target = BackupTarget::Create(fs, "bk/2026/full/");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ((*target)->dir(), "bk/2026/full");
  for (const char* dir : {"bk", "bk/2026", "bk/2026/full"}) {
    EXPECT_EQ(fs.Stat(dir)->type, io::FileType::kDirectory);
    EXPECT_EQ(fs.Stat(dir)->mode, 0750u) << dir;
  }
}

TEST(BackupTargetTest, CreateAcceptsAnEmptyDirectory) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("b", 0700).ok());
  ASSERT_TRUE(BackupTarget::Create(fs, "b").ok());
  EXPECT_EQ(fs.Stat("b")->mode, 0700u);  // the user's directory is left as it is
}

TEST(BackupTargetTest, CreateRefusesANonEmptyDirectoryOrAFile) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("b").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, "b/old", "x").ok());
  EXPECT_EQ(BackupTarget::Create(fs, "b/").status(),
            absl::FailedPreconditionError("target directory 'b' is not empty"));
  EXPECT_EQ(BackupTarget::Create(fs, "b/old").status(),
            absl::FailedPreconditionError("target 'b/old' exists and is not a directory"));
  EXPECT_EQ(*io::ReadFileToString(fs, "b/old"), "x");
}

TEST(BackupTargetTest, FilesAreHashedAndRecordedWhenClosed) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  std::string pages = PatternBytes(3 * 16384);
  ASSERT_TRUE(WriteFile(*target, "db/t.ibd", pages, FileKind::kInnodbTablespace,
                        TablespaceFileInfo{5, 16384, 0})
                  .ok());
  ASSERT_TRUE(target->WriteSmallFile("xtrabackup_checkpoints", "abc").ok());
  std::vector<ManifestFile> files = target->Files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0],
            (ManifestFile{"db/t.ibd", pages.size(), io::HashBytes(AsBytes(pages)).xxh3_128,
                          FileKind::kInnodbTablespace, TablespaceFileInfo{5, 16384, 3}}));
  EXPECT_EQ(files[1], (ManifestFile{"xtrabackup_checkpoints", 3, "06b05ab6733a618578af5f94892f3950",
                                    FileKind::kMetadata, std::nullopt}));
  EXPECT_EQ(fs.Stat("b/db/t.ibd")->mode, 0640u);
  EXPECT_EQ(fs.Stat("b/db")->mode, 0750u);
  EXPECT_EQ(*io::ReadFileToString(fs, "b/db/t.ibd"), pages);
}

TEST(BackupTargetTest, DeltasRecordTheirPageImages) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  // 4 KiB pages: blocks of one header and up to 1023 images.
  const std::vector<std::pair<uint64_t, uint64_t>> cases = {
      {1, 0}, {2, 1}, {1024, 1023}, {1026, 1024}, {2048, 2046}, {2050, 2047}};
  for (const auto& [pages, images] : cases) {
    const std::string name = absl::StrFormat("t%d.ibd.delta", pages);
    ASSERT_TRUE(WriteFile(*target, name, std::string(pages * 4096, 'x'), FileKind::kInnodbDelta,
                          TablespaceFileInfo{5, 4096, 0})
                    .ok());
    bool found = false;
    for (const ManifestFile& f : target->Files()) {
      if (f.path != name) continue;
      found = true;
      EXPECT_EQ(f.tablespace->pages, images) << name;
    }
    EXPECT_TRUE(found) << name;
  }
}

TEST(BackupTargetTest, EachPathIsWrittenOnce) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  ASSERT_TRUE(target->WriteSmallFile("x", "1").ok());
  EXPECT_EQ(target->WriteSmallFile("x", "2"), absl::AlreadyExistsError("open 'b/x': File exists"));
  EXPECT_EQ(*io::ReadFileToString(fs, "b/x"), "1");
  EXPECT_EQ(target->Files().size(), 1u);
}

TEST(BackupTargetTest, PathsMustStayInsideTheTarget) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  for (const char* bad : {"../x", "/etc/passwd", "a//b", "./a", "a/..", "", "a/"}) {
    EXPECT_EQ(target->OpenFile(bad).status(),
              absl::InvalidArgumentError(absl::StrFormat(
                  "invalid backup file path '%s': must be relative, without '.', '..' or empty "
                  "components",
                  bad)));
  }
  EXPECT_EQ(target->WriteSmallFile("tidemark_manifest.json", "{}"),
            absl::InvalidArgumentError("'tidemark_manifest.json' is reserved for the manifest"));
}

TEST(BackupTargetTest, ManyThreadsWriteAtOnce) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string path = absl::StrFormat("db%d/t%03d.ibd", i % 3, t * 50 + i);
        EXPECT_TRUE(WriteFile(*target, path, PatternBytes(100, i)).ok()) << path;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<ManifestFile> files = target->Files();
  ASSERT_EQ(files.size(), 400u);
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  EXPECT_TRUE(target->Complete(Manifest{}).ok());
}

TEST(BackupTargetTest, CompleteWritesTheManifestLast) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  ASSERT_TRUE(WriteFile(*target, "ibdata1", "data", FileKind::kInnodbTablespace,
                        TablespaceFileInfo{0, 16384, 0})
                  .ok());
  Manifest m;
  m.to_lsn = Lsn(44404);
  ASSERT_TRUE(target->Complete(m).ok());
  absl::StatusOr<Manifest> read = ReadManifest(fs, "b");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->producer, "tidemark 0.1.0");
  EXPECT_EQ(read->to_lsn, Lsn(44404));
  EXPECT_EQ(read->files, target->Files());
  EXPECT_EQ(target->OpenFile("late").status(),
            absl::FailedPreconditionError("backup target 'b' is already complete"));
  EXPECT_EQ(target->Complete(m),
            absl::FailedPreconditionError("backup target 'b' is already complete"));
}

TEST(BackupTargetTest, CompleteRefusesWhileFilesAreOpen) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  auto a = *target->OpenFile("a");
  auto c = *target->OpenFile("c");
  EXPECT_EQ(target->Complete(Manifest{}),
            absl::FailedPreconditionError("backup target 'b': cannot complete: 2 files are still "
                                          "open"));
  ASSERT_TRUE(a->Close().ok());
  ASSERT_TRUE(c->Close().ok());
  EXPECT_TRUE(target->Complete(Manifest{}).ok());
}

TEST(BackupTargetTest, FullDiskNamesTheFileAndBlocksComplete) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto target = *BackupTarget::Create(fs, "b");
  fs.FailWritesAfter(10);
  absl::Status full =
      absl::ResourceExhaustedError("write 'b/db/t.ibd' at 10: No space left on device");
  EXPECT_EQ(WriteFile(*target, "db/t.ibd", PatternBytes(100)), full);
  EXPECT_EQ(target->WriteSmallFile("xtrabackup_info", "x").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(target->Complete(Manifest{}),
            absl::FailedPreconditionError(
                "backup target 'b': cannot complete: 'db/t.ibd' was not written completely "
                "(write 'b/db/t.ibd' at 10: No space left on device)"));
  EXPECT_TRUE(absl::IsNotFound(ReadManifest(mem, "b").status()));
  EXPECT_TRUE(target->Files().empty());
}

TEST(BackupTargetTest, SmallFileWriteErrorNamesTheFile) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto target = *BackupTarget::Create(fs, "b");
  fs.FailWritesAfter(0);
  EXPECT_EQ(
      target->WriteSmallFile("xtrabackup_info", "uuid = x\n"),
      absl::ResourceExhaustedError("write 'b/xtrabackup_info' at 0: No space left on device"));
}

TEST(BackupTargetTest, AbandonKeepsFilesAndWritesNoManifest) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  ASSERT_TRUE(target->WriteSmallFile("db/t.frm", "frm").ok());
  auto open = *target->OpenFile("db/u.ibd");
  target->Abandon();
  absl::Status abandoned = absl::FailedPreconditionError("backup target 'b' was abandoned");
  EXPECT_EQ(target->OpenFile("x").status(), abandoned);
  EXPECT_TRUE(open->Close().ok());  // files already open still close normally
  EXPECT_EQ(target->Complete(Manifest{}), abandoned);
  EXPECT_EQ(*io::ReadFileToString(fs, "b/db/t.frm"), "frm");
  EXPECT_EQ(ReadManifest(fs, "b").status(),
            absl::NotFoundError(
                "backup 'b' is incomplete: no tidemark_manifest.json (the backup did not finish)"));
}

TEST(BackupTargetTest, FileDestroyedUnclosedBlocksComplete) {
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b");
  { auto dropped = *target->OpenFile("db/t.ibd"); }
  EXPECT_EQ(target->Complete(Manifest{}),
            absl::FailedPreconditionError(
                "backup target 'b': cannot complete: 'db/t.ibd' was not written completely "
                "('b/db/t.ibd' was not closed)"));
}

TEST(BackupTargetTest, FilesAndDirectoriesAreSyncedBeforeTheManifest) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto target = *BackupTarget::Create(fs, "b");
  ASSERT_TRUE(WriteFile(*target, "db/t.ibd", "x").ok());
  EXPECT_EQ(fs.count(FsOp::kSync), 0);  // not one by one: one syncfs in Complete
  fs.FailPath(FsOp::kSyncDir, "b/db", EIO);
  EXPECT_EQ(target->Complete(Manifest{}), absl::DataLossError("sync 'b/db': Input/output error"));
  EXPECT_TRUE(absl::IsNotFound(ReadManifest(mem, "b").status()));
  EXPECT_EQ(target->Complete(Manifest{}),
            absl::FailedPreconditionError("backup target 'b' was abandoned"));
}

TEST(BackupTargetTest, FailedFileSystemSyncLeavesNoManifest) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto target = *BackupTarget::Create(fs, "b");
  ASSERT_TRUE(WriteFile(*target, "t.ibd", "x").ok());
  fs.FailPath(FsOp::kSyncDir, "b", EIO);  // SyncFileSystem("b") fails
  EXPECT_EQ(target->Complete(Manifest{}), absl::DataLossError("sync 'b': Input/output error"));
  EXPECT_TRUE(absl::IsNotFound(ReadManifest(mem, "b").status()));
}

TEST(BackupTargetTest, SyncCanBeTurnedOff) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  auto target = *BackupTarget::Create(fs, "b", {.sync_files = false});
  ASSERT_TRUE(WriteFile(*target, "a", "x").ok());
  EXPECT_EQ(fs.count(FsOp::kSync), 0);
  EXPECT_TRUE(target->Complete(Manifest{}).ok());
  EXPECT_EQ(fs.count(FsOp::kSync), 1);  // the manifest itself is always synced
}


// The plain contents of the stored file `path` (decrypted with `key` when given, then
// decompressed when it ends in .zst).
std::string Decode(io::FileSystem& fs, const std::string& path, const io::CryptKey* key) {
  std::string bytes = *io::ReadFileToString(fs, path);
  auto sink_to = [](std::string& out) {
    return [&out](ByteSpan b) {
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return absl::OkStatus();
    };
  };
  if (key != nullptr) {
    MemFileSystem tmp;
    EXPECT_TRUE(io::WriteStringToFile(tmp, "f", bytes).ok());
    std::string plain;
    EXPECT_TRUE(io::DecryptFile(**tmp.OpenForRead("f"), *key, sink_to(plain)).ok());
    bytes = plain;
  }
  if (path.find(".zst") != std::string::npos) {
    MemFileSystem tmp;
    EXPECT_TRUE(io::WriteStringToFile(tmp, "f", bytes).ok());
    std::string plain;
    EXPECT_TRUE(io::DecompressZstd(**tmp.OpenForRead("f"), sink_to(plain)).ok());
    bytes = plain;
  }
  return bytes;
}

TEST(BackupTargetTest, CompressedAndEncryptedFilesRecordPlainAndStoredForms) {
  MemFileSystem fs;
  io::CryptKey key;
  key.bytes.fill(7);
  BackupTargetOptions options{.compress = io::ZstdOptions{.level = 3}, .encrypt_key = key,
                              .crypt_chunk_size = 4096};
  auto target = *BackupTarget::Create(fs, "b", options);
  const auto pattern = PatternBytes(50000, 3);
  const std::string data(pattern.begin(), pattern.end());
  ASSERT_TRUE(WriteFile(*target, "db/t.ibd", data, FileKind::kInnodbTablespace,
                        TablespaceFileInfo{5, 16384, 0})
                  .ok());
  ASSERT_TRUE(target->WriteSmallFile(std::string(kXtrabackupCheckpointsName), "backup_type = x\n")
                  .ok());
  ASSERT_TRUE(target->Complete(Manifest{}).ok());

  EXPECT_TRUE(absl::IsNotFound(fs.Stat("b/db/t.ibd").status()));
  EXPECT_EQ(Decode(fs, "b/db/t.ibd.zst.tmenc", &key), data);
  EXPECT_EQ(*io::ReadFileToString(fs, "b/xtrabackup_checkpoints"), "backup_type = x\n");
  absl::StatusOr<Manifest> m = ReadManifest(fs, "b");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->files.size(), 2u);
  const ManifestFile& t = m->files[0];
  EXPECT_EQ(t.path, "db/t.ibd");
  EXPECT_EQ(t.size, data.size());
  EXPECT_EQ(t.xxh3_128, io::HashBytes(AsBytes(data)).xxh3_128);
  EXPECT_EQ(t.tablespace->pages, 3u);  // of the plain size
  ASSERT_TRUE(t.stored.has_value());
  EXPECT_EQ(t.stored->suffix, ".zst.tmenc");
  const io::ContentHash stored = *io::HashFile(fs, "b/db/t.ibd.zst.tmenc");
  EXPECT_EQ(t.stored->size, stored.size);
  EXPECT_EQ(t.stored->xxh3_128, stored.xxh3_128);
  EXPECT_FALSE(m->files[1].stored.has_value());  // xtrabackup_checkpoints stays plain

  // The encryption header names the file as stored before encryption.
  auto in = *fs.OpenForRead("b/db/t.ibd.zst.tmenc");
  auto reader = *io::CryptReader::Open(*in, key);
  EXPECT_EQ(reader->header().file_id, "db/t.ibd.zst");
}

TEST(BackupTargetTest, CompressionAloneAndEncryptionAloneNameTheirSuffix) {
  io::CryptKey key;
  BackupTargetOptions zst{.compress = io::ZstdOptions{}};
  BackupTargetOptions enc{.encrypt_key = key};
  EXPECT_EQ(StoredSuffix(zst, "ibdata1"), ".zst");
  EXPECT_EQ(StoredSuffix(enc, "ibdata1"), ".tmenc");
  EXPECT_EQ(StoredSuffix(BackupTargetOptions{}, "ibdata1"), "");
  EXPECT_EQ(StoredSuffix(zst, "xtrabackup_checkpoints"), "");
  MemFileSystem fs;
  auto target = *BackupTarget::Create(fs, "b", enc);
  ASSERT_TRUE(WriteFile(*target, "ib_logfile0", "redo", FileKind::kRedo).ok());
  EXPECT_EQ(Decode(fs, "b/ib_logfile0.tmenc", &key), "redo");
  auto in = *fs.OpenForRead("b/ib_logfile0.tmenc");
  EXPECT_EQ((*io::CryptReader::Open(*in, key))->header().file_id, "ib_logfile0");
}

TEST(BackupTargetTest, StreamTargetWritesEveryFileAndTheManifestLast) {
  std::string stream;
  XbstreamWriter writer([&](ByteSpan b) {
    stream.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  });
  auto target = BackupTarget::CreateStream(writer, "stdout", {.compress = io::ZstdOptions{}});
  EXPECT_EQ(target->dir(), "stdout");
  ASSERT_TRUE(WriteFile(*target, "db/t.frm", "frm bytes").ok());
  ASSERT_TRUE(target->WriteSmallFile("xtrabackup_checkpoints", "cp").ok());
  ASSERT_TRUE(target->Complete(Manifest{}).ok());
  EXPECT_FALSE(target->OpenFile("late").ok());
  // The manifest is the last entry of the stream.
  EXPECT_NE(stream.rfind("tidemark_manifest.json"), std::string::npos);
  EXPECT_GT(stream.rfind("tidemark_manifest.json"), stream.rfind("xtrabackup_checkpoints"));

  MemFileSystem fs;
  auto source = io::NewMemorySource(AsBytes(stream));
  ASSERT_TRUE(ExtractXbstream(*source, fs, "out").ok());
  EXPECT_EQ(Decode(fs, "out/db/t.frm.zst", nullptr), "frm bytes");
  EXPECT_EQ(*io::ReadFileToString(fs, "out/xtrabackup_checkpoints"), "cp");
  absl::StatusOr<Manifest> m = ReadManifest(fs, "out");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->files.size(), 2u);
  EXPECT_EQ(m->files[0].path, "db/t.frm");
  EXPECT_EQ(m->files[0].stored->suffix, ".zst");
  EXPECT_EQ(m->files[0].stored->xxh3_128, io::HashFile(fs, "out/db/t.frm.zst")->xxh3_128);
}

TEST(BackupTargetTest, StreamTargetWithoutCompleteHasNoManifest) {
  std::string stream;
  XbstreamWriter writer([&](ByteSpan b) {
    stream.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  });
  auto target = BackupTarget::CreateStream(writer, "stdout");
  ASSERT_TRUE(WriteFile(*target, "a", "x").ok());
  target->Abandon();
  EXPECT_FALSE(target->Complete(Manifest{}).ok());
  EXPECT_EQ(stream.find("tidemark_manifest.json"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::engine
