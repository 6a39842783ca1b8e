// Tests of the xbstream extractor (engine/xbstream_extract.h) on MemFileSystem: interleaved
// files with several workers, empty files and holes, exclusive create and REWRITE, rename and
// remove chunks, and what a corrupt or truncated stream or a failing target leaves behind
// (completed files stay, files in progress are removed, no partial file remains).
#include "engine/xbstream_extract.h"

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "innodb/base/crc32.h"
#include "io/crypt_stage.h"
#include "io/zstd_stage.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

// Builds a stream with the writer; chunks of the open files interleave.
class StreamBuilder {
 public:
  explicit StreamBuilder(size_t chunk_size = 1000)
      : writer_(
            [this](ByteSpan b) {
              absl::MutexLock lock(&mu_);
              data_.append(reinterpret_cast<const char*>(b.data()), b.size());
              return absl::OkStatus();
            },
            chunk_size) {}
  XbstreamWriter& writer() { return writer_; }
  std::string data() {
    absl::MutexLock lock(&mu_);
    return data_;
  }

 private:
  absl::Mutex mu_;
  std::string data_;
  XbstreamWriter writer_;
};

// Three files of 5000 bytes written in 1000-byte chunks, round-robin, plus an empty one.
std::string InterleavedStream() {
  StreamBuilder b;
  std::vector<std::unique_ptr<io::WritableFile>> files;
  for (int i = 0; i < 3; ++i) files.push_back(*b.writer().OpenFile(absl::StrFormat("d%d/f", i)));
  for (int part = 0; part < 5; ++part) {
    for (int i = 0; i < 3; ++i) {
      const std::string bytes = PatternBytes(5000, i).substr(part * 1000, 1000);
      EXPECT_TRUE(files[i]->Append(AsBytes(bytes)).ok());
    }
  }
  for (auto& f : files) EXPECT_TRUE(f->Close().ok());
  EXPECT_TRUE(b.writer().WriteFile("empty", {}).ok());
  return b.data();
}

absl::StatusOr<ExtractSummary> Extract(io::FileSystem& fs, const std::string& stream,
                                       int parallel = 1, std::string_view dir = "out") {
  auto src = io::NewMemorySource(AsBytes(stream), "test.xb", 777);
  return ExtractXbstream(*src, fs, dir, {.parallel = parallel});
}

std::string Contents(io::FileSystem& fs, std::string_view path) {
  absl::StatusOr<std::string> s = io::ReadFileToString(fs, path);
  return s.ok() ? *s : "<" + s.status().ToString() + ">";
}

// Every file under `dir`, recursively, "path" relative to dir.
std::vector<std::string> ListTree(io::FileSystem& fs, const std::string& dir,
                                  const std::string& prefix = "") {
  std::vector<std::string> out;
  auto entries = fs.ListDir(dir);
  if (!entries.ok()) return out;
  for (const io::FileInfo& e : *entries) {
    const std::string rel = prefix.empty() ? e.name : prefix + "/" + e.name;
    if (e.type == io::FileType::kDirectory) {
      for (auto& s : ListTree(fs, dir + "/" + e.name, rel)) out.push_back(s);
    } else {
      out.push_back(rel);
    }
  }
  return out;
}

TEST(XbstreamExtractTest, InterleavedFilesWithFourWorkers) {
  MemFileSystem fs;
  TM_ASSERT_OK_AND_ASSIGN(ExtractSummary sum, Extract(fs, InterleavedStream(), 4));
  EXPECT_EQ(sum.files, 4u);
  EXPECT_EQ(sum.bytes, 15000u);
  EXPECT_EQ(sum.chunks, 19u);  // 15 P + 4 E
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Contents(fs, absl::StrFormat("out/d%d/f", i)), PatternBytes(5000, i));
  }
  EXPECT_EQ(Contents(fs, "out/empty"), "");
  EXPECT_EQ(fs.Stat("out/d1/f")->mode, 0640u);
  EXPECT_EQ(ListTree(fs, "out"),
            (std::vector<std::string>{"d0/f", "d1/f", "d2/f", "empty"}));
}

