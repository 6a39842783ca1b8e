// Tests of FileScanner: order, ranges, read-ahead depth and overlap (with a recording reader
// that completes out of order), the io_uring and pread paths on real files, direct I/O, and
// files that shrink, grow or fail while scanned.
#include "io/file_scanner.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/posix_file_system.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsString;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

// Scans `file` to the end; returns the bytes and checks the chunks are contiguous.
std::string ScanAll(RandomAccessFile& file, const ScanOptions& options) {
  absl::StatusOr<std::unique_ptr<FileScanner>> scanner = FileScanner::Create(file, options);
  EXPECT_TRUE(scanner.ok()) << scanner.status();
  if (!scanner.ok()) return "";
  std::string out;
  for (uint64_t expect = (*scanner)->begin();;) {
    absl::StatusOr<Chunk> chunk = (*scanner)->Next();
    EXPECT_TRUE(chunk.ok()) << chunk.status();
    if (!chunk.ok()) return out;
    EXPECT_EQ(chunk->offset, expect);
    if (chunk->data.empty()) return out;
    EXPECT_LE(chunk->data.size(), options.chunk_size);
    out += AsString(chunk->data);
    expect += chunk->data.size();
  }
}

// Records what the scanner asks of its reader; completes the newest read first.
class RecordingReader final : public AsyncReader {
 public:
  RecordingReader(RandomAccessFile& file, size_t depth) : file_(file), depth_(depth) {}
  size_t depth() const override { return depth_; }
  size_t in_flight() const override { return pending_.size(); }
  std::string_view backend() const override { return "recording"; }
  absl::Status Submit(uint64_t offset, MutableByteSpan buf, uint64_t tag) override {
    EXPECT_LT(pending_.size(), depth_);
    pending_.push_back({offset, buf, tag});
    ++submitted;
    max_in_flight = std::max(max_in_flight, pending_.size());
    return absl::OkStatus();
  }
  absl::StatusOr<AsyncRead> Wait() override {
    Pending p = pending_.back();
    pending_.pop_back();
    absl::StatusOr<size_t> n = file_.ReadAt(p.offset, p.buf);
    return AsyncRead{p.tag, n.ok() ? *n : 0, n.status()};
  }

  size_t submitted = 0;
  size_t max_in_flight = 0;

 private:
  struct Pending {
    uint64_t offset;
    MutableByteSpan buf;
    uint64_t tag;
  };
  RandomAccessFile& file_;
  size_t depth_;
  std::vector<Pending> pending_;
};

// A file whose NewAsyncReader hands out a RecordingReader the test can inspect.
class RecordingFile final : public RandomAccessFile {
 public:
  explicit RecordingFile(std::unique_ptr<RandomAccessFile> base) : base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  absl::StatusOr<uint64_t> Size() const override { return base_->Size(); }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, MutableByteSpan buf) override {
    return base_->ReadAt(offset, buf);
  }
  absl::StatusOr<std::unique_ptr<AsyncReader>> NewAsyncReader(size_t depth) override {
    auto reader = std::make_unique<RecordingReader>(*base_, depth);
    last_reader = reader.get();
    return reader;
  }
  RecordingReader* last_reader = nullptr;

 private:
  std::unique_ptr<RandomAccessFile> base_;
};

class FileScannerTest : public ::testing::Test {
 protected:
  std::unique_ptr<RandomAccessFile> MemFile(const std::string& data) {
    EXPECT_TRUE(WriteStringToFile(mem_, "db/t.ibd", data).ok());
    return *mem_.OpenForRead("db/t.ibd");
  }
  void SetUp() override { ASSERT_TRUE(mem_.CreateDir("db").ok()); }

  MemFileSystem mem_;
};

TEST_F(FileScannerTest, ReturnsEveryChunkInOrder) {
  std::string data = PatternBytes(5 * 65536 + 123);
  auto file = MemFile(data);
  EXPECT_EQ(ScanAll(*file, {.chunk_size = 65536, .depth = 3}), data);
  EXPECT_EQ(ScanAll(*file, {.chunk_size = 1000, .depth = 1}), data);
  EXPECT_EQ(ScanAll(*file, {.chunk_size = 1 << 20, .depth = 8}), data);
}

TEST_F(FileScannerTest, EndIsRepeatedAfterTheLastChunk) {
  auto file = MemFile("abc");
  auto scanner = *FileScanner::Create(*file);
  EXPECT_EQ(AsString(scanner->Next()->data), "abc");
  for (int i = 0; i < 2; ++i) {
    Chunk end = *scanner->Next();
    EXPECT_EQ(end.offset, 3u);
    EXPECT_TRUE(end.data.empty());
  }
  EXPECT_EQ(scanner->backend(), "sync");
}

