// Tests of record decoding: the worked examples of INNODB_FORMATS.md §3.9 (bytes from a
// real 10.11.19 log), same_page and file-record rules, padding, the records a backup
// looks for, encrypted formats, and one test per malformation with its exact message.
#include "innodb/redo/record.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"

namespace tidemark::innodb {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> head, std::string_view tail = "") {
  std::vector<uint8_t> out;
  for (int b : head) out.push_back(static_cast<uint8_t>(b));
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

std::vector<uint8_t> Cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<RedoRecord> ReadAll(ByteSpan recs, absl::Status* status = nullptr,
                                LogEncryption enc = LogEncryption::kNone) {
  RecordReader reader(recs, enc);
  std::vector<RedoRecord> out;
  for (RedoRecord r; reader.Next(r);) out.push_back(r);
  if (status != nullptr)
    *status = reader.status();
  else
    EXPECT_TRUE(reader.status().ok()) << reader.status();
  return out;
}

absl::Status StatusOf(const std::vector<uint8_t>& recs) {
  return ValidateRecords(recs, LogEncryption::kNone);
}

TEST(RedoRecordTest, HeaderShortAndLongForms) {
  std::optional<RecordHeader> h = DecodeRecordHeader(Bytes({0x36, 1, 2}));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->header_size, 1u);
  EXPECT_EQ(h->body_size, 6u);
  h = DecodeRecordHeader(Bytes({0xB0, 0x04}));  // 4 + 15 bytes follow, varint included
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->header_size, 2u);
  EXPECT_EQ(h->body_size, 18u);
  EXPECT_EQ(h->total_size(), 20u);
  EXPECT_FALSE(DecodeRecordHeader(Bytes({0x30, 0x80})).has_value());  // varint cut off
  EXPECT_FALSE(DecodeRecordHeader(Bytes({0x30, 0xF8})).has_value());  // reserved
}

TEST(RedoRecordTest, RealFileModifyAndCheckpointMtr) {
  const std::vector<uint8_t> recs = Cat(Bytes({0xB0, 0x04, 0x06, 0x00}, "./test/t_red.ibd"),
                                        Bytes({0xFA, 0, 0, 0, 0, 0, 0, 0, 0x0B, 0x02, 0xD8}));
  const std::vector<RedoRecord> r = ReadAll(recs);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, RecordKind::kFile);
  EXPECT_EQ(r[0].file_type(), FileRecordType::kModify);
  EXPECT_EQ(r[0].page, (RedoPageId{SpaceId(6), PageNo(0)}));
  EXPECT_EQ(r[0].name, "./test/t_red.ibd");
  EXPECT_EQ(r[0].size, 20u);
  EXPECT_EQ(r[1].file_type(), FileRecordType::kCheckpoint);
  EXPECT_EQ(r[1].checkpoint_lsn, Lsn(721624));
  EXPECT_EQ(r[1].offset, 20u);
}

TEST(RedoRecordTest, RealRenameAndDelete) {
  const std::vector<uint8_t> rename =
      Bytes({0xA0, 0x16, 0x09, 0x00}, std::string("./test/t_new.ibd\0./test/t_new2.ibd", 34));
  std::vector<RedoRecord> r = ReadAll(rename);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].file_type(), FileRecordType::kRename);
  EXPECT_EQ(r[0].page.space, SpaceId(9));
  EXPECT_EQ(r[0].name, "./test/t_new.ibd");
  EXPECT_EQ(r[0].new_name, "./test/t_new2.ibd");
  const std::vector<uint8_t> del = Bytes({0x90, 0x03, 0x08, 0x00}, "./test/t_pc.ibd");
  r = ReadAll(del);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].file_type(), FileRecordType::kDelete);
  EXPECT_EQ(r[0].name, "./test/t_pc.ibd");
}

TEST(RedoRecordTest, RealExtendedInsertRecord) {
  const std::vector<uint8_t> recs =
      Bytes({0x20, 0x10, 0x06, 0x05, 0x04, 0x9e, 0xa2, 0x1c, 0x03, 0x02, 0x17, 0x03, 0xe8,
             0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x93, 0x00, 0x00, 0x01, 0x2d, 0x01, 0x10},
            "newred");
  const std::vector<RedoRecord> r = ReadAll(recs);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, RecordKind::kPage);
  EXPECT_EQ(r[0].page_type(), PageRecordType::kExtended);
  EXPECT_EQ(r[0].page, (RedoPageId{SpaceId(6), PageNo(5)}));
  EXPECT_EQ(r[0].extended_type(), ExtendedType::kInsertHeapRedundant);
  EXPECT_EQ(r[0].payload.size(), 28u);
  EXPECT_EQ(r[0].size, 32u);
}

