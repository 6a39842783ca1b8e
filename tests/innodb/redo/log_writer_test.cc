// Tests of the writer: record length encoding at every boundary, byte images of real
// records and mtrs (INNODB_FORMATS.md §3.9 and §4.1, from logs written by 10.11.19), and
// the in-memory circular image.
#include "innodb/redo/log_writer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/mtr.h"

namespace tidemark::innodb {
namespace {

std::vector<uint8_t> Hex(std::initializer_list<int> head, std::string_view tail = "",
                         std::initializer_list<int> after = {}) {
  std::vector<uint8_t> out;
  for (int b : head) out.push_back(static_cast<uint8_t>(b));
  out.insert(out.end(), tail.begin(), tail.end());
  for (int b : after) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(RedoLogWriterTest, RecordLengthRoundTripsAtEveryBoundary) {
  for (size_t n : {1, 15, 16, 17, 140, 141, 142, 143, 16524, 16525, 16526, 300000}) {
    std::vector<uint8_t> rec;
    AppendRecord(0x30, std::vector<uint8_t>(n, 9), rec);
    const std::optional<RecordHeader> h = DecodeRecordHeader(rec);
    ASSERT_TRUE(h.has_value()) << n;
    EXPECT_EQ(h->body_size, n) << n;
    EXPECT_EQ(h->total_size(), rec.size()) << n;
    EXPECT_EQ(h->header_size, n <= 15 ? 1u : rec.size() - n) << n;
  }
}

TEST(RedoLogWriterTest, FileRecordsMatchRealBytes) {
  EXPECT_EQ(MtrBuilder().FileModify(SpaceId(6), "./test/t_red.ibd").records(),
            Hex({0xB0, 0x04, 0x06, 0x00}, "./test/t_red.ibd"));
  EXPECT_EQ(MtrBuilder().FileRename(SpaceId(9), "./test/t_new.ibd", "./test/t_new2.ibd").records(),
            Hex({0xA0, 0x16, 0x09, 0x00}, std::string("./test/t_new.ibd\0./test/t_new2.ibd", 34)));
  EXPECT_EQ(MtrBuilder().FileDelete(SpaceId(8), "./test/t_pc.ibd").records(),
            Hex({0x90, 0x03, 0x08, 0x00}, "./test/t_pc.ibd"));
  EXPECT_EQ(MtrBuilder().FileCheckpoint(Lsn(721624)).records(),
            Hex({0xFA, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0x02, 0xD8}));
}

TEST(RedoLogWriterTest, MtrFramingMatchesRealChecksums) {
  const std::vector<uint8_t> modify =
      MtrBuilder().FileModify(SpaceId(6), "./test/t_red.ibd").records();
  EXPECT_EQ(EncodeMtr(modify, 1),
            Hex({0xB0, 0x04, 0x06, 0x00}, "./test/t_red.ibd", {0x01, 0x79, 0x49, 0x54, 0xB6}));
  MtrBuilder checkpoint;
  checkpoint.FileModify(SpaceId(6), "./test/t_red.ibd").FileCheckpoint(Lsn(721624));
  const std::vector<uint8_t> mtr = EncodeMtr(checkpoint.records(), 1);
  ASSERT_EQ(mtr.size(), 36u);
  EXPECT_EQ(std::vector<uint8_t>(mtr.end() - 5, mtr.end()), Hex({0x01, 0x19, 0x47, 0xC0, 0x02}));
}

TEST(RedoLogWriterTest, PreparedLogCheckpointMtrMatchesMariadbBackup) {
  // §4.1: the 16 bytes at 12288 of a prepared backup's log, C = 798719.
  EXPECT_EQ(EncodeMtr(MtrBuilder().FileCheckpoint(Lsn(798719)).records(), 1),
            Hex({0xFA, 0, 0, 0, 0, 0, 0, 0, 0x0C, 0x2F, 0xFF, 0x01, 0xCC, 0xA2, 0x28, 0x72}));
}

TEST(RedoLogWriterTest, PageRecordsUseVarintsAndSamePage) {
  const uint8_t data[] = {0xAA, 0xBB};
  const uint8_t same[] = {0x7F, 0x23, 0x34, 0x56, 0x78};  // offset +0x7F, 4 bytes (mtr0types.h)
  MtrBuilder b;
  b.Write({SpaceId(200), PageNo(3)}, 0x60, data).SamePage(PageRecordType::kWrite, same);
  EXPECT_EQ(b.records(),
            Hex({0x36, 0x80, 0x48, 0x03, 0x60, 0xAA, 0xBB, 0xB5, 0x7F, 0x23, 0x34, 0x56, 0x78}));
}

TEST(RedoLogWriterTest, ImageStartsWithAParsableHeader) {
  LogHeader h;
  h.first_lsn = Lsn(50000);
  h.creator = "test";
  absl::StatusOr<LogImage> img = LogImage::Create(h, kLogStartOffset + 1000);
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->lsn(), Lsn(50000));
  img->SetCheckpoint(kLogCheckpoint2, {Lsn(50000), Lsn(50000)});
  absl::StatusOr<LogFileHead> head = ParseLogFileHead(img->file());
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->header.creator, "test");
  EXPECT_EQ(head->checkpoint_offset, kLogCheckpoint2);
  EXPECT_EQ(LogImage::Create(h, 100).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RedoLogWriterTest, ImageWrapsWritesAtTheEndOfTheFile) {
  LogHeader h;
  absl::StatusOr<LogImage> img = LogImage::Create(h, kLogStartOffset + 16);
  ASSERT_TRUE(img.ok()) << img.status();
  img->WriteAt(Lsn(12288 + 13), Hex({1, 2, 3, 4, 5}));
  const std::vector<uint8_t>& f = img->file();
  EXPECT_EQ(std::vector<uint8_t>(f.end() - 3, f.end()), Hex({1, 2, 3}));
  EXPECT_EQ(f[kLogStartOffset], 4);
  EXPECT_EQ(f[kLogStartOffset + 1], 5);
  EXPECT_EQ(img->At(Lsn(12288 + 16 + 1)), 5);  // the same byte one pass later
}

TEST(RedoLogWriterTest, AppendedMtrsReadBack) {
  LogHeader h;
  LogImage img = *LogImage::Create(h, 1 << 16);
  const Lsn a = img.Append(MtrBuilder().InitPage({SpaceId(1), PageNo(2)}).records());
  const Lsn b = img.Append(MtrBuilder().FileCheckpoint(a).records());
  EXPECT_EQ(b, Lsn(a.value() + 3 + 5));
  MtrReader reader(img.View(a, Lsn(img.lsn().value() + 1)), MtrFraming{img.geometry()});
  EXPECT_TRUE(reader.Read().ok());
  EXPECT_TRUE(reader.Read().ok());
  EXPECT_EQ(reader.Read().verdict, MtrVerdict::kEndMarker);
}

}  // namespace
}  // namespace tidemark::innodb
