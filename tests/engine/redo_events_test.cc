// Tests of the events the redo copier reports from one mtr: FILE_* records with their names,
// INIT_PAGE of page 0 only, TRIM_PAGES, nothing for ordinary page records or checkpoints, a
// malformed record as DataLoss, and an encrypted (FORMAT_ENC_11) log's hidden names.
#include "engine/redo_events.h"

#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"

namespace tidemark::engine {
namespace {

using innodb::LogEncryption;
using innodb::LogView;
using innodb::MtrBuilder;

// Events of `b` framed as one mtr at LSN 5000.
absl::StatusOr<std::vector<RedoEvent>> Events(const MtrBuilder& b,
                                              LogEncryption enc = LogEncryption::kNone) {
  static const std::vector<uint8_t> kNonce(8, 0x11);
  const bool encrypted = enc != LogEncryption::kNone;
  const std::vector<uint8_t> bytes =
      innodb::EncodeMtr(b.records(), 1, encrypted ? ByteSpan(kNonce) : ByteSpan());
  const innodb::Mtr mtr{LogView(Lsn(5000), bytes), b.records().size(), encrypted ? 8u : 0u};
  std::vector<uint8_t> scratch;
  std::vector<RedoEvent> out;
  absl::Status s = CollectRedoEvents(mtr, enc, scratch, out);
  if (!s.ok()) return s;
  return out;
}

TEST(RedoEventsTest, KindsHaveNames) {
  EXPECT_EQ(RedoEventKindName(RedoEventKind::kFileCreate), "file_create");
  EXPECT_EQ(RedoEventKindName(RedoEventKind::kFileModify), "file_modify");
  EXPECT_EQ(RedoEventKindName(RedoEventKind::kSpaceCreated), "space_created");
  EXPECT_EQ(RedoEventKindName(RedoEventKind::kTrimPages), "trim_pages");
}

TEST(RedoEventsTest, FileRecordsCarryTheirNames) {
  MtrBuilder b;
  b.FileModify(SpaceId(3), "./db/m.ibd").FileRename(SpaceId(4), "./db/x.ibd", "./db/y.ibd");
  auto events = Events(b);
  ASSERT_TRUE(events.ok()) << events.status();
  const Lsn end(5000 + b.records().size() + 5);
  const std::vector<RedoEvent> want = {{.kind = RedoEventKind::kFileModify,
                                        .mtr_start = Lsn(5000),
                                        .mtr_end = end,
                                        .space = SpaceId(3),
                                        .name = "./db/m.ibd"},
                                       {.kind = RedoEventKind::kFileRename,
                                        .mtr_start = Lsn(5000),
                                        .mtr_end = end,
                                        .space = SpaceId(4),
                                        .name = "./db/x.ibd",
                                        .new_name = "./db/y.ibd"}};
  EXPECT_EQ(*events, want);
}

TEST(RedoEventsTest, OnlyPageZeroInitIsASpaceCreation) {
  MtrBuilder b;
  b.InitPage({SpaceId(8), PageNo(3)}).InitPage({SpaceId(8), PageNo(0)});
  b.Write({SpaceId(8), PageNo(0)}, 38, std::vector<uint8_t>{1, 2, 3});
  auto events = Events(b);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, RedoEventKind::kSpaceCreated);
  EXPECT_EQ((*events)[0].space, SpaceId(8));
}

TEST(RedoEventsTest, TrimPagesGivesTheNewSize) {
  auto events =
      Events(MtrBuilder().Extended({SpaceId(1), PageNo(768)}, innodb::ExtendedType::kTrimPages));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, RedoEventKind::kTrimPages);
  EXPECT_EQ((*events)[0].pages, 768u);
}

TEST(RedoEventsTest, CheckpointsAndPageWritesGiveNoEvents) {
  auto events = Events(MtrBuilder().FileCheckpoint(Lsn(4000)));
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
}

TEST(RedoEventsTest, MalformedRecordIsDataLoss) {
  const std::vector<uint8_t> reserved = {0x61, 0x05};  // type 0x60 is reserved
  auto events = Events(MtrBuilder().Raw(reserved));
  EXPECT_EQ(events.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(events.status().message().substr(0, 17), "mtr at LSN 5000: ");
}

TEST(RedoEventsTest, EncryptedLogHidesNames) {
  auto events =
      Events(MtrBuilder().FileDelete(SpaceId(6), "./db/gone.ibd").InitPage({SpaceId(6), PageNo(0)}),
             LogEncryption::kEnc11);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);  // the INIT_PAGE target is ciphertext too
  EXPECT_EQ((*events)[0].kind, RedoEventKind::kFileDelete);
  EXPECT_FALSE((*events)[0].names_known);
  EXPECT_EQ((*events)[0].name, "");
}

}  // namespace
}  // namespace tidemark::engine