TEST(RedoRecordTest, SamePageRecordsInheritThePageId) {
  const uint8_t data[] = {1, 2, 3};
  MtrBuilder b;
  b.FileCreate(SpaceId(9), "./db/t.ibd").InitPage({SpaceId(9), PageNo(0)});
  b.SamePage(PageRecordType::kWrite, data).Write({SpaceId(9), PageNo(2)}, 100, data);
  const std::vector<RedoRecord> r = ReadAll(b.records());
  ASSERT_EQ(r.size(), 4u);
  EXPECT_TRUE(r[1].IsFirstPageInit());
  EXPECT_TRUE(r[2].same_page);
  EXPECT_EQ(r[2].page_type(), PageRecordType::kWrite);
  EXPECT_EQ(r[2].page, (RedoPageId{SpaceId(9), PageNo(0)}));
  EXPECT_EQ(std::vector<uint8_t>(r[2].payload.begin(), r[2].payload.end()), Bytes({1, 2, 3}));
  EXPECT_FALSE(r[3].same_page);
  EXPECT_EQ(r[3].page, (RedoPageId{SpaceId(9), PageNo(2)}));
}

TEST(RedoRecordTest, FileRecordsAfterFileRecordsStayFileRecords) {
  MtrBuilder b;
  b.FileModify(SpaceId(6), "./a/x.ibd")
      .FileModify(SpaceId(7), "./a/y.ibd")
      .FileCheckpoint(Lsn(99999));
  const std::vector<RedoRecord> r = ReadAll(b.records());
  ASSERT_EQ(r.size(), 3u);
  for (const RedoRecord& x : r) EXPECT_EQ(x.kind, RecordKind::kFile);
  EXPECT_EQ(r[1].name, "./a/y.ibd");
}

TEST(RedoRecordTest, PaddingRecordsAreSkippable) {
  const std::vector<uint8_t> recs =
      Cat(Cat(Bytes({0xF1, 0x00}), Bytes({0xF2, 0x00, 0x00})), Bytes({0xF5, 0, 0, 0, 0, 0}));
  const std::vector<RedoRecord> r = ReadAll(recs);
  ASSERT_EQ(r.size(), 3u);
  for (const RedoRecord& x : r) EXPECT_EQ(x.kind, RecordKind::kPadding);
}

TEST(RedoRecordTest, TrimPagesAndExtendedSubtype) {
  MtrBuilder b;
  b.Extended({SpaceId(1), PageNo(640)}, ExtendedType::kTrimPages);
  b.Extended({SpaceId(5), PageNo(3)}, ExtendedType::kUndoAppend, Bytes({1, 2, 3}));
  const std::vector<RedoRecord> r = ReadAll(b.records());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].IsTrimPages());
  EXPECT_EQ(r[0].page.page, PageNo(640));
  EXPECT_FALSE(r[1].IsTrimPages());
  EXPECT_EQ(r[1].extended_type(), ExtendedType::kUndoAppend);
}

TEST(RedoRecordTest, Enc11HidesEverythingButTheHeaders) {
  MtrBuilder b;
  b.FileCreate(SpaceId(9), "./db/t.ibd").InitPage({SpaceId(9), PageNo(0)});
  b.SamePage(PageRecordType::kWrite, Bytes({1}));
  absl::Status st;
  const std::vector<RedoRecord> r = ReadAll(b.records(), &st, LogEncryption::kEnc11);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, RecordKind::kFile);
  EXPECT_EQ(r[0].cipher, RecordCipher::kBody);
  EXPECT_TRUE(r[0].name.empty());
  EXPECT_EQ(r[1].kind, RecordKind::kPage);
  EXPECT_FALSE(r[1].IsFirstPageInit());  // page number is ciphertext
  EXPECT_TRUE(r[2].same_page);
}

