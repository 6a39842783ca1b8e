// Tests of the POSIX files on real temporary files: full and short reads, the retry loops
// (driven through PosixSyscalls), O_DIRECT and its fallback, drop_cache, writes and ENOSPC,
// and ReadBatch through io_uring against the pread fallback.
#include "io/posix_file.h"

#include <fcntl.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "io/aligned_buffer.h"
#include "io/posix_file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::tidemark::testing::AsBytes;
using ::tidemark::testing::AsMutableBytes;
using ::tidemark::testing::PatternBytes;

class PosixFileTest : public ::testing::Test {
 protected:
  // Writes `contents` to `name` in the temp dir with the real file system; returns the path.
  std::string MakeFile(const std::string& name, const std::string& contents) {
    std::string path = dir_.Join(name);
    EXPECT_TRUE(WriteStringToFile(*NewPosixFileSystem(), path, contents).ok());
    return path;
  }
  std::unique_ptr<RandomAccessFile> Open(const std::string& path, PosixOptions options = {},
                                         ReadOptions read = {}) {
    fs_ = NewPosixFileSystem(std::move(options));
    absl::StatusOr<std::unique_ptr<RandomAccessFile>> f = fs_->OpenForRead(path, read);
    EXPECT_TRUE(f.ok()) << f.status();
    return f.ok() ? *std::move(f) : nullptr;
  }

