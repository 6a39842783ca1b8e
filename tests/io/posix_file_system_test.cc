// Tests of the POSIX FileSystem's namespace operations on a real temporary directory.
#include "io/posix_file_system.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace tidemark::io {
namespace {

class PosixFileSystemTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) { return dir_.Join(name); }

  tidemark::testing::TempDir dir_;
  std::unique_ptr<FileSystem> fs_ = NewPosixFileSystem();
};

TEST_F(PosixFileSystemTest, StatDescribesAFile) {
  ASSERT_TRUE(WriteStringToFile(*fs_, P("t.ibd"), "12345", {.mode = 0600}).ok());
  FileInfo info = *fs_->Stat(P("t.ibd"));
  EXPECT_EQ(info.name, "t.ibd");
  EXPECT_EQ(info.type, FileType::kRegular);
  EXPECT_EQ(info.size, 5u);
  EXPECT_EQ(info.mode, 0600u);
}

TEST_F(PosixFileSystemTest, StatFollowsSymlinks) {
  ASSERT_TRUE(fs_->CreateDir(P("real")).ok());
  ASSERT_EQ(::symlink(P("real").c_str(), P("link").c_str()), 0);
  EXPECT_EQ(fs_->Stat(P("link"))->type, FileType::kDirectory);
  EXPECT_EQ(fs_->Stat(P("missing")).status(),
            absl::NotFoundError("stat '" + P("missing") + "': No such file or directory"));
}

TEST_F(PosixFileSystemTest, ListDirIsSortedAndDoesNotFollowSymlinks) {
  ASSERT_TRUE(WriteStringToFile(*fs_, P("b.ibd"), "x").ok());
  ASSERT_TRUE(WriteStringToFile(*fs_, P("a.frm"), "").ok());
  ASSERT_TRUE(fs_->CreateDir(P("db")).ok());
  ASSERT_EQ(::symlink(P("db").c_str(), P("c").c_str()), 0);
  std::vector<FileInfo> entries = *fs_->ListDir(dir_.path());
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].name, "a.frm");
  EXPECT_EQ(entries[1].name, "b.ibd");
  EXPECT_EQ(entries[1].size, 1u);
  EXPECT_EQ(entries[2].name, "c");
  EXPECT_EQ(entries[2].type, FileType::kSymlink);
  EXPECT_EQ(entries[3].type, FileType::kDirectory);
}

TEST_F(PosixFileSystemTest, ListDirOfMissingOrFileIsNotFound) {
  EXPECT_EQ(fs_->ListDir(P("none")).status(),
            absl::NotFoundError("list '" + P("none") + "': No such file or directory"));
  ASSERT_TRUE(WriteStringToFile(*fs_, P("f"), "x").ok());
  EXPECT_EQ(fs_->ListDir(P("f")).status(),
            absl::NotFoundError("list '" + P("f") + "': Not a directory"));
}

TEST_F(PosixFileSystemTest, CreateDirErrors) {
  ASSERT_TRUE(fs_->CreateDir(P("d"), 0700).ok());
  EXPECT_EQ(fs_->Stat(P("d"))->mode, 0700u);
  EXPECT_EQ(fs_->CreateDir(P("d")),
            absl::AlreadyExistsError("mkdir '" + P("d") + "': File exists"));
  EXPECT_EQ(fs_->CreateDir(P("x/y")),
            absl::NotFoundError("mkdir '" + P("x/y") + "': No such file or directory"));
}

TEST_F(PosixFileSystemTest, RemoveFileAndDir) {
  ASSERT_TRUE(fs_->CreateDir(P("d")).ok());
  ASSERT_TRUE(WriteStringToFile(*fs_, P("d/f"), "x").ok());
  EXPECT_EQ(fs_->RemoveDir(P("d")),
            absl::FailedPreconditionError("rmdir '" + P("d") + "': Directory not empty"));
  ASSERT_TRUE(fs_->RemoveFile(P("d/f")).ok());
  EXPECT_EQ(fs_->RemoveFile(P("d/f")),
            absl::NotFoundError("remove '" + P("d/f") + "': No such file or directory"));
  ASSERT_TRUE(fs_->RemoveDir(P("d")).ok());
  EXPECT_TRUE(absl::IsNotFound(fs_->Stat(P("d")).status()));
}

TEST_F(PosixFileSystemTest, RenameReplacesTheTarget) {
  ASSERT_TRUE(WriteStringToFile(*fs_, P("new"), "new").ok());
  ASSERT_TRUE(WriteStringToFile(*fs_, P("old"), "old").ok());
  ASSERT_TRUE(fs_->Rename(P("new"), P("old")).ok());
  EXPECT_EQ(*ReadFileToString(*fs_, P("old")), "new");
  EXPECT_EQ(fs_->Rename(P("new"), P("x")),
            absl::NotFoundError("rename '" + P("new") + "' to '" + P("x") +
                                "': No such file or directory"));
}

TEST_F(PosixFileSystemTest, SyncDir) {
  EXPECT_TRUE(fs_->SyncDir(dir_.path()).ok());
  EXPECT_EQ(fs_->SyncDir(P("none")),
            absl::NotFoundError("sync '" + P("none") + "': No such file or directory"));
}

TEST_F(PosixFileSystemTest, FilesOutliveTheFileSystem) {
  ASSERT_TRUE(WriteStringToFile(*fs_, P("f"), "abc").ok());
  std::unique_ptr<RandomAccessFile> file = *fs_->OpenForRead(P("f"));
  fs_.reset();
  std::string buf(3, '\0');
  ASSERT_EQ(*file->ReadAt(0, {reinterpret_cast<uint8_t*>(buf.data()), 3}), 3u);
  EXPECT_EQ(buf, "abc");
}

}  // namespace
}  // namespace tidemark::io