TEST(RedoRecordTest, Enc10_8KeepsPageIdsAndFileNamesClear) {
  MtrBuilder b;
  b.FileCreate(SpaceId(9), "./db/t.ibd")
      .Extended({SpaceId(1), PageNo(640)}, ExtendedType::kTrimPages);
  absl::Status st;
  const std::vector<RedoRecord> r = ReadAll(b.records(), &st, LogEncryption::kEnc10_8);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].name, "./db/t.ibd");
  EXPECT_EQ(r[1].page, (RedoPageId{SpaceId(1), PageNo(640)}));
  EXPECT_EQ(r[1].cipher, RecordCipher::kPayload);
  EXPECT_FALSE(r[1].IsTrimPages());  // the subtype is ciphertext
}

TEST(RedoRecordTest, ErrorIsStickyAndNamesTheOffset) {
  const std::vector<uint8_t> recs = Cat(Bytes({0x12, 5, 3}), Bytes({0x60 | 2, 5, 3}));
  RecordReader reader(recs, LogEncryption::kNone);
  RedoRecord r;
  EXPECT_TRUE(reader.Next(r));
  EXPECT_FALSE(reader.Next(r));
  EXPECT_FALSE(reader.Next(r));
  EXPECT_EQ(reader.status(), absl::DataLossError("record at +3 (type 0x62): reserved record type"));
}

TEST(RedoRecordTest, MalformedLengths) {
  EXPECT_EQ(StatusOf(Bytes({0x01})),
            absl::DataLossError("record at +0 (type 0x01): end marker inside the records"));
  EXPECT_EQ(StatusOf(Bytes({0x30, 0xF8})),
            absl::DataLossError("record at +0 (type 0x30): corrupted length"));
  EXPECT_EQ(StatusOf(Bytes({0x36, 5, 3})),
            absl::DataLossError(
                "record at +0 (type 0x36): length 7 runs past the end of the records (3 left)"));
}

TEST(RedoRecordTest, MalformedPageIds) {
  EXPECT_EQ(StatusOf(Bytes({0x31, 0x05})),
            absl::DataLossError("record at +0 (type 0x31): corrupted page id"));
  EXPECT_EQ(StatusOf(Bytes({0x36, 0xF1, 0, 0, 0, 0, 0})),
            absl::DataLossError("record at +0 (type 0x36): corrupted page id (space id)"));
  EXPECT_EQ(StatusOf(Bytes({0x33, 0x05, 0xC0, 0x00})),
            absl::DataLossError("record at +0 (type 0x33): corrupted page id (page number)"));
}

TEST(RedoRecordTest, MalformedPageRecords) {
  EXPECT_EQ(StatusOf(Bytes({0x12, 5, 3, 0x81, 0x00})),
            absl::DataLossError("record at +3 (type 0x81): FREE_PAGE or INIT_PAGE with same_page"));
  EXPECT_EQ(StatusOf(Bytes({0x13, 5, 3, 0})),
            absl::DataLossError("record at +0 (type 0x13): FREE_PAGE or INIT_PAGE with payload"));
  EXPECT_EQ(StatusOf(Bytes({0x32, 5, 3})),
            absl::DataLossError("record at +0 (type 0x32): page record without payload"));
  std::vector<uint8_t> huge;
  AppendRecord(0x30, std::vector<uint8_t>(65536, 7), huge);
  EXPECT_EQ(
      StatusOf(huge),
      absl::DataLossError("record at +0 (type 0x30): page record of 65540 bytes exceeds 65536"));
}

TEST(RedoRecordTest, MalformedFileRecords) {
  const auto file = [](int type, int space, int page, std::string_view payload) {
    std::vector<uint8_t> body = Bytes({space, page}, payload);
    std::vector<uint8_t> out;
    AppendRecord(static_cast<uint8_t>(type), body, out);
    return std::string(StatusOf(out).message());
  };
  EXPECT_EQ(file(0x80, 5, 0, ""), "record at +0 (type 0x82): file record without payload");
  EXPECT_EQ(file(0x80, 5, 3, "./a.ibd"),
            "record at +0 (type 0x89): file record for page 3, expected 0");
  EXPECT_EQ(file(0x80, 0, 0, "./a.ibd"), "record at +0 (type 0x89): file record for space id 0");
  EXPECT_EQ(file(0xC0, 5, 0, "./a.ibd"), "record at +0 (type 0xc9): unknown file record type");
  EXPECT_EQ(file(0x80, 5, 0, "./a.frm"),
            "record at +0 (type 0x89): file name does not end in .ibd");
  EXPECT_EQ(file(0x90, 5, 0, std::string("./a\0.ibd", 8)),
            "record at +0 (type 0x9a): NUL in file name");
  EXPECT_EQ(file(0xA0, 5, 0, "./a.ibd"),
            "record at +0 (type 0xa9): FILE_RENAME without a NUL between the names");
  EXPECT_EQ(file(0xA0, 5, 0, std::string("./a.ibd\0./b.frm", 15)),
            "record at +0 (type 0xa0): new file name does not end in .ibd");
}

