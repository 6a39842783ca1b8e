// Tests of mtr framing, modelled on LevelDB's log_test: build a log in memory, corrupt one
// byte or cut it short, read it back, and check the verdict and where it was reported.
// Every stop verdict has its own test; wrap-around is tested at every split position.
#include "innodb/redo/mtr.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/redo/log_writer.h"
#include "innodb/redo/varint.h"

namespace tidemark::innodb {
namespace {

constexpr RedoPageId kPage{SpaceId(5), PageNo(3)};

LogImage MakeImage(uint64_t file_size = 1 << 20, uint64_t first_lsn = 12288,
                   uint32_t format = kLogFormat10_8) {
  LogHeader h;
  h.format = format;
  h.first_lsn = Lsn(first_lsn);
  h.creator = "MariaDB 10.11.19";
  if (format == kLogFormatEnc11) WriteBe32(h.crypt, 0, kLogEncryptionKeyId);
  return *LogImage::Create(h, file_size);
}

std::vector<uint8_t> SmallRecords(uint8_t fill = 0xAB) {
  const uint8_t data[] = {fill, fill, fill, fill};
  return MtrBuilder().InitPage(kPage).Write(kPage, 38, data).records();
}

MtrFraming FramingOf(const LogImage& img) { return MtrFraming{img.geometry(), img.encryption()}; }

MtrResult ReadAt(const LogImage& img, Lsn from, Lsn to) {
  std::vector<uint8_t> scratch;
  return ReadMtr(img.View(from, to), FramingOf(img), scratch);
}

TEST(MtrTest, ReadsOneMtrWithItsLsnsAndRecords) {
  LogImage img = MakeImage();
  const std::vector<uint8_t> recs = SmallRecords();
  const Lsn start = img.Append(recs);
  const MtrResult r = ReadAt(img, start, img.lsn());
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.mtr.start_lsn(), start);
  EXPECT_EQ(r.mtr.end_lsn(), Lsn(start.value() + recs.size() + 5));
  EXPECT_EQ(r.mtr.records_size, recs.size());
  std::vector<uint8_t> scratch;
  const ByteSpan got = r.mtr.records().Contiguous(scratch);
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), recs);
}

TEST(MtrTest, ReaderWalksEveryMtrThenStopsAtTheEndMarker) {
  LogImage img = MakeImage();
  std::vector<Lsn> starts;
  for (uint8_t i = 2; i < 6; ++i) starts.push_back(img.Append(SmallRecords(i)));
  MtrReader reader(img.View(img.geometry().first_lsn(), Lsn(img.lsn().value() + 100)),
                   FramingOf(img));
  for (const Lsn s : starts) {
    const MtrResult r = reader.Read();
    ASSERT_TRUE(r.ok()) << r.detail;
    EXPECT_EQ(r.lsn, s);
  }
  const MtrResult end = reader.Read();
  EXPECT_EQ(end.verdict, MtrVerdict::kEndMarker);
  EXPECT_EQ(end.lsn, img.lsn());
  EXPECT_EQ(end.detail, absl::StrFormat("end of log: byte 0x00 at LSN %d", img.lsn().value()));
  EXPECT_EQ(reader.lsn(), img.lsn());
  EXPECT_EQ(reader.Read().verdict, MtrVerdict::kEndMarker);  // stays put
}

TEST(MtrTest, EmptyMtrIsAnEndMarker) {
  LogImage img = MakeImage();
  const Lsn start = img.lsn();
  img.WriteAt(start, EncodeMtr({}, 1));  // marker + CRC of nothing: never written
  const MtrResult r = ReadAt(img, start, Lsn(start.value() + 5));
  EXPECT_EQ(r.verdict, MtrVerdict::kEndMarker);
  EXPECT_EQ(r.detail_lsn, start);
}

TEST(MtrTest, FlippedRecordByteIsBadChecksum) {
  LogImage img = MakeImage();
  const Lsn start = img.Append(SmallRecords());
  const Lsn data(start.value() + 3 + 2);  // INIT_PAGE is 3 bytes; then 0x36 05 03 26 AB..
  img.WriteAt(data, std::vector<uint8_t>{static_cast<uint8_t>(img.At(data) ^ 0x01)});
  const MtrResult r = ReadAt(img, start, img.lsn());
  EXPECT_EQ(r.verdict, MtrVerdict::kBadChecksum);
  EXPECT_EQ(r.lsn, start);
  EXPECT_EQ(r.detail_lsn, Lsn(img.lsn().value() - 4));  // the stored CRC
}

TEST(MtrTest, FlippedChecksumByteIsBadChecksum) {
  LogImage img = MakeImage();
  const Lsn start = img.Append(SmallRecords());
  for (uint64_t back = 1; back <= 4; ++back) {
    LogImage bad = img;
    const Lsn at(img.lsn().value() - back);
    bad.WriteAt(at, std::vector<uint8_t>{static_cast<uint8_t>(bad.At(at) ^ 0x80)});
    EXPECT_EQ(ReadAt(bad, start, bad.lsn()).verdict, MtrVerdict::kBadChecksum) << back;
  }
}

