// Tests of the zstd stage: round trips through the WritableFile wrapper and DecompressZstd,
// the sequential-write contract, a corrupt and a truncated frame (each named), and that the
// `zstd` CLI decompresses what we write (the format xtrabackup 8 and `zstd -d` read).
#include "io/zstd_stage.h"

#include <zstd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "io/posix_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"
#include "tests/support/test_server.h"

namespace tidemark::io {
namespace {

using ::testing::HasSubstr;
using ::tidemark::testing::AsBytes;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

// Writes `data` to `path` through the zstd wrapper in pieces of `piece` bytes.
absl::Status Compress(FileSystem& fs, const std::string& path, std::string_view data, int level = 1,
                      size_t piece = 100000) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> raw, fs.OpenForWrite(path));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> z,
                      NewZstdWritableFile(std::move(raw), ZstdOptions{.level = level}));
  for (size_t at = 0; at < data.size(); at += piece) {
    TM_RETURN_IF_ERROR(z->Append(AsBytes(data.substr(at, piece))));
  }
  return z->Close();
}

absl::StatusOr<std::string> Decompress(FileSystem& fs, const std::string& path) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> in, fs.OpenForRead(path));
  std::string out;
  TM_RETURN_IF_ERROR(DecompressZstd(*in, [&](ByteSpan b) {
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
    return absl::OkStatus();
  }));
  return out;
}

TEST(ZstdStageTest, RoundTripsManySizes) {
  MemFileSystem fs;
  for (size_t size : {size_t{0}, size_t{1}, size_t{16384},
                      // a multiple of the decoder's 128 KiB output buffer
                      size_t{1} << 20, size_t{3} << 20 | 7}) {
    const std::string data = PatternBytes(size, static_cast<uint32_t>(size));
    TM_ASSERT_OK(Compress(fs, "t.zst", data, 3));
    TM_ASSERT_OK_AND_ASSIGN(std::string back, Decompress(fs, "t.zst"));
    EXPECT_EQ(back, data) << size;
  }
}

// Frames of a MiB of input: 3 MiB + 7 bytes make four frames, each with its content size.
TEST(ZstdStageTest, CompressesInFramesOfAMiB) {
  MemFileSystem fs;
  const std::string data = PatternBytes((size_t{3} << 20) + 7, 4);
  TM_ASSERT_OK(Compress(fs, "t.zst", data, 1, 300000));
  const std::string z = *ReadFileToString(fs, "t.zst");
  std::vector<unsigned long long> sizes;
  for (size_t at = 0; at < z.size();) {
    const size_t n = ZSTD_findFrameCompressedSize(z.data() + at, z.size() - at);
    ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
    sizes.push_back(ZSTD_getFrameContentSize(z.data() + at, n));
    at += n;
  }
  EXPECT_EQ(sizes, (std::vector<unsigned long long>{1 << 20, 1 << 20, 1 << 20, 7}));
  TM_ASSERT_OK_AND_ASSIGN(std::string back, Decompress(fs, "t.zst"));
  EXPECT_EQ(back, data);
}

TEST(ZstdStageTest, WorkerThreadsWriteTheSameStandardFrames) {
  MemFileSystem fs;
  const std::string data = PatternBytes(size_t{5} << 20, 9);
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> raw, fs.OpenForWrite("t.zst"));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> z,
                          NewZstdWritableFile(std::move(raw), ZstdOptions{.level = 1, .workers = 2}));
  for (size_t at = 0; at < data.size(); at += 300000) {
    TM_ASSERT_OK(z->Append(AsBytes(std::string_view(data).substr(at, 300000))));
  }
  TM_ASSERT_OK(z->Close());
  TM_ASSERT_OK_AND_ASSIGN(std::string back, Decompress(fs, "t.zst"));
  EXPECT_EQ(back, data);
}

