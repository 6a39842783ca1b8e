// Tests of the ib_logfile0 header block, the checkpoint blocks with find_checkpoint's
// choice rules, and the LSN <-> offset / sequence-bit arithmetic. Each rejection rule
// has its own test with the exact status.
#include "innodb/redo/log_file.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/base/crc32c.h"

namespace tidemark::innodb {
namespace {

LogHeader PlainHeader(uint64_t first_lsn = 12288) {
  LogHeader h;
  h.first_lsn = Lsn(first_lsn);
  h.creator = "MariaDB 10.11.19";
  return h;
}

std::vector<uint8_t> HeadWith(const LogHeader& h) {
  std::vector<uint8_t> head(kLogStartOffset, 0);
  WriteLogHeader(h, head);
  return head;
}

void Reseal(std::vector<uint8_t>& head) {
  WriteBe32(head, kLogHeaderChecksum, Crc32c(ByteSpan(head).subspan(0, kLogHeaderChecksum)));
}

TEST(LogHeaderTest, RoundTripsPlainHeader) {
  const std::vector<uint8_t> head = HeadWith(PlainHeader(44404));
  absl::StatusOr<LogHeader> h = ParseLogHeader(head);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->format, kLogFormat10_8);
  EXPECT_EQ(h->first_lsn, Lsn(44404));
  EXPECT_EQ(h->creator, "MariaDB 10.11.19");
  EXPECT_EQ(h->encryption(), LogEncryption::kNone);
  EXPECT_FALSE(h->written_by_backup());
}

TEST(LogHeaderTest, WritesTheDocumentedBytes) {
  const std::vector<uint8_t> head = HeadWith(PlainHeader(0x0102030405));
  EXPECT_EQ(ReadBe32(head, 0), 0x50687973u);
  EXPECT_EQ(ReadBe32(head, 4), 0u);
  EXPECT_EQ(ReadBe64(head, 8), 0x0102030405u);
  EXPECT_EQ(std::string(head.begin() + 16, head.begin() + 33),
            std::string("MariaDB 10.11.19\0", 17));
  EXPECT_EQ(ReadBe32(head, 508), Crc32c(ByteSpan(head).subspan(0, 508)));
}

TEST(LogHeaderTest, CreatorIsTruncatedTo32Bytes) {
  LogHeader h = PlainHeader();
  h.creator = std::string(40, 'x');
  absl::StatusOr<LogHeader> back = ParseLogHeader(HeadWith(h));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->creator, std::string(32, 'x'));
}

TEST(LogHeaderTest, EncryptedFormatsKeepCryptBytes) {
  LogHeader h = PlainHeader();
  h.format = kLogFormatEnc11;
  for (size_t i = 0; i < h.crypt.size(); ++i) h.crypt[i] = static_cast<uint8_t>(i + 1);
  WriteBe32(h.crypt, 0, kLogEncryptionKeyId);
  absl::StatusOr<LogHeader> back = ParseLogHeader(HeadWith(h));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->encryption(), LogEncryption::kEnc11);
  EXPECT_EQ(back->crypt, h.crypt);
  h.format = kLogFormat10_8;  // 10.8-style encryption: info at 48 in a FORMAT_10_8 header
  back = ParseLogHeader(HeadWith(h));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->encryption(), LogEncryption::kEnc10_8);
  EXPECT_EQ(NonceSize(back->encryption()), 8u);
}

TEST(LogHeaderTest, EveryFlippedByteBreaksTheChecksum) {
  const std::vector<uint8_t> good = HeadWith(PlainHeader());
  for (size_t off : {size_t{0}, size_t{9}, size_t{20}, size_t{100}, size_t{507}, size_t{511}}) {
    std::vector<uint8_t> bad = good;
    bad[off] ^= 0x01;
    EXPECT_EQ(ParseLogHeader(bad).status().code(), absl::StatusCode::kDataLoss) << off;
  }
}

TEST(LogHeaderTest, ChecksumMismatchMessage) {
  std::vector<uint8_t> head = HeadWith(PlainHeader());
  WriteBe32(head, 508, 0x12345678);
  EXPECT_EQ(ParseLogHeader(head).status(),
            absl::DataLossError(absl::StrFormat(
                "log header: checksum mismatch (stored 0x12345678, computed 0x%08x)",
                Crc32c(ByteSpan(head).subspan(0, 508)))));
}