TEST(RedoRecordTest, MalformedCheckpointRecords) {
  const std::vector<uint8_t> cp = MtrBuilder().FileCheckpoint(Lsn(5)).records();
  EXPECT_EQ(StatusOf(Cat(cp, Bytes({0x12, 5, 3}))).message(),
            "record at +0 (type 0xfa): FILE_CHECKPOINT is not the last record");
  EXPECT_EQ(StatusOf(Bytes({0xFA, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5})).message(),
            "record at +0 (type 0xfa): FILE_CHECKPOINT for a nonzero space id");
  EXPECT_EQ(StatusOf(Bytes({0xF5, 0, 0, 0, 0, 7})).message(),
            "record at +0 (type 0xf5): FILE_CHECKPOINT payload of 3 bytes");
}

TEST(RedoRecordTest, DigestCollectsWhatTheBackupNeeds) {
  const uint8_t data[] = {1};
  MtrBuilder b;
  b.FileCreate(SpaceId(9), "./db/t.ibd").InitPage({SpaceId(9), PageNo(0)});
  b.SamePage(PageRecordType::kWrite, Bytes({40, 1})).Write({SpaceId(9), PageNo(3)}, 50, data);
  b.Write({SpaceId(9), PageNo(0)}, 60, data)
      .Extended({SpaceId(2), PageNo(640)}, ExtendedType::kTrimPages);
  absl::StatusOr<MtrDigest> d = DigestMtrRecords(b.records(), LogEncryption::kNone);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->file_records.size(), 1u);
  EXPECT_EQ(d->file_records[0].name, "./db/t.ibd");
  EXPECT_EQ(d->created_spaces, std::vector<SpaceId>{SpaceId(9)});
  EXPECT_EQ(d->trimmed, (std::vector<RedoPageId>{{SpaceId(2), PageNo(640)}}));
  EXPECT_EQ(d->pages,
            (std::vector<RedoPageId>{
                {SpaceId(2), PageNo(640)}, {SpaceId(9), PageNo(0)}, {SpaceId(9), PageNo(3)}}));
  EXPECT_FALSE(d->checkpoint_lsn.has_value());
}

TEST(RedoRecordTest, DigestTakesTheCheckpointAndStopsAtErrors) {
  const std::vector<uint8_t> cp =
      MtrBuilder().FileModify(SpaceId(9), "./db/t.ibd").FileCheckpoint(Lsn(777)).records();
  absl::StatusOr<MtrDigest> d = DigestMtrRecords(cp, LogEncryption::kNone);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->checkpoint_lsn, Lsn(777));
  EXPECT_EQ(d->file_records.size(), 1u);
  EXPECT_EQ(DigestMtrRecords(Bytes({0x62, 5, 3}), LogEncryption::kNone).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RecordTypeNameTest, PageFileAndExtendedNames) {
  const uint8_t sub_undo[] = {3, 1, 2, 3};
  const uint8_t sub_bad[] = {42};
  EXPECT_EQ(PageRecordTypeName(0x32, {}), "WRITE");
  EXPECT_EQ(PageRecordTypeName(0xB2, {}), "WRITE");  // same_page bit and length ignored
  EXPECT_EQ(PageRecordTypeName(0x00, {}), "FREE_PAGE");
  EXPECT_EQ(PageRecordTypeName(0x70, {}), "OPTION");
  EXPECT_EQ(PageRecordTypeName(0x24, sub_undo), "EXTENDED UNDO_APPEND");
  EXPECT_EQ(PageRecordTypeName(0x21, sub_bad), "EXTENDED subtype 42");
  EXPECT_EQ(PageRecordTypeName(0x20, {}), "EXTENDED");
  EXPECT_EQ(FileRecordTypeName(0x80), "FILE_CREATE");
  EXPECT_EQ(FileRecordTypeName(0xA5), "FILE_RENAME");
  EXPECT_EQ(FileRecordTypeName(0xFA), "FILE_CHECKPOINT");
}

}  // namespace
}  // namespace tidemark::innodb