// The push decompressor (NewUnzstdWritableFile) fed `bytes` in pieces of `piece` bytes.
absl::StatusOr<std::string> PushDecompress(const std::string& bytes, size_t piece) {
  MemFileSystem fs;
  TM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.OpenForWrite("t"));
  std::unique_ptr<WritableFile> d = NewUnzstdWritableFile(std::move(out), "t.zst");
  absl::Status s;
  for (size_t at = 0; at < bytes.size() && s.ok(); at += piece) {
    s = d->Append(AsBytes(std::string_view(bytes).substr(at, piece)));
  }
  absl::Status closed = d->Close();
  TM_RETURN_IF_ERROR(s);
  TM_RETURN_IF_ERROR(closed);
  return *ReadFileToString(fs, "t");
}

// Pushing a file through the decompressor gives what DecompressZstd gives: the same bytes, or
// the same error for a truncated, empty or damaged file.
TEST(ZstdStageTest, PushDecompressionAgreesWithDecompressZstd) {
  MemFileSystem fs;
  const std::string data = PatternBytes((size_t{3} << 20) + 5, 3);
  TM_ASSERT_OK(Compress(fs, "t.zst", data, 1, 65536));
  const std::string good = *ReadFileToString(fs, "t.zst");
  auto expect_same = [&](const std::string& bytes, const std::string& what) {
    TM_ASSERT_OK(WriteStringToFile(fs, "t.zst", bytes));
    const absl::StatusOr<std::string> want = Decompress(fs, "t.zst");
    for (size_t piece : {size_t{1} << 20, size_t{777}}) {
      const absl::StatusOr<std::string> got = PushDecompress(bytes, piece);
      ASSERT_EQ(got.status().code(), want.status().code()) << what << " " << got.status();
      if (want.ok()) ASSERT_EQ(*got, *want) << what;
    }
  };
  expect_same(good, "whole");
  expect_same("", "empty");
  expect_same(good.substr(0, good.size() - 1), "cut by one byte");
  expect_same(good.substr(0, good.size() / 2), "cut in half");
  std::string bad = good;
  bad[bad.size() / 2] ^= 0x55;
  expect_same(bad, "flipped");
  TM_ASSERT_OK(WriteStringToFile(fs, "t.zst", good.substr(0, 1000)));
  EXPECT_EQ(PushDecompress(good.substr(0, 1000), 100).status(),
            absl::DataLossError("decompress 't.zst': truncated: the last frame is incomplete at "
                                "the end of the file (1000 bytes)"));
}

// Percona XtraBackup 8 (ds_compress_zstd.cc) ends a frame at every write of its data sink, so
// its .zst files are many concatenated frames.
TEST(ZstdStageTest, ReadsConcatenatedFrames) {
  MemFileSystem fs;
  TM_ASSERT_OK(Compress(fs, "a.zst", PatternBytes(300000, 1)));
  TM_ASSERT_OK(Compress(fs, "b.zst", PatternBytes(5, 2)));
  TM_ASSERT_OK(WriteStringToFile(fs, "t.zst",
                                 *ReadFileToString(fs, "a.zst") + *ReadFileToString(fs, "b.zst")));
  TM_ASSERT_OK_AND_ASSIGN(std::string back, Decompress(fs, "t.zst"));
  EXPECT_EQ(back, PatternBytes(300000, 1) + PatternBytes(5, 2));
}

TEST(ZstdStageTest, CompressesRepetitiveData) {
  MemFileSystem fs;
  const std::string data(1 << 20, 'a');
  TM_ASSERT_OK(Compress(fs, "t.zst", data));
  TM_ASSERT_OK_AND_ASSIGN(FileInfo info, fs.Stat("t.zst"));
  EXPECT_LT(info.size, 1000u);
}

TEST(ZstdStageTest, RejectsLevelOutOfRange) {
  MemFileSystem fs;
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> raw, fs.OpenForWrite("t.zst"));
  auto z = NewZstdWritableFile(std::move(raw), ZstdOptions{.level = 20});
  EXPECT_EQ(z.status(),
            absl::InvalidArgumentError("compress 't.zst': zstd level 20 is out of range (1..19)"));
}