TEST(LogHeaderTest, OlderFormatIsUnsupported) {
  LogHeader h = PlainHeader();
  h.format = kLogFormat10_5;
  h.creator = "MariaDB 10.5.9";
  EXPECT_EQ(ParseLogHeader(HeadWith(h)).status(),
            absl::FailedPreconditionError(
                "log header: unsupported redo log format 0x50485953 (created by 'MariaDB "
                "10.5.9'); only the 10.8 format (0x50687973, 0xf09f979d) can be read"));
}

TEST(LogHeaderTest, NonZeroReservedWordIsCorrupt) {
  std::vector<uint8_t> head = HeadWith(PlainHeader());
  head[7] = 1;
  Reseal(head);
  EXPECT_EQ(ParseLogHeader(head).status(),
            absl::DataLossError("log header: invalid header block: word at 4 is 0x00000001, "
                                "expected 0"));
}

TEST(LogHeaderTest, FirstLsnBelowStartOffsetIsCorrupt) {
  EXPECT_EQ(
      ParseLogHeader(HeadWith(PlainHeader(12287))).status(),
      absl::DataLossError("log header: invalid header block: first_lsn 12287 is below 12288"));
}

TEST(LogHeaderTest, EncryptionHeaderMustNameKeyOne) {
  LogHeader h = PlainHeader();
  h.format = kLogFormatEnc11;
  WriteBe32(h.crypt, 0, 2);
  EXPECT_EQ(ParseLogHeader(HeadWith(h)).status(),
            absl::DataLossError("log header: invalid encryption header: key id 2, expected 1"));
}

TEST(LogHeaderTest, ShortBlockIsInvalidArgument) {
  std::vector<uint8_t> head = HeadWith(PlainHeader());
  EXPECT_EQ(ParseLogHeader(ByteSpan(head).subspan(0, 511)).status(),
            absl::InvalidArgumentError("log header block: 511 bytes given, 512 needed"));
}

TEST(LogCheckpointTest, RoundTripsAndWritesTheDocumentedBytes) {
  std::vector<uint8_t> block(64, 0xEE);
  WriteLogCheckpoint({Lsn(721624), Lsn(721902)}, block);
  EXPECT_EQ(ReadBe64(block, 0), 721624u);
  EXPECT_EQ(ReadBe64(block, 8), 721902u);
  EXPECT_EQ(ReadBe32(block, 60), Crc32c(ByteSpan(block).subspan(0, 60)));
  absl::StatusOr<LogCheckpoint> c = ParseLogCheckpoint(block, Lsn(12288));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, (LogCheckpoint{Lsn(721624), Lsn(721902)}));
}

TEST(LogCheckpointTest, EachRuleHasItsMessage) {
  std::vector<uint8_t> block(64, 0);
  WriteLogCheckpoint({Lsn(20000), Lsn(20000)}, block);
  block[30] = 1;
  WriteBe32(block, 60, Crc32c(ByteSpan(block).subspan(0, 60)));
  EXPECT_EQ(ParseLogCheckpoint(block, Lsn(12288)).status(),
            absl::DataLossError("bytes 16..59 are not zero"));
  WriteLogCheckpoint({Lsn(20000), Lsn(20000)}, block);
  EXPECT_EQ(ParseLogCheckpoint(block, Lsn(30000)).status(),
            absl::DataLossError("checkpoint_lsn 20000 is below first_lsn 30000"));
  WriteLogCheckpoint({Lsn(20000), Lsn(19999)}, block);
  EXPECT_EQ(ParseLogCheckpoint(block, Lsn(12288)).status(),
            absl::DataLossError("end_lsn 19999 is below checkpoint_lsn 20000"));
  block[3] ^= 0x10;
  EXPECT_EQ(ParseLogCheckpoint(block, Lsn(12288)).status().code(), absl::StatusCode::kDataLoss);
}