TEST(MtrTest, FlippedEndMarkerIsBadSequenceBit) {
  LogImage img = MakeImage();
  const Lsn start = img.Append(SmallRecords());
  const Lsn marker(img.lsn().value() - 5);
  img.WriteAt(marker, std::vector<uint8_t>{0x00});
  const MtrResult r = ReadAt(img, start, img.lsn());
  EXPECT_EQ(r.verdict, MtrVerdict::kBadSequenceBit);
  EXPECT_EQ(r.detail_lsn, marker);
  EXPECT_EQ(r.detail, absl::StrFormat("end marker 0x00 at LSN %d, expected 0x01", marker.value()));
}

TEST(MtrTest, CorruptLengthVarintIsMalformed) {
  LogImage img = MakeImage();
  const Lsn start = img.Append(std::vector<uint8_t>{0x30, 0xF8, 0, 0, 0, 0, 0, 0, 0});
  const MtrResult r = ReadAt(img, start, img.lsn());
  EXPECT_EQ(r.verdict, MtrVerdict::kMalformed);
  EXPECT_EQ(r.detail, absl::StrFormat("corrupted record length at LSN %d", start.value()));
}

TEST(MtrTest, TruncatedAnywhereInsideIsIncomplete) {
  LogImage img = MakeImage();
  const Lsn start = img.Append(SmallRecords());
  const size_t size = img.lsn().value() - start.value();
  for (size_t cut = 1; cut < size; ++cut) {
    const MtrResult r = ReadAt(img, start, Lsn(start.value() + cut));
    EXPECT_EQ(r.verdict, MtrVerdict::kIncomplete) << cut;
    EXPECT_EQ(r.lsn, start);
  }
  EXPECT_EQ(ReadAt(img, start, start).verdict, MtrVerdict::kIncomplete);
  EXPECT_TRUE(ReadAt(img, start, img.lsn()).ok());  // exactly the mtr's bytes suffice
}

TEST(MtrTest, ReaderResumesAfterIncompleteWithMoreBytes) {
  LogImage img = MakeImage();
  img.Append(SmallRecords(2));
  const Lsn second = img.Append(SmallRecords(3));
  MtrReader torn(img.View(img.geometry().first_lsn(), Lsn(img.lsn().value() - 2)), FramingOf(img));
  ASSERT_TRUE(torn.Read().ok());
  EXPECT_EQ(torn.Read().verdict, MtrVerdict::kIncomplete);
  ASSERT_EQ(torn.lsn(), second);
  MtrReader again(img.View(torn.lsn(), img.lsn()), FramingOf(img));
  EXPECT_TRUE(again.Read().ok());
  EXPECT_EQ(again.lsn(), img.lsn());
}

TEST(MtrTest, MtrWrappingAcrossTheFileEndParsesAtEverySplit) {
  const std::vector<uint8_t> recs = SmallRecords();
  const size_t size = recs.size() + 5;
  for (size_t before_end = 1; before_end < size; ++before_end) {
    LogImage img = MakeImage(kLogStartOffset + 4096);
    img.Seek(Lsn(12288 + 4096 - before_end));
    const Lsn start = img.Append(recs);
    const MtrResult r = ReadAt(img, start, img.lsn());
    ASSERT_TRUE(r.ok()) << before_end << ": " << r.detail;
    EXPECT_TRUE(r.mtr.bytes.is_split());
    EXPECT_EQ(r.mtr.bytes.first().size(), before_end);
    std::vector<uint8_t> scratch;
    const ByteSpan got = r.mtr.records().Contiguous(scratch);
    EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), recs);
  }
}

TEST(MtrTest, SecondPassWritesAndExpectsSequenceBitZero) {
  LogImage img = MakeImage(kLogStartOffset + 4096);
  img.Seek(Lsn(12288 + 4096 + 100));  // pass 1
  const Lsn start = img.Append(SmallRecords());
  EXPECT_EQ(img.At(Lsn(img.lsn().value() - 5)), 0);
  EXPECT_TRUE(ReadAt(img, start, img.lsn()).ok());
}

// Pass 0 full of 20-byte mtrs, then a few on pass 1: the stale pass-0 mtr right after
// the last new one still has marker 0x01 but its LSN needs 0x00.
TEST(MtrTest, StaleMtrFromThePreviousPassIsBadSequenceBit) {
  const std::vector<uint8_t> recs =
      MtrBuilder().InitPage(kPage).Write(kPage, 38, std::vector<uint8_t>(8, 7)).records();
  ASSERT_EQ(recs.size() + 5, 20u);
  LogImage img = MakeImage(kLogStartOffset + 2000);
  while (img.lsn() < Lsn(12288 + 2000 + 60)) img.Append(recs);
  const MtrResult r = ReadAt(img, img.lsn(), Lsn(img.lsn().value() + 100));
  EXPECT_EQ(r.verdict, MtrVerdict::kBadSequenceBit);
  EXPECT_EQ(r.detail_lsn, Lsn(img.lsn().value() + 15));
}