TEST_F(FileScannerTest, EmptyFileEndsAtOnce) {
  auto file = MemFile("");
  auto scanner = *FileScanner::Create(*file);
  EXPECT_EQ(scanner->backend(), "none");
  Chunk end = *scanner->Next();
  EXPECT_EQ(end.offset, 0u);
  EXPECT_TRUE(end.data.empty());
}

TEST_F(FileScannerTest, ScansTheRequestedRange) {
  std::string data = PatternBytes(10000);
  auto file = MemFile(data);
  EXPECT_EQ(ScanAll(*file, {.chunk_size = 1024, .depth = 2, .begin = 1000, .end = 5000}),
            data.substr(1000, 4000));
  auto clamped = *FileScanner::Create(*file, {.begin = 9000, .end = 1 << 30});
  EXPECT_EQ(clamped->end(), 10000u);
  EXPECT_EQ(ScanAll(*file, {.begin = 20000}), "");
}

TEST_F(FileScannerTest, ReadsAheadUpToDepthWhileTheCallerHoldsAChunk) {
  std::string data = PatternBytes(10 * 4096);
  RecordingFile file(MemFile(data));
  auto scanner = *FileScanner::Create(file, {.chunk_size = 4096, .depth = 4});
  RecordingReader& reader = *file.last_reader;
  EXPECT_EQ(reader.depth(), 4u);
  EXPECT_EQ(reader.submitted, 4u);  // reading starts at Create
  for (size_t k = 0; k < 10; ++k) {
    Chunk chunk = *scanner->Next();
    ASSERT_EQ(chunk.offset, k * 4096);
    EXPECT_EQ(AsString(chunk.data), data.substr(k * 4096, 4096));
    // While the caller holds chunk k, chunks k+1..k+3 have been submitted.
    EXPECT_EQ(reader.submitted, std::min<size_t>(k + 4, 10)) << k;
  }
  EXPECT_TRUE(scanner->Next()->data.empty());
  EXPECT_EQ(reader.max_in_flight, 4u);
}

TEST_F(FileScannerTest, SmallFileGetsFewerSmallerBuffers) {
  RecordingFile file(MemFile(PatternBytes(5000)));
  auto scanner = *FileScanner::Create(file, {.chunk_size = 1 << 20, .depth = 8});
  EXPECT_EQ(file.last_reader->depth(), 1u);  // one chunk: one buffer
  EXPECT_EQ(scanner->Next()->data.size(), 5000u);
}

TEST_F(FileScannerTest, InvalidOptions) {
  auto file = MemFile("abc");
  EXPECT_EQ(FileScanner::Create(*file, {.chunk_size = 0}).status(),
            absl::InvalidArgumentError("scan 'db/t.ibd': chunk size must be positive"));
  EXPECT_EQ(FileScanner::Create(*file, {.depth = 0}).status(),
            absl::InvalidArgumentError("read 'db/t.ibd': queue depth 0 is outside [1, 4096]"));
}

TEST_F(FileScannerTest, ShrinkingFileIsOutOfRangeAndSticky) {
  auto file = MemFile(PatternBytes(4 * 65536));
  auto scanner = *FileScanner::Create(*file, {.chunk_size = 65536, .depth = 1});
  ASSERT_TRUE(scanner->Next().ok());  // chunk 0, read before the file shrinks
  ASSERT_TRUE(WriteStringToFile(mem_, "db/t.ibd", PatternBytes(65536 + 4096)).ok());
  absl::Status want = absl::OutOfRangeError(
      "read 'db/t.ibd' at 65536: file shrank below its size at open (262144): got 4096 of "
      "65536 bytes");
  EXPECT_EQ(scanner->Next().status(), want);
  EXPECT_EQ(scanner->Next().status(), want);
}

TEST_F(FileScannerTest, GrowthAfterCreateIsNotScanned) {
  std::string data = PatternBytes(3 * 4096);
  auto file = MemFile(data);
  auto scanner = *FileScanner::Create(*file, {.chunk_size = 4096, .depth = 1});
  auto writer = *mem_.OpenForWrite("db/t.ibd", {.truncate = false});
  ASSERT_TRUE(writer->Append(testing::AsBytes(PatternBytes(8192, 9))).ok());
  std::string seen;
  for (Chunk c = *scanner->Next(); !c.data.empty(); c = *scanner->Next()) seen += AsString(c.data);
  EXPECT_EQ(seen, data);
  EXPECT_EQ(scanner->end(), 3 * 4096u);
}