TEST(ZstdStageTest, RefusesWritesOutOfOrder) {
  MemFileSystem fs;
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> raw, fs.OpenForWrite("t.zst"));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> z, NewZstdWritableFile(std::move(raw)));
  TM_ASSERT_OK(z->WriteAt(0, AsBytes("abc")));
  EXPECT_EQ(z->WriteAt(10, AsBytes("x")),
            absl::InvalidArgumentError(
                "write 't.zst' at 10: a compressed file is written sequentially (next offset 3)"));
  TM_ASSERT_OK(z->Close());
}

TEST(ZstdStageTest, CorruptFrameIsNamed) {
  MemFileSystem fs;
  TM_ASSERT_OK(fs.CreateDir("db"));
  TM_ASSERT_OK(Compress(fs, "db/t.ibd.zst", PatternBytes(200000), 1));
  TM_ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(fs, "db/t.ibd.zst"));
  bytes[bytes.size() / 2] ^= 0x40;
  TM_ASSERT_OK(WriteStringToFile(fs, "db/t.ibd.zst", bytes));
  auto r = Decompress(fs, "db/t.ibd.zst");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("decompress 'db/t.ibd.zst' at "));
}

TEST(ZstdStageTest, TruncatedFrameIsNamed) {
  MemFileSystem fs;
  TM_ASSERT_OK(Compress(fs, "t.zst", PatternBytes(200000)));
  TM_ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(fs, "t.zst"));
  bytes.resize(bytes.size() - 5);
  TM_ASSERT_OK(WriteStringToFile(fs, "t.zst", bytes));
  EXPECT_EQ(Decompress(fs, "t.zst").status(),
            absl::DataLossError(absl::StrFormat(
                "decompress 't.zst': truncated: the last frame is incomplete at the end of the "
                "file (%d bytes)",
                bytes.size())));
}

TEST(ZstdStageTest, EmptyFileIsNotAFrame) {
  MemFileSystem fs;
  TM_ASSERT_OK(WriteStringToFile(fs, "t.zst", ""));
  EXPECT_EQ(Decompress(fs, "t.zst").status(),
            absl::DataLossError("decompress 't.zst': empty file, no zstd frame"));
}

TEST(ZstdStageTest, SinkErrorStopsDecompression) {
  MemFileSystem fs;
  TM_ASSERT_OK(Compress(fs, "t.zst", PatternBytes(1000)));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RandomAccessFile> in, fs.OpenForRead("t.zst"));
  EXPECT_EQ(DecompressZstd(*in, [](ByteSpan) { return absl::ResourceExhaustedError("full"); }),
            absl::ResourceExhaustedError("full"));
}

TEST(ZstdStageTest, ZstdCliDecompressesOurFiles) {
  TM_REQUIRE_PROGRAMS("zstd");
  tidemark::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string data = PatternBytes((2 << 20) + 12345);
  const std::string path = dir.path() + "/t.ibd.zst";
  TM_ASSERT_OK(Compress(*fs, path, data, 3));
  const std::string cmd = "zstd -q -d -f '" + path + "' -o '" + dir.path() + "/t.ibd'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  TM_ASSERT_OK_AND_ASSIGN(std::string back, ReadFileToString(*fs, dir.path() + "/t.ibd"));
  EXPECT_EQ(back, data);
}

TEST(ZstdStageTest, WeDecompressTheZstdCliFiles) {
  TM_REQUIRE_PROGRAMS("zstd");
  tidemark::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string data = PatternBytes(300000, 5);
  TM_ASSERT_OK(WriteStringToFile(*fs, dir.path() + "/x", data));
  const std::string cmd = "zstd -q -19 -f '" + dir.path() + "/x' -o '" + dir.path() + "/x.zst'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  TM_ASSERT_OK_AND_ASSIGN(std::string back, Decompress(*fs, dir.path() + "/x.zst"));
  EXPECT_EQ(back, data);
}

}  // namespace
}  // namespace tidemark::io