// Workers reaching the end of the stream must not drop chunks other workers still hold.
TEST(XbstreamExtractTest, EveryFileCompletesWhenWorkersReachTheEnd) {
  StreamBuilder b;
  for (int i = 0; i < 16; ++i) {
    TM_ASSERT_OK(b.writer().WriteFile(absl::StrFormat("f%02d", i), AsBytes(PatternBytes(i, i))));
  }
  const std::string stream = b.data();
  for (int round = 0; round < 200; ++round) {
    MemFileSystem fs;
    TM_ASSERT_OK_AND_ASSIGN(ExtractSummary sum, Extract(fs, stream, 8));
    ASSERT_EQ(sum.files, 16u) << "round " << round;
    ASSERT_EQ(ListTree(fs, "out").size(), 16u) << "round " << round;
  }
}

TEST(XbstreamExtractTest, SeekLeavesAHole) {
  StreamBuilder b;
  auto f = *b.writer().OpenFile("h");
  TM_ASSERT_OK(f->Append(AsBytes("ab")));
  TM_ASSERT_OK(f->WriteAt(6, AsBytes("z")));
  TM_ASSERT_OK(f->Close());
  MemFileSystem fs;
  TM_ASSERT_OK(Extract(fs, b.data()).status());
  EXPECT_EQ(Contents(fs, "out/h"), std::string("ab\0\0\0\0z", 7));
}

TEST(XbstreamExtractTest, ExistingFileIsNotOverwrittenWithoutRewrite) {
  MemFileSystem fs;
  TM_ASSERT_OK(io::CreateDirs(fs, "out"));
  TM_ASSERT_OK(io::WriteStringToFile(fs, "out/a", "old"));
  StreamBuilder b;
  TM_ASSERT_OK(b.writer().WriteFile("a", AsBytes("new")));
  absl::StatusOr<ExtractSummary> r = Extract(fs, b.data());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "extract 'a': 'out/a' already exists");
  EXPECT_EQ(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kTarget);
  EXPECT_EQ(Contents(fs, "out/a"), "old");

  StreamBuilder rw;
  auto f = *rw.writer().OpenFile("a", /*rewrite=*/true);
  TM_ASSERT_OK(f->Append(AsBytes("new")));
  TM_ASSERT_OK(f->Close());
  TM_ASSERT_OK(Extract(fs, rw.data()).status());
  EXPECT_EQ(Contents(fs, "out/a"), "new");
}

TEST(XbstreamExtractTest, CorruptChunkKeepsCompletedFilesAndRemovesPartialOnes) {
  StreamBuilder b(4);
  TM_ASSERT_OK(b.writer().WriteFile("done", AsBytes("complete")));
  auto f = *b.writer().OpenFile("db/t.ibd");
  TM_ASSERT_OK(f->Append(AsBytes("abcdefgh")));
  TM_ASSERT_OK(f->Close());
  std::string s = b.data();
  s[s.size() - 14 - 8 - 1] ^= 0x20;  // last payload byte of db/t.ibd ("h")
  MemFileSystem fs;
  absl::StatusOr<ExtractSummary> r = Extract(fs, s, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kCorrupt);
  EXPECT_NE(r.status().message().find("chunk of 'db/t.ibd' at file offset 4: checksum mismatch"),
            absl::string_view::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("(incomplete files removed: 'db/t.ibd')"),
            absl::string_view::npos)
      << r.status();
  EXPECT_EQ(ListTree(fs, "out"), std::vector<std::string>{"done"});
}

TEST(XbstreamExtractTest, TruncatedStreamNamesTheFilesInProgress) {
  StreamBuilder b(4);
  TM_ASSERT_OK(b.writer().WriteFile("a", AsBytes("abcdefgh")));
  const std::string s = b.data();
  const std::string cut = s.substr(0, s.size() - 14 - 1 - 5);  // drop E and part of a chunk
  MemFileSystem fs;
  absl::StatusOr<ExtractSummary> r = Extract(fs, cut, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kOutOfRange) << r.status();
  EXPECT_EQ(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kInput);
  EXPECT_NE(r.status().message().find("truncated stream 'test.xb': the chunk of 'a' at byte"),
            absl::string_view::npos)
      << r.status();
  EXPECT_TRUE(ListTree(fs, "out").empty());

  const std::string no_end = s.substr(0, s.size() - 15);  // only the E chunk is missing
  MemFileSystem fs2;
  r = Extract(fs2, no_end);
  EXPECT_EQ(std::string(r.status().message()),
            absl::StrFormat("truncated stream 'test.xb': ends at byte %d with 1 file not closed "
                            "by an end chunk: 'a' (incomplete files removed: 'a')",
                            no_end.size()));
  EXPECT_TRUE(ListTree(fs2, "out").empty());
}