  tidemark::testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(PosixFileTest, ReadAtReadsTheRequestedRange) {
  std::string data = PatternBytes(10000);
  auto file = Open(MakeFile("f", data));
  std::string buf(3000, '\0');
  ASSERT_EQ(*file->ReadAt(5000, AsMutableBytes(buf)), 3000u);
  EXPECT_EQ(buf, data.substr(5000, 3000));
  EXPECT_EQ(*file->Size(), 10000u);
  EXPECT_EQ(file->path(), dir_.Join("f"));
}

TEST_F(PosixFileTest, ReadAtIsShortOnlyAtEndOfFile) {
  std::string data = PatternBytes(10000);
  auto file = Open(MakeFile("f", data));
  std::string buf(4096, '\0');
  ASSERT_EQ(*file->ReadAt(8192, AsMutableBytes(buf)), 1808u);
  EXPECT_EQ(buf.substr(0, 1808), data.substr(8192));
  EXPECT_EQ(*file->ReadAt(10000, AsMutableBytes(buf)), 0u);
  EXPECT_EQ(*file->ReadAt(99999, AsMutableBytes(buf)), 0u);
}

TEST_F(PosixFileTest, ShortPreadsAreResumed) {
  std::string data = PatternBytes(10000);
  PosixOptions options;
  int calls = 0;
  options.syscalls.pread = [&](int fd, void* buf, size_t n, off_t off) {
    ++calls;
    return ::pread(fd, buf, std::min<size_t>(n, 1000), off);
  };
  auto file = Open(MakeFile("f", data), std::move(options));
  std::string buf(4500, '\0');
  ASSERT_EQ(*file->ReadAt(100, AsMutableBytes(buf)), 4500u);
  EXPECT_EQ(buf, data.substr(100, 4500));
  EXPECT_EQ(calls, 5);
}

TEST_F(PosixFileTest, EintrAndEagainAreRetried) {
  std::string data = PatternBytes(100);
  PosixOptions options;
  std::vector<int> script = {EINTR, EAGAIN, EINTR};
  options.syscalls.pread = [&](int fd, void* buf, size_t n, off_t off) -> ssize_t {
    if (script.empty()) return ::pread(fd, buf, n, off);
    errno = script.back();
    script.pop_back();
    return -1;
  };
  auto file = Open(MakeFile("f", data), std::move(options));
  std::string buf(100, '\0');
  ASSERT_EQ(*file->ReadAt(0, AsMutableBytes(buf)), 100u);
  EXPECT_EQ(buf, data);
}

TEST_F(PosixFileTest, EagainForeverIsUnavailable) {
  PosixOptions options;
  options.syscalls.pread = [](int, void*, size_t, off_t) -> ssize_t {
    errno = EAGAIN;
    return -1;
  };
  std::string path = MakeFile("f", PatternBytes(100));
  auto file = Open(path, std::move(options));
  std::string buf(100, '\0');
  EXPECT_EQ(file->ReadAt(0, AsMutableBytes(buf)).status(),
            absl::UnavailableError("read '" + path + "' at 0: Resource temporarily unavailable"));
}

TEST_F(PosixFileTest, EioIsDataLossNamingPathAndOffset) {
  PosixOptions options;
  options.syscalls.pread = [](int fd, void* buf, size_t n, off_t off) -> ssize_t {
    if (off < 16384) return ::pread(fd, buf, std::min<size_t>(n, 16384 - off), off);
    errno = EIO;
    return -1;
  };
  std::string path = MakeFile("t.ibd", PatternBytes(65536));
  auto file = Open(path, std::move(options));
  std::string buf(32768, '\0');
  EXPECT_EQ(file->ReadAt(0, AsMutableBytes(buf)).status(),
            absl::DataLossError("read '" + path + "' at 16384: Input/output error"));
}

TEST_F(PosixFileTest, DirectIoIsUsedWhenTheFileSystemAllowsIt) {
  std::string data = PatternBytes(3 * 4096 + 100);
  auto file = Open(MakeFile("f", data), {}, {.direct_io = true});
  if (!file->is_direct()) GTEST_SKIP() << "the temp dir's file system refuses O_DIRECT";
  AlignedBuffer buf = *AlignedBuffer::Create(4 * 4096);
  ASSERT_EQ(*file->ReadAt(0, buf.span()), data.size());
  EXPECT_EQ(testing::AsString(buf.span().first(data.size())), data);
}

TEST_F(PosixFileTest, DirectIoFallsBackWhenRefused) {
  PosixOptions options;
  options.syscalls.open = [](const char* path, int flags, mode_t mode) {
    if (flags & O_DIRECT) {
      errno = EINVAL;
      return -1;
    }
    return ::open(path, flags, mode);
  };
  std::string data = PatternBytes(1000);
  auto file = Open(MakeFile("f", data), std::move(options), {.direct_io = true});
  EXPECT_FALSE(file->is_direct());
  std::string buf(10, '\0');
  ASSERT_EQ(*file->ReadAt(3, AsMutableBytes(buf)), 10u);  // unaligned is fine when buffered
  EXPECT_EQ(buf, data.substr(3, 10));
}

TEST_F(PosixFileTest, DirectIoRejectsMisalignedReads) {
  std::string path = MakeFile("f", PatternBytes(8192));
  auto file = Open(path, {}, {.direct_io = true});
  if (!file->is_direct()) GTEST_SKIP() << "the temp dir's file system refuses O_DIRECT";
  AlignedBuffer buf = *AlignedBuffer::Create(8192);
  EXPECT_EQ(file->ReadAt(100, buf.span().first(4096)).status(),
            absl::InvalidArgumentError(
                "read '" + path +
                "' at 100: direct i/o needs the buffer address, offset and length aligned to "
                "4096"));
}

TEST_F(PosixFileTest, DropCacheAdvisesEachRangeRead) {
  PosixOptions options;
  std::vector<std::pair<off_t, off_t>> advised;
  options.syscalls.fadvise = [&](int, off_t off, off_t len, int advice) {
    EXPECT_EQ(advice, POSIX_FADV_DONTNEED);
    advised.emplace_back(off, len);
    return 0;
  };
  auto file = Open(MakeFile("f", PatternBytes(10000)), std::move(options), {.drop_cache = true});
  std::string buf(4096, '\0');
  ASSERT_TRUE(file->ReadAt(0, AsMutableBytes(buf)).ok());
  ASSERT_TRUE(file->ReadAt(8192, AsMutableBytes(buf)).ok());
  EXPECT_EQ(advised, (std::vector<std::pair<off_t, off_t>>{{0, 4096}, {8192, 1808}}));
}

TEST_F(PosixFileTest, OpenMissingFileIsNotFound) {
  fs_ = NewPosixFileSystem();
  std::string path = dir_.Join("missing");
  EXPECT_EQ(fs_->OpenForRead(path).status(),
            absl::NotFoundError("open '" + path + "': No such file or directory"));
}

TEST_F(PosixFileTest, OpenDirectoryForReadIsInvalidArgument) {
  fs_ = NewPosixFileSystem();
  EXPECT_EQ(fs_->OpenForRead(dir_.path()).status(),
            absl::InvalidArgumentError("open '" + dir_.path() + "': Is a directory"));
}

// ---- ReadBatch -------------------------------------------------------------------------

// Requests over a 1 MiB + 100 byte file: aligned, unaligned, straddling and past the end.
std::vector<std::pair<uint64_t, size_t>> BatchShape() {
  std::vector<std::pair<uint64_t, size_t>> shape;
  for (int i = 0; i < 40; ++i) shape.emplace_back(uint64_t(i) * 26111 + (i % 3) * 7, 4096 + i * 3);
  shape.emplace_back(1048576 - 50, 4096);  // short: straddles the end
  shape.emplace_back(2 * 1048576, 512);    // past the end
  return shape;
}

// Runs BatchShape() through ReadBatch; returns what each request read.
std::vector<std::string> RunBatch(RandomAccessFile& file) {
  auto shape = BatchShape();
  std::vector<std::string> bufs;
  std::vector<ReadRequest> requests;
  for (auto [offset, size] : shape) bufs.emplace_back(size, '\0');
  for (size_t i = 0; i < shape.size(); ++i) {
    requests.push_back({shape[i].first, AsMutableBytes(bufs[i])});
  }
  EXPECT_TRUE(file.ReadBatch(requests).ok());
  for (size_t i = 0; i < shape.size(); ++i) bufs[i].resize(requests[i].bytes_read);
  return bufs;
}

TEST_F(PosixFileTest, ReadBatchUringMatchesFile) {
  std::string data = PatternBytes(1048576 + 100);
  PosixOptions options;
  int preads = 0;
  options.syscalls.pread = [&](int fd, void* b, size_t n, off_t o) {
    ++preads;
    return ::pread(fd, b, n, o);
  };
  auto file = Open(MakeFile("f", data), std::move(options));
  std::vector<std::string> got = RunBatch(*file);
  auto shape = BatchShape();
  for (size_t i = 0; i < shape.size(); ++i) {
    EXPECT_EQ(got[i],
              data.substr(std::min<uint64_t>(shape[i].first, data.size()), shape[i].second));
  }
  EXPECT_EQ(preads, 0);  // every byte came through the ring
}

TEST_F(PosixFileTest, ReadBatchPreadFallbackGivesIdenticalBytes) {
  std::string path = MakeFile("f", PatternBytes(1048576 + 100));
  std::vector<std::string> uring = RunBatch(*Open(path));
  PosixOptions no_ring;
  no_ring.syscalls.io_uring_queue_init = [](unsigned, io_uring*, unsigned) { return -ENOSYS; };
  int preads = 0;
  no_ring.syscalls.pread = [&](int fd, void* b, size_t n, off_t o) {
    ++preads;
    return ::pread(fd, b, n, o);
  };
  EXPECT_EQ(RunBatch(*Open(path, std::move(no_ring))), uring);
  EXPECT_GT(preads, 0);
  EXPECT_EQ(RunBatch(*Open(path, {.use_io_uring = false})), uring);
}

TEST_F(PosixFileTest, ReadBatchReportsEachRequestsError) {
  PosixOptions options;
  options.syscalls.uring_result = [](uint64_t offset, size_t, int res) {
    return offset == 8192 ? -EIO : res;
  };
  std::string path = MakeFile("f", PatternBytes(16384));
  auto file = Open(path, std::move(options));
  std::string a(4096, '\0'), b(4096, '\0'), c(4096, '\0');
  std::vector<ReadRequest> requests = {
      {0, AsMutableBytes(a)}, {8192, AsMutableBytes(b)}, {12288, AsMutableBytes(c)}};
  absl::Status want = absl::DataLossError("read '" + path + "' at 8192: Input/output error");
  EXPECT_EQ(file->ReadBatch(requests), want);
  EXPECT_EQ(requests[1].status, want);
  EXPECT_TRUE(requests[0].status.ok() && requests[2].status.ok());
  EXPECT_EQ(requests[2].bytes_read, 4096u);
}

// ---- Writes ------------------------------------------------------------------------------

TEST_F(PosixFileTest, AppendContinuesAfterWriteAtExtendsTheFile) {
  fs_ = NewPosixFileSystem();
  std::string path = dir_.Join("w");
  auto file = *fs_->OpenForWrite(path);
  ASSERT_TRUE(file->Append(AsBytes("abc")).ok());
  ASSERT_TRUE(file->WriteAt(6, AsBytes("xyz")).ok());
  ASSERT_TRUE(file->Append(AsBytes("!")).ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*ReadFileToString(*fs_, path), std::string("abc\0\0\0xyz!", 10));
}

TEST_F(PosixFileTest, WithoutTruncateAppendGoesAtTheEnd) {
  std::string path = MakeFile("w", "hello");
  fs_ = NewPosixFileSystem();
  auto file = *fs_->OpenForWrite(path, {.truncate = false});
  ASSERT_TRUE(file->Append(AsBytes(" world")).ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*ReadFileToString(*fs_, path), "hello world");
}

TEST_F(PosixFileTest, ExclusiveOpenOfExistingFileIsAlreadyExists) {
  std::string path = MakeFile("w", "x");
  fs_ = NewPosixFileSystem();
  EXPECT_EQ(fs_->OpenForWrite(path, {.exclusive = true}).status(),
            absl::AlreadyExistsError("open '" + path + "': File exists"));
}

TEST_F(PosixFileTest, ShortAndInterruptedWritesAreResumed) {
  PosixOptions options;
  int calls = 0;
  options.syscalls.pwrite = [&](int fd, const void* b, size_t n, off_t o) -> ssize_t {
    if (++calls % 2 == 0) {
      errno = EINTR;
      return -1;
    }
    return ::pwrite(fd, b, std::min<size_t>(n, 3), o);
  };
  fs_ = NewPosixFileSystem(std::move(options));
  std::string path = dir_.Join("w");
  ASSERT_TRUE(WriteStringToFile(*fs_, path, "0123456789").ok());
  EXPECT_EQ(*ReadFileToString(*fs_, path), "0123456789");
  EXPECT_EQ(calls, 7);  // 4 short writes and 3 EINTRs between them
}

TEST_F(PosixFileTest, DiskFullIsResourceExhaustedNamingTheFile) {
  PosixOptions options;
  options.syscalls.pwrite = [](int fd, const void* b, size_t n, off_t o) -> ssize_t {
    if (o >= 1048576) {
      errno = ENOSPC;
      return -1;
    }
    return ::pwrite(fd, b, std::min<size_t>(n, 1048576 - o), o);
  };
  fs_ = NewPosixFileSystem(std::move(options));
  std::string path = dir_.Join("backup.ibd");
  auto file = *fs_->OpenForWrite(path);
  std::string data = PatternBytes(1048576 + 10);
  EXPECT_EQ(
      file->Append(AsBytes(data)),
      absl::ResourceExhaustedError("write '" + path + "' at 1048576: No space left on device"));
}

// Write-behind: writeback of each window starts as it fills; the window before is waited
// for and dropped from the page cache. The bytes are those appended.
TEST_F(PosixFileTest, WriteBehindStartsWritebackAndDropsWrittenWindows) {
  PosixOptions options;
  struct Call {
    off_t offset, len;
    unsigned flags;
  };
  std::vector<Call> ranges;
  std::vector<std::pair<off_t, off_t>> dropped;
  options.syscalls.sync_file_range = [&](int fd, off_t o, off_t n, unsigned flags) {
    ranges.push_back({o, n, flags});
    return ::sync_file_range(fd, o, n, flags);
  };
  options.syscalls.fadvise = [&](int fd, off_t o, off_t n, int advice) {
    if (advice == POSIX_FADV_DONTNEED) dropped.emplace_back(o, n);
    return ::posix_fadvise(fd, o, n, advice);
  };
  fs_ = NewPosixFileSystem(std::move(options));
  const std::string path = dir_.Join("behind");
  auto file = *fs_->OpenForWrite(path, {.write_behind_bytes = 100});
  const std::string data = PatternBytes(350);
  for (size_t at = 0; at < data.size(); at += 70) {
    ASSERT_TRUE(file->Append(AsBytes(data.substr(at, 70))).ok());
  }
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*ReadFileToString(*fs_, path), data);
  // Appends end at 70, 140, 210, 280, 350: windows [0,140) and [140,280) start writeback;
  // at 280 the first window is waited for and dropped.
  constexpr unsigned kWait =
      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].offset, 0);
  EXPECT_EQ(ranges[0].len, 140);
  EXPECT_EQ(ranges[0].flags, SYNC_FILE_RANGE_WRITE);
  EXPECT_EQ(ranges[1].offset, 140);
  EXPECT_EQ(ranges[1].len, 140);
  EXPECT_EQ(ranges[2].offset, 0);
  EXPECT_EQ(ranges[2].len, 140);
  EXPECT_EQ(ranges[2].flags, kWait);
  EXPECT_EQ(dropped, (std::vector<std::pair<off_t, off_t>>{{0, 140}}));
}