TEST_F(FileScannerTest, ReadErrorIsStickyAndNamesTheOffset) {
  testing::FaultInjectionFileSystem fs(mem_);
  ASSERT_TRUE(WriteStringToFile(mem_, "db/t.ibd", PatternBytes(4 * 65536)).ok());
  auto file = *fs.OpenForRead("db/t.ibd");
  fs.FailNth(testing::FsOp::kRead, 2, EIO);
  auto scanner = *FileScanner::Create(*file, {.chunk_size = 65536, .depth = 2});
  ASSERT_TRUE(scanner->Next().ok());
  absl::Status want = absl::DataLossError("read 'db/t.ibd' at 65536: Input/output error");
  EXPECT_EQ(scanner->Next().status(), want);
  EXPECT_EQ(scanner->Next().status(), want);
}

TEST_F(FileScannerTest, ShortReadIsReportedLikeAShrink) {
  testing::FaultInjectionFileSystem fs(mem_);
  ASSERT_TRUE(WriteStringToFile(mem_, "db/t.ibd", PatternBytes(3 * 4096)).ok());
  auto file = *fs.OpenForRead("db/t.ibd");
  fs.ShortReads("db/*", 100);
  auto scanner = *FileScanner::Create(*file, {.chunk_size = 4096});
  EXPECT_EQ(scanner->Next().status(),
            absl::OutOfRangeError("read 'db/t.ibd' at 0: file shrank below its size at open "
                                  "(12288): got 100 of 4096 bytes"));
}

// ---- Real files: io_uring and pread -------------------------------------------------------

class PosixFileScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Join("t.ibd");
    data_ = PatternBytes(3 * 1048576 + 100);
    ASSERT_TRUE(WriteStringToFile(*NewPosixFileSystem(), path_, data_).ok());
  }
  // Scans path_ with a file system built from `options`; returns the backend used.
  std::string Scan(PosixOptions options, ReadOptions read = {}, std::string* bytes = nullptr) {
    auto fs = NewPosixFileSystem(std::move(options));
    auto file = *fs->OpenForRead(path_, read);
    ScanOptions scan{.chunk_size = 256 * 1024, .depth = 4};
    std::string got = ScanAll(*file, scan);
    EXPECT_EQ(got.size(), data_.size());
    EXPECT_TRUE(got == data_);
    if (bytes != nullptr) *bytes = got;
    return std::string((*FileScanner::Create(*file, scan))->backend());
  }

  tidemark::testing::TempDir dir_;
  std::string path_;
  std::string data_;
};

TEST_F(PosixFileScannerTest, UringAndPreadFallbackGiveIdenticalBytes) {
  std::string uring, fallback, disabled;
  EXPECT_EQ(Scan({}, {}, &uring), "io_uring");
  PosixOptions no_ring;
  no_ring.syscalls.io_uring_queue_init = [](unsigned, io_uring*, unsigned) { return -EPERM; };
  EXPECT_EQ(Scan(std::move(no_ring), {}, &fallback), "sync");
  EXPECT_EQ(Scan({.use_io_uring = false}, {}, &disabled), "sync");
  EXPECT_TRUE(uring == fallback && uring == disabled);
}

TEST_F(PosixFileScannerTest, ShortCompletionsAreResubmitted) {
  PosixOptions options;
  options.syscalls.uring_result = [](uint64_t, size_t, int res) { return std::min(res, 5000); };
  EXPECT_EQ(Scan(std::move(options)), "io_uring");
}

TEST_F(PosixFileScannerTest, DirectIoScanEndsAtAnUnalignedSize) {
  auto file = *NewPosixFileSystem()->OpenForRead(path_, {.direct_io = true});
  if (!file->is_direct()) GTEST_SKIP() << "the temp dir's file system refuses O_DIRECT";
  EXPECT_EQ(Scan({}, {.direct_io = true}), "io_uring");
  PosixOptions no_ring;
  no_ring.syscalls.io_uring_queue_init = [](unsigned, io_uring*, unsigned) { return -ENOSYS; };
  EXPECT_EQ(Scan(std::move(no_ring), {.direct_io = true}), "sync");
}

TEST_F(PosixFileScannerTest, DirectIoNeedsAlignedChunksAndStart) {
  auto file = *NewPosixFileSystem()->OpenForRead(path_, {.direct_io = true});
  if (!file->is_direct()) GTEST_SKIP() << "the temp dir's file system refuses O_DIRECT";
  EXPECT_EQ(FileScanner::Create(*file, {.chunk_size = 1000}).status(),
            absl::InvalidArgumentError("scan '" + path_ +
                                       "': direct i/o needs the chunk size (1000) and start "
                                       "offset (0) aligned to 4096"));
  EXPECT_FALSE(FileScanner::Create(*file, {.begin = 512}).ok());
}

}  // namespace
}  // namespace tidemark::io