std::vector<uint8_t> HeadWithCheckpoints(LogCheckpoint c1, LogCheckpoint c2) {
  std::vector<uint8_t> head = HeadWith(PlainHeader());
  WriteLogCheckpoint(c1, MutableByteSpan(head).subspan(kLogCheckpoint1));
  WriteLogCheckpoint(c2, MutableByteSpan(head).subspan(kLogCheckpoint2));
  return head;
}

TEST(LogFileHeadTest, PicksTheLargerCheckpoint) {
  const std::vector<uint8_t> head =
      HeadWithCheckpoints({Lsn(721624), Lsn(721902)}, {Lsn(721608), Lsn(721608)});
  absl::StatusOr<LogFileHead> h = ParseLogFileHead(head);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->checkpoint, (LogCheckpoint{Lsn(721624), Lsn(721902)}));
  EXPECT_EQ(h->checkpoint_offset, kLogCheckpoint1);
}

TEST(LogFileHeadTest, TieGoesToTheSecondBlock) {
  const std::vector<uint8_t> head =
      HeadWithCheckpoints({Lsn(50000), Lsn(50100)}, {Lsn(50000), Lsn(50200)});
  absl::StatusOr<LogFileHead> h = ParseLogFileHead(head);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->checkpoint.end_lsn, Lsn(50200));
  EXPECT_EQ(h->checkpoint_offset, kLogCheckpoint2);
}

TEST(LogFileHeadTest, CorruptNewerBlockFallsBackToTheOlder) {
  std::vector<uint8_t> head =
      HeadWithCheckpoints({Lsn(40000), Lsn(40000)}, {Lsn(60000), Lsn(60000)});
  head[kLogCheckpoint2 + 5] ^= 0x80;
  absl::StatusOr<LogFileHead> h = ParseLogFileHead(head);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->checkpoint.checkpoint_lsn, Lsn(40000));
}

TEST(LogFileHeadTest, NoValidCheckpointNamesBothReasons) {
  const std::vector<uint8_t> head = HeadWith(PlainHeader());  // both blocks all zero
  EXPECT_EQ(ParseLogFileHead(head).status(),
            absl::DataLossError(
                "log file head: no valid checkpoint (block 4096: checksum mismatch (stored "
                "0x00000000, computed 0x5a0b0531); block 8192: checksum mismatch (stored "
                "0x00000000, computed 0x5a0b0531))"));
}

TEST(LogGeometryTest, OffsetAndSequenceBitAcrossPasses) {
  absl::StatusOr<LogGeometry> g = LogGeometry::Create(Lsn(44404), 4 << 20);
  ASSERT_TRUE(g.ok()) << g.status();
  const uint64_t cap = (4 << 20) - 12288;
  EXPECT_EQ(g->capacity(), cap);
  EXPECT_EQ(g->Offset(Lsn(44404)), 12288u);
  EXPECT_EQ(g->SequenceBit(Lsn(44404)), 1);
  EXPECT_EQ(g->Offset(Lsn(44404 + cap - 1)), (4u << 20) - 1);
  EXPECT_EQ(g->SequenceBit(Lsn(44404 + cap - 1)), 1);
  EXPECT_EQ(g->Offset(Lsn(44404 + cap)), 12288u);
  EXPECT_EQ(g->SequenceBit(Lsn(44404 + cap)), 0);
  EXPECT_EQ(g->SequenceBit(Lsn(44404 + 2 * cap)), 1);
  EXPECT_EQ(g->Offset(Lsn(144392823)), 2172163u);  // INNODB_FORMATS.md §3.2, verified
}

TEST(LogGeometryTest, RejectsImpossibleGeometry) {
  EXPECT_EQ(LogGeometry::Create(Lsn(12287), 1 << 20).status(),
            absl::InvalidArgumentError("log geometry: first_lsn 12287 is below 12288"));
  EXPECT_EQ(LogGeometry::Create(Lsn(12288), 12303).status(),
            absl::InvalidArgumentError("log geometry: file size 12303 is too small (minimum "
                                       "12304)"));
  EXPECT_TRUE(LogGeometry::Create(Lsn(12288), 12304).ok());
}

}  // namespace
}  // namespace tidemark::innodb