TEST(XbstreamExtractTest, DiskFullNamesTheFileAndLeavesNoPartialFile) {
  MemFileSystem mem;
  FaultInjectionFileSystem fs(mem);
  fs.FailWritesAfter(12000);
  absl::StatusOr<ExtractSummary> r = Extract(fs, InterleavedStream(), 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
  EXPECT_EQ(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kTarget);
  EXPECT_NE(r.status().message().find(".tidemark-partial' at "), absl::string_view::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("No space left on device"), absl::string_view::npos);
  for (const std::string& f : ListTree(mem, "out")) {
    EXPECT_EQ(f.find(".tidemark-partial"), std::string::npos) << f;
    EXPECT_EQ(Contents(mem, "out/" + f).size(), 5000u) << f;  // only complete files remain
  }
}

TEST(XbstreamExtractTest, EveryFailedFileOperationIsATargetError) {
  for (FsOp op : {FsOp::kOpenWrite, FsOp::kWrite, FsOp::kClose, FsOp::kRename, FsOp::kMkdir}) {
    MemFileSystem mem;
    FaultInjectionFileSystem fs(mem);
    fs.FailNth(op, 2, EACCES);
    absl::StatusOr<ExtractSummary> r = Extract(fs, InterleavedStream(), 2);
    ASSERT_FALSE(r.ok()) << static_cast<int>(op);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << r.status();
    EXPECT_EQ(GetXbstreamErrorKind(r.status()), XbstreamErrorKind::kTarget) << r.status();
    for (const std::string& f : ListTree(mem, "out")) {
      EXPECT_EQ(f.find(".tidemark-partial"), std::string::npos) << f << " " << r.status();
    }
  }
}

TEST(XbstreamExtractTest, RenameAndRemoveChunks) {
  std::string s;
  {
    StreamBuilder b;
    TM_ASSERT_OK(b.writer().WriteFile("a", AsBytes("A")));
    TM_ASSERT_OK(b.writer().WriteFile("gone", AsBytes("G")));
    s = b.data();
  }
  auto hdr = [](char type, std::string_view path) {
    std::string h = std::string("XBSTCK01") + '\0' + type;
    for (int i = 0; i < 4; ++i) h += static_cast<char>(path.size() >> (8 * i));
    return h + std::string(path);
  };
  s += hdr('R', "a") + std::string("\x05\0\0\0", 4) + "new/b" + hdr('D', "gone");
  MemFileSystem fs;
  TM_ASSERT_OK_AND_ASSIGN(ExtractSummary sum, Extract(fs, s));
  EXPECT_EQ(sum.removed, 1u);
  EXPECT_EQ(ListTree(fs, "out"), std::vector<std::string>{"new/b"});
  EXPECT_EQ(Contents(fs, "out/new/b"), "A");
}


// Bytes zstd cannot shrink, so that the encrypted file spans many chunks.
std::string RandomBytes(size_t n) {
  std::mt19937 rng(5);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// A stream as `backup --compress --encrypt` writes it: t.ibd.zst.tmenc (several 4 KiB
// encryption chunks), c.frm.zst (compressed only), plain xtrabackup_checkpoints.
std::string EncodedStream(const io::CryptKey& key, const std::string& big) {
  StreamBuilder b(3000);
  auto t = *b.writer().OpenFile("db/t.ibd.zst.tmenc");
  t = *io::NewCryptWritableFile(std::move(t), key, {.chunk_size = 4096, .file_id = "db/t.ibd.zst"});
  t = *io::NewZstdWritableFile(std::move(t));
  auto c = *io::NewZstdWritableFile(*b.writer().OpenFile("db/c.frm.zst"));
  EXPECT_TRUE(t->Append(AsBytes(big)).ok());
  EXPECT_TRUE(c->Append(AsBytes("frm")).ok());
  EXPECT_TRUE(t->Close().ok());
  EXPECT_TRUE(c->Close().ok());
  EXPECT_TRUE(b.writer().WriteFile("xtrabackup_checkpoints", AsBytes("cp")).ok());
  return b.data();
}

absl::StatusOr<ExtractSummary> ExtractDecoding(io::FileSystem& fs, const std::string& stream,
                                               const io::CryptKey* key, bool decompress) {
  auto src = io::NewMemorySource(AsBytes(stream), "test.xb", 777);
  return ExtractXbstream(*src, fs, "out",
                         {.parallel = 2, .decrypt_key = key, .decompress = decompress});
}

TEST(XbstreamExtractTest, DecryptsAndDecompressesWhileExtracting) {
  io::CryptKey key;
  key.bytes.fill(3);
  const std::string big = RandomBytes(50000);
  const std::string stream = EncodedStream(key, big);
  MemFileSystem fs;
  TM_ASSERT_OK(ExtractDecoding(fs, stream, &key, true).status());
  EXPECT_EQ(ListTree(fs, "out"),
            (std::vector<std::string>{"db/c.frm", "db/t.ibd", "xtrabackup_checkpoints"}));
  EXPECT_EQ(Contents(fs, "out/db/t.ibd"), big);
  EXPECT_EQ(Contents(fs, "out/db/c.frm"), "frm");
  // Decrypting only leaves the compressed form; neither leaves the stream's names.
  MemFileSystem fs2;
  TM_ASSERT_OK(ExtractDecoding(fs2, stream, &key, false).status());
  EXPECT_EQ(ListTree(fs2, "out"), (std::vector<std::string>{"db/c.frm.zst", "db/t.ibd.zst",
                                                             "xtrabackup_checkpoints"}));
  MemFileSystem fs3;
  TM_ASSERT_OK(ExtractDecoding(fs3, stream, nullptr, false).status());
  EXPECT_EQ(ListTree(fs3, "out"), (std::vector<std::string>{"db/c.frm.zst", "db/t.ibd.zst.tmenc",
                                                             "xtrabackup_checkpoints"}));
  // Decompressing without the key: only what is compressed and not encrypted.
  MemFileSystem fs4;
  TM_ASSERT_OK(ExtractDecoding(fs4, stream, nullptr, true).status());
  EXPECT_EQ(ListTree(fs4, "out"), (std::vector<std::string>{"db/c.frm", "db/t.ibd.zst.tmenc",
                                                             "xtrabackup_checkpoints"}));
}

TEST(XbstreamExtractTest, DamageAndWrongKeyWhileDecodingAreNamed) {
  io::CryptKey key, wrong;
  key.bytes.fill(3);
  wrong.bytes.fill(4);
  const std::string big = RandomBytes(50000);
  const std::string stream = EncodedStream(key, big);
  {
    MemFileSystem fs;
    absl::Status s = ExtractDecoding(fs, stream, &wrong, true).status();
    EXPECT_EQ(GetXbstreamErrorKind(s), XbstreamErrorKind::kInput) << s;
    EXPECT_NE(s.message().find("decrypt 'db/t.ibd.zst.tmenc': wrong key"), std::string::npos) << s;
    for (const std::string& f : ListTree(fs, "out")) {
      EXPECT_EQ(f.find(".tidemark-partial"), std::string::npos) << f;
    }
  }
  {
    // A payload byte flipped and its chunk's CRC-32 fixed up, as an attacker or a bug would:
    // only the encryption notices. The first payload of t.ibd starts after its header.
    std::string bad = stream;
    const size_t after_path = bad.find("db/t.ibd.zst.tmenc") + 18;
    uint64_t length = 0;
    std::memcpy(&length, &bad[after_path], 8);
    const size_t payload = after_path + 8 + 8 + 4;
    ASSERT_GT(length, 2000u) << length;
    bad[payload + 2000] ^= 0x01;
    const uint32_t crc = Crc32(AsBytes(std::string_view(bad).substr(payload, length)));
    std::memcpy(&bad[payload - 4], &crc, 4);
    MemFileSystem fs;
    absl::Status s = ExtractDecoding(fs, bad, &key, true).status();
    EXPECT_EQ(GetXbstreamErrorKind(s), XbstreamErrorKind::kCorrupt) << s;
    EXPECT_NE(s.message().find("decrypt 'db/t.ibd.zst.tmenc' chunk 0: authentication failed"),
              std::string::npos)
        << s;
  }
}

}  // namespace
}  // namespace tidemark::engine