TEST_F(PosixFileTest, WriteBehindErrorNamesTheFile) {
  PosixOptions options;
  options.syscalls.sync_file_range = [](int, off_t, off_t, unsigned) {
    errno = EIO;
    return -1;
  };
  fs_ = NewPosixFileSystem(std::move(options));
  const std::string path = dir_.Join("eio");
  auto file = *fs_->OpenForWrite(path, {.write_behind_bytes = 10});
  absl::Status s = file->Append(AsBytes(PatternBytes(20)));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s;
}

TEST_F(PosixFileTest, ClosedFileRefusesFurtherCalls) {
  fs_ = NewPosixFileSystem();
  std::string path = dir_.Join("w");
  auto file = *fs_->OpenForWrite(path);
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(file->Close(), absl::FailedPreconditionError("close '" + path + "': file is closed"));
  EXPECT_EQ(file->Append(AsBytes("x")),
            absl::FailedPreconditionError("write '" + path + "': file is closed"));
  EXPECT_EQ(file->Sync(), absl::FailedPreconditionError("sync '" + path + "': file is closed"));
}

}  // namespace
}  // namespace tidemark::io

namespace tidemark::io {
namespace {

TEST(PosixWritableFileTest, TruncateCutsAndExtendsWithZeros) {
  tidemark::testing::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.path() + "/t";
  auto f = fs->OpenForWrite(path);
  ASSERT_TRUE(f.ok());
  const std::string data = "0123456789";
  ASSERT_TRUE((*f)->Append(ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), 10)).ok());
  ASSERT_TRUE((*f)->Truncate(4).ok());
  ASSERT_TRUE((*f)->Append(ByteSpan(reinterpret_cast<const uint8_t*>("x"), 1)).ok());
  ASSERT_TRUE((*f)->Truncate(8).ok());
  ASSERT_TRUE((*f)->Close().ok());
  auto back = ReadFileToString(*fs, path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::string("0123x\0\0\0", 8));
  EXPECT_EQ((*f)->Truncate(1).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tidemark::io
