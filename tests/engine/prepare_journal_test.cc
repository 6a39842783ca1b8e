// Tests of prepare's page journal and atomic file replacement.
#include "engine/prepare_journal.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;

ByteSpan S(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(PrepareJournalTest, EncodeDecodeRoundTrip) {
  const std::vector<JournalPage> pages = {{"db/t.ibd", 16384, S("page-a")}, {"ibdata1", 0, S("b")}};
  const std::vector<uint8_t> bytes = EncodeJournal(pages);
  TM_ASSERT_OK_AND_ASSIGN(std::vector<JournalPage> back, DecodeJournal(bytes));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].path, "db/t.ibd");
  EXPECT_EQ(back[0].offset, 16384u);
  EXPECT_EQ(std::string(back[0].bytes.begin(), back[0].bytes.end()), "page-a");
}

TEST(PrepareJournalTest, EveryTruncationIsIncomplete) {
  const std::vector<JournalPage> pages = {{"db/t.ibd", 16384, S("page-a")}};
  const std::vector<uint8_t> bytes = EncodeJournal(pages);
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<std::vector<JournalPage>> r = DecodeJournal(ByteSpan(bytes).first(n));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << n;
  }
}

TEST(PrepareJournalTest, FlippedByteIsIncomplete) {
  std::vector<uint8_t> bytes = EncodeJournal(std::vector<JournalPage>{{"t", 0, S("abc")}});
  bytes[12] ^= 1;
  EXPECT_EQ(DecodeJournal(bytes).status().message(), "incomplete journal: checksum mismatch");
}

TEST(PrepareJournalTest, RecoverReplaysACompleteJournal) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("bk").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, "bk/t.ibd", "0123456789").ok());
  TM_ASSERT_OK(WriteJournal(fs, "bk", std::vector<JournalPage>{{"t.ibd", 2, S("AB")}}));
  TM_ASSERT_OK_AND_ASSIGN(JournalRecovery r, RecoverJournal(fs, "bk"));
  EXPECT_TRUE(r.replayed);
  EXPECT_EQ(*io::ReadFileToString(fs, "bk/t.ibd"), "01AB456789");
  EXPECT_FALSE(fs.Stat(std::string("bk/") + std::string(kPrepareJournalName)).ok());
}

TEST(PrepareJournalTest, RecoverDiscardsAnIncompleteJournal) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("bk").ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, "bk/t.ibd", "0123456789").ok());
  std::vector<uint8_t> bytes = EncodeJournal(std::vector<JournalPage>{{"t.ibd", 2, S("AB")}});
  bytes.pop_back();
  ASSERT_TRUE(io::WriteStringToFile(fs, std::string("bk/") + std::string(kPrepareJournalName),
                                    std::string(bytes.begin(), bytes.end())).ok());
  TM_ASSERT_OK_AND_ASSIGN(JournalRecovery r, RecoverJournal(fs, "bk"));
  EXPECT_TRUE(r.found);
  EXPECT_FALSE(r.replayed);
  EXPECT_EQ(*io::ReadFileToString(fs, "bk/t.ibd"), "0123456789");
}

TEST(PrepareJournalTest, ReplaceFileAtomicallyKeepsTheOldFileOnFailure) {
  MemFileSystem base;
  ASSERT_TRUE(base.CreateDir("bk").ok());
  ASSERT_TRUE(io::WriteStringToFile(base, "bk/f", "old").ok());
  FaultInjectionFileSystem fs(base);
  fs.FailNth(FsOp::kRename, 1, EIO);
  EXPECT_FALSE(ReplaceFileAtomically(fs, "bk", "f", S("new")).ok());
  EXPECT_EQ(*io::ReadFileToString(base, "bk/f"), "old");
  TM_ASSERT_OK(ReplaceFileAtomically(fs, "bk", "f", S("new")));
  EXPECT_EQ(*io::ReadFileToString(base, "bk/f"), "new");
}

}  // namespace
}  // namespace tidemark::engine
