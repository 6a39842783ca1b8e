// Tests of MemFileSystem (tests/support): it must behave like the POSIX backend, with the same
// codes and messages, or tests written against it prove nothing.
#include "tests/support/mem_file_system.h"

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/test_bytes.h"

namespace tidemark::testing {
namespace {

using io::FileType;
using io::ReadFileToString;
using io::WriteStringToFile;

TEST(MemFileSystemTest, WriteThenRead) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "f", "hello").ok());
  auto file = *fs.OpenForRead("./f");
  EXPECT_EQ(*file->Size(), 5u);
  std::string buf(10, '\0');
  EXPECT_EQ(*file->ReadAt(1, AsMutableBytes(buf)), 4u);
  EXPECT_EQ(buf.substr(0, 4), "ello");
  EXPECT_EQ(*file->ReadAt(5, AsMutableBytes(buf)), 0u);
  EXPECT_EQ(*file->ReadAt(50, AsMutableBytes(buf)), 0u);
}

TEST(MemFileSystemTest, WriteAtLeavesAHoleAndAppendFollows) {
  MemFileSystem fs;
  auto file = *fs.OpenForWrite("f");
  ASSERT_TRUE(file->WriteAt(3, AsBytes("xy")).ok());
  ASSERT_TRUE(file->Append(AsBytes("z")).ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*ReadFileToString(fs, "f"), std::string("\0\0\0xyz", 6));
  EXPECT_EQ(file->Append(AsBytes("z")), absl::FailedPreconditionError("write 'f': file is closed"));
}

TEST(MemFileSystemTest, OpenErrorsMatchPosix) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("d").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "d/f", "x").ok());
  EXPECT_EQ(fs.OpenForRead("d/g").status(),
            absl::NotFoundError("open 'd/g': No such file or directory"));
  EXPECT_EQ(fs.OpenForRead("d").status(), absl::InvalidArgumentError("open 'd': Is a directory"));
  EXPECT_EQ(fs.OpenForWrite("x/f").status(),
            absl::NotFoundError("open 'x/f': No such file or directory"));
  EXPECT_EQ(fs.OpenForWrite("d/f", {.exclusive = true}).status(),
            absl::AlreadyExistsError("open 'd/f': File exists"));
  EXPECT_EQ(fs.OpenForWrite("d/f/g").status(),
            absl::NotFoundError("open 'd/f/g': Not a directory"));
}

TEST(MemFileSystemTest, StatAndListDir) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/data", 0700).ok());
  ASSERT_TRUE(fs.CreateDir("/data/db").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "/data/b.ibd", "1234", {.mode = 0600}).ok());
  ASSERT_TRUE(WriteStringToFile(fs, "/data/db/t.ibd", "x").ok());
  io::FileInfo info = *fs.Stat("/data/b.ibd");
  EXPECT_EQ(info.name, "b.ibd");
  EXPECT_EQ(info.size, 4u);
  EXPECT_EQ(info.mode, 0600u);
  EXPECT_EQ(fs.Stat("/data")->mode, 0700u);
  std::vector<io::FileInfo> entries = *fs.ListDir("/data/");
  ASSERT_EQ(entries.size(), 2u);  // not the grandchild
  EXPECT_EQ(entries[0].name, "b.ibd");
  EXPECT_EQ(entries[1].name, "db");
  EXPECT_EQ(entries[1].type, FileType::kDirectory);
  EXPECT_EQ(fs.ListDir("/data/b.ibd").status(),
            absl::NotFoundError("list '/data/b.ibd': Not a directory"));
}

TEST(MemFileSystemTest, RootsListTheirChildren) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "rel", "").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "/abs", "").ok());
  ASSERT_EQ(fs.ListDir(".")->size(), 1u);
  EXPECT_EQ(fs.ListDir(".")->front().name, "rel");
  ASSERT_EQ(fs.ListDir("/")->size(), 1u);
  EXPECT_EQ(fs.ListDir("/")->front().name, "abs");
}

TEST(MemFileSystemTest, RemoveFileAndDir) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("d").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "d/f", "x").ok());
  EXPECT_EQ(fs.RemoveDir("d"), absl::FailedPreconditionError("rmdir 'd': Directory not empty"));
  EXPECT_EQ(fs.RemoveFile("d"), absl::InvalidArgumentError("remove 'd': Is a directory"));
  ASSERT_TRUE(fs.RemoveFile("d/f").ok());
  EXPECT_EQ(fs.RemoveFile("d/f"), absl::NotFoundError("remove 'd/f': No such file or directory"));
  ASSERT_TRUE(fs.RemoveDir("d").ok());
  EXPECT_FALSE(fs.Stat("d").ok());
}

TEST(MemFileSystemTest, OpenFileKeepsItsDataAfterRemove) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "f", "abc").ok());
  auto file = *fs.OpenForRead("f");
  ASSERT_TRUE(fs.RemoveFile("f").ok());
  std::string buf(3, '\0');
  EXPECT_EQ(*file->ReadAt(0, AsMutableBytes(buf)), 3u);
  EXPECT_EQ(buf, "abc");
}

TEST(MemFileSystemTest, RenameFileReplacesTarget) {
  MemFileSystem fs;
  ASSERT_TRUE(WriteStringToFile(fs, "a", "new").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "b", "old").ok());
  ASSERT_TRUE(fs.Rename("a", "b").ok());
  EXPECT_EQ(*ReadFileToString(fs, "b"), "new");
  EXPECT_EQ(fs.Rename("a", "c"),
            absl::NotFoundError("rename 'a' to 'c': No such file or directory"));
}

TEST(MemFileSystemTest, RenameDirectoryMovesItsTree) {
  MemFileSystem fs;
  ASSERT_TRUE(CreateDirs(fs, "tmp/db").ok());
  ASSERT_TRUE(WriteStringToFile(fs, "tmp/db/t.ibd", "x").ok());
  ASSERT_TRUE(fs.Rename("tmp", "final").ok());
  EXPECT_EQ(*ReadFileToString(fs, "final/db/t.ibd"), "x");
  EXPECT_FALSE(fs.Stat("tmp").ok());
  EXPECT_EQ(fs.Rename("final", "final/sub"),
            absl::InvalidArgumentError("rename 'final' to 'final/sub': Invalid argument"));
}

TEST(MemFileSystemTest, SyncDir) {
  MemFileSystem fs;
  EXPECT_TRUE(fs.SyncDir(".").ok());
  EXPECT_EQ(fs.SyncDir("none"), absl::NotFoundError("sync 'none': No such file or directory"));
}

TEST(MemFileSystemTest, ConcurrentWritersAndReaders) {
  MemFileSystem fs;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&fs, t] {
      std::string name = "f" + std::to_string(t), data = PatternBytes(10000, t);
      for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(WriteStringToFile(fs, name, data).ok());
        EXPECT_EQ(*ReadFileToString(fs, name), data);
        ASSERT_TRUE(fs.ListDir(".").ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(fs.ListDir(".")->size(), 4u);
}

}  // namespace
}  // namespace tidemark::testing