// One WRITE record (page 5:3, offset 0) of exactly `total` bytes (total >= 5).
std::vector<uint8_t> WriteRecordOfSize(size_t total) {
  for (size_t n = total - 1; n + 4 >= total; --n) {
    std::vector<uint8_t> body = {5, 3, 0};
    body.resize(n, 0x5A);
    std::vector<uint8_t> rec;
    AppendRecord(0x30, body, rec);
    if (rec.size() == total) return rec;
  }
  ADD_FAILURE() << "no record of " << total << " bytes";
  return {};
}

std::vector<uint8_t> RecordsOfSize(size_t total) {
  std::vector<uint8_t> out;
  while (out.size() < total) {
    const size_t rem = total - out.size();
    const size_t chunk = rem <= 60000 ? rem : (rem - 60000 < 5 ? 50000 : 60000);
    const std::vector<uint8_t> rec = WriteRecordOfSize(chunk);
    out.insert(out.end(), rec.begin(), rec.end());
  }
  return out;
}

TEST(MtrTest, RecordsReachingOneMiBAreTooLarge) {
  LogImage img = MakeImage(3 << 20);
  const Lsn start = img.Append(RecordsOfSize(kMtrSizeMax));
  const MtrResult r = ReadAt(img, start, img.lsn());
  EXPECT_EQ(r.verdict, MtrVerdict::kTooLarge);
  EXPECT_EQ(r.detail_lsn, Lsn(start.value() + kMtrSizeMax));
  EXPECT_EQ(r.detail, "records reach 1 MiB");
}

TEST(MtrTest, RecordsJustBelowOneMiBAreAccepted) {
  LogImage img = MakeImage(3 << 20);
  const Lsn start = img.Append(RecordsOfSize(kMtrSizeMax - 1));
  const MtrResult r = ReadAt(img, start, img.lsn());
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.mtr.size(), kMtrSizeMax - 1 + 5);
}

TEST(MtrTest, OneRecordLengthOfOneMiBIsTooLarge) {
  LogImage img = MakeImage();
  std::vector<uint8_t> recs = {0x30};
  AppendVarint(kMtrSizeMax, recs);
  const Lsn start = img.Append(recs);
  const MtrResult r = ReadAt(img, start, img.lsn());
  EXPECT_EQ(r.verdict, MtrVerdict::kTooLarge);
  EXPECT_EQ(r.detail,
            absl::StrFormat("record length 1048576 at LSN %d exceeds 1 MiB", start.value()));
}

TEST(MtrTest, ChecksummedButMalformedRecordIsMalformed) {
  LogImage img = MakeImage();
  const Lsn start = img.Append(MtrBuilder().FileCreate(SpaceId(9), "./t.frm").records());
  const MtrResult r = ReadAt(img, start, img.lsn());
  EXPECT_EQ(r.verdict, MtrVerdict::kMalformed);
  EXPECT_EQ(r.detail_lsn, start);
  EXPECT_EQ(r.detail, absl::StrFormat("mtr at LSN %d: record at +0 (type 0x89): file name does "
                                      "not end in .ibd",
                                      start.value()));
  MtrFraming framing = FramingOf(img);
  framing.validate_records = false;
  std::vector<uint8_t> scratch;
  EXPECT_TRUE(ReadMtr(img.View(start, img.lsn()), framing, scratch).ok());
}

TEST(MtrTest, EncryptedMtrCarriesANonceCoveredByTheChecksum) {
  LogImage img = MakeImage(1 << 20, 12288, kLogFormatEnc11);
  const std::vector<uint8_t> recs = SmallRecords();
  const Lsn start = img.Append(recs);
  const MtrResult r = ReadAt(img, start, img.lsn());
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.mtr.nonce_size, 8u);
  EXPECT_EQ(r.mtr.size(), recs.size() + 13);
  const Lsn nonce(start.value() + recs.size() + 1);
  img.WriteAt(nonce, std::vector<uint8_t>{static_cast<uint8_t>(img.At(nonce) ^ 0x04)});
  EXPECT_EQ(ReadAt(img, start, img.lsn()).verdict, MtrVerdict::kBadChecksum);
}

TEST(MtrTest, EncryptedLogReadAsPlainFailsTheChecksum) {
  LogImage img = MakeImage(1 << 20, 12288, kLogFormatEnc11);
  const Lsn start = img.Append(SmallRecords());
  std::vector<uint8_t> scratch;
  const MtrResult r = ReadMtr(img.View(start, img.lsn()),
                              MtrFraming{img.geometry(), LogEncryption::kNone}, scratch);
  EXPECT_EQ(r.verdict, MtrVerdict::kBadChecksum);
}

TEST(MtrTest, VerdictNames) {
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kOk), "ok");
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kEndMarker), "end_marker");
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kIncomplete), "incomplete");
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kBadSequenceBit), "bad_sequence_bit");
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kBadChecksum), "bad_checksum");
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kTooLarge), "too_large");
  EXPECT_EQ(MtrVerdictName(MtrVerdict::kMalformed), "malformed");
}

}  // namespace
}  // namespace tidemark::innodb
