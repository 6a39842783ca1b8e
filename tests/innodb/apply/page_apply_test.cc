// Tests of the per-page redo applier: each record type on hand-built records, the byte-offset
// chaining of same_page records, one test per bounds check with its exact message, the
// EXTENDED parameter parsing and dispatch, and StampPageLsn + SealPageForWrite per checksum
// scheme, judged by the checksum validators and page verdicts of innodb/page.
#include "innodb/apply/page_apply.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/base/crc32c.h"
#include "innodb/fsp/space_flags.h"
#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/page_verdict.h"
#include "innodb/redo/log_writer.h"
#include "innodb/redo/varint.h"
#include "tests/support/status_macros.h"

namespace tidemark::innodb {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kSize = 4096;
constexpr ApplySpaceFormat kFull4k{PageSize::Uncompressed(4096), true};
constexpr RedoPageId kPage{SpaceId(7), PageNo(5)};

Bytes V(uint32_t v) {
  Bytes out;
  AppendVarint(v, out);
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes WriteP(uint32_t off, Bytes data) { return Cat({V(off), data}); }
Bytes MemsetP(uint32_t off, uint32_t len, Bytes pattern) { return Cat({V(off), V(len), pattern}); }
Bytes MemmoveP(uint32_t off, uint32_t len, uint32_t src) { return Cat({V(off), V(len), V(src)}); }
Bytes Ext(ExtendedType t, Bytes params = {}) { return Cat({{uint8_t(t)}, params}); }

// The records of one mtr for one page. Payloads live in a deque so references stay valid.
class Recs {
 public:
  Recs& Id(PageRecordType t, Bytes payload = {}) { return Add(uint8_t(t), std::move(payload)); }
  Recs& Same(PageRecordType t, Bytes payload) { return Add(0x80 | uint8_t(t), std::move(payload)); }
  absl::Status ApplyTo(MutableByteSpan frame, const ApplySpaceFormat& format = kFull4k,
                       RedoPageId id = kPage) const {
    std::vector<PageRecordRef> refs;
    for (size_t i = 0; i < types_.size(); ++i) refs.push_back({types_[i], payloads_[i]});
    return ApplyMtrToPage(format, id, refs, frame);
  }

 private:
  Recs& Add(uint8_t type, Bytes payload) {
    types_.push_back(type);
    payloads_.push_back(std::move(payload));
    return *this;
  }
  std::vector<uint8_t> types_;
  std::deque<Bytes> payloads_;
};

// A page that INIT_PAGE would leave, with recognisable bytes in the body.
Bytes InitedPage(size_t size = kSize) {
  Bytes page(size, 0);
  EXPECT_TRUE(Recs().Id(PageRecordType::kInitPage).ApplyTo(page).ok());
  for (size_t i = kFilPageData; i < size - 8; ++i) page[i] = uint8_t(i * 7);
  return page;
}

void ExpectDataLoss(const absl::Status& s, std::string_view message) {
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_EQ(std::string(s.message()), message);
}

TEST(PageApplyTest, InitPageZeroesTheFrameAndSetsTheIds) {
  Bytes page(kSize, 0xAB);
  TM_ASSERT_OK(Recs().Id(PageRecordType::kInitPage).ApplyTo(page));
  Bytes want(kSize, 0);
  WriteBe32(want, kFilPageOffset, 5);
  std::fill_n(want.begin() + kFilPagePrev, 8, 0xFF);
  WriteBe32(want, kFilPageArchLogNoOrSpaceId, 7);
  EXPECT_EQ(page, want);
}

TEST(PageApplyTest, InitPageOfACompressedPageCoversTheZipImage) {
  const ApplySpaceFormat zip{PageSize::Compressed(16384, 2048), false};
  Bytes page(2048, 0xAB);
  TM_ASSERT_OK(Recs().Id(PageRecordType::kInitPage).ApplyTo(page, zip));
  EXPECT_EQ(ReadBe32(page, kFilPageOffset), 5u);
  EXPECT_EQ(ReadBe32(page, kFilPageNext), kFilNull);
  EXPECT_EQ(ReadBe32(page, kFilPageArchLogNoOrSpaceId), 7u);
  EXPECT_TRUE(std::all_of(page.begin() + 38, page.end(), [](uint8_t b) { return b == 0; }));
}

TEST(PageApplyTest, InitPageWithPayloadIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Id(PageRecordType::kInitPage, {0}).ApplyTo(page),
                 "record 0 (INIT_PAGE): INIT_PAGE with payload");
}

TEST(PageApplyTest, WriteWithPageIdIsAbsoluteAndSamePageChains) {
  Bytes page = InitedPage();
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kWrite, WriteP(100, {1, 2, 3}))
                   .Same(PageRecordType::kWrite, WriteP(2, {4}))     // 103 + 2 = 105
                   .Same(PageRecordType::kWrite, WriteP(0, {5, 6}))  // 106
                   .Id(PageRecordType::kWrite, WriteP(50, {9}))      // page id: absolute
                   .ApplyTo(page));
  EXPECT_EQ(page[100], 1);
  EXPECT_EQ(page[102], 3);
  EXPECT_EQ(page[103], uint8_t(103 * 7));
  EXPECT_EQ(page[105], 4);
  EXPECT_EQ(page[106], 5);
  EXPECT_EQ(page[107], 6);
  EXPECT_EQ(page[50], 9);
}

TEST(PageApplyTest, SamePageAfterInitPageIsRelativeToFilPageType) {
  Bytes page(kSize, 0);
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kInitPage)
                   .Same(PageRecordType::kWrite, WriteP(0, {0x45, 0xBF}))  // FIL_PAGE_TYPE
                   .Same(PageRecordType::kWrite, WriteP(12, {0xEE}))       // 26 + 12 = 38
                   .ApplyTo(page));
  EXPECT_EQ(ReadBe16(page, kFilPageType), kPageTypeIndex);
  EXPECT_EQ(page[38], 0xEE);
}

TEST(PageApplyTest, RecordsFromTheRecordReaderApply) {
  // Encoded as the server encodes them, decoded by RecordReader, applied from its fields.
  const std::vector<uint8_t> recs = MtrBuilder()
                                        .Write(kPage, 200, std::vector<uint8_t>{7, 7})
                                        .SamePage(PageRecordType::kWrite, WriteP(3, {8}))
                                        .records();
  RecordReader reader(recs, LogEncryption::kNone);
  std::vector<PageRecordRef> refs;
  for (RedoRecord r; reader.Next(r);) refs.push_back({r.type_byte, r.payload});
  TM_ASSERT_OK(reader.status());
  Bytes page = InitedPage();
  TM_ASSERT_OK(ApplyMtrToPage(kFull4k, kPage, refs, page));
  EXPECT_EQ(page[201], 7);
  EXPECT_EQ(page[205], 8);
}

TEST(PageApplyTest, MemsetOneByteFillsTheLength) {
  Bytes page = InitedPage();
  TM_ASSERT_OK(Recs().Id(PageRecordType::kMemset, MemsetP(300, 200, {0xFF})).ApplyTo(page));
  EXPECT_TRUE(
      std::all_of(page.begin() + 300, page.begin() + 500, [](uint8_t b) { return b == 0xFF; }));
  EXPECT_EQ(page[299], uint8_t(299 * 7));
  EXPECT_EQ(page[500], uint8_t(500 * 7));
}

TEST(PageApplyTest, MemsetPatternRepeatsAndTheLastCopyIsCut) {
  Bytes page = InitedPage();
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kMemset, MemsetP(300, 7, {1, 2, 3}))
                   .Same(PageRecordType::kWrite, WriteP(0, {9}))  // chained after the fill
                   .ApplyTo(page));
  EXPECT_EQ(Bytes(page.begin() + 300, page.begin() + 308), Bytes({1, 2, 3, 1, 2, 3, 1, 9}));
}

TEST(PageApplyTest, MemsetPatternLongerThanLengthOrEmptyIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Id(PageRecordType::kMemset, MemsetP(300, 2, {1, 2, 3})).ApplyTo(page),
                 "record 0 (MEMSET): bad fill pattern");
  ExpectDataLoss(Recs().Id(PageRecordType::kMemset, MemsetP(300, 2, {})).ApplyTo(page),
                 "record 0 (MEMSET): bad fill pattern");
}

TEST(PageApplyTest, MemmoveEvenSourceIsAfterOddIsBefore) {
  Bytes page = InitedPage();
  const Bytes original = page;
  // Even 2k: source = target + k + 1; odd 2k+1: source = target - k - 1.
  TM_ASSERT_OK(Recs().Id(PageRecordType::kMemmove, MemmoveP(1000, 20, 2 * 9)).ApplyTo(page));
  EXPECT_TRUE(std::equal(page.begin() + 1000, page.begin() + 1020, original.begin() + 1010));
  TM_ASSERT_OK(Recs().Id(PageRecordType::kMemmove, MemmoveP(2000, 20, 2 * 4 + 1)).ApplyTo(page));
  EXPECT_TRUE(std::equal(page.begin() + 2000, page.begin() + 2020, original.begin() + 1995));
}

TEST(PageApplyTest, MemmoveSourceOutsideThePageIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Id(PageRecordType::kMemmove, MemmoveP(10, 4, 2 * 5 + 1)).ApplyTo(page),
                 "record 0 (MEMMOVE): source 4 outside the page");
  ExpectDataLoss(Recs().Id(PageRecordType::kMemmove, MemmoveP(4000, 50, 2 * 50)).ApplyTo(page),
                 "record 0 (MEMMOVE): source 4051 outside the page");
  ExpectDataLoss(Recs().Id(PageRecordType::kMemmove, Cat({MemmoveP(100, 4, 2), {0}})).ApplyTo(page),
                 "record 0 (MEMMOVE): bad source");
}

TEST(PageApplyTest, ByteWriteBoundsChecks) {
  Bytes page = InitedPage();
  const Bytes before = page;
  ExpectDataLoss(Recs().Id(PageRecordType::kWrite, WriteP(7, {1})).ApplyTo(page),
                 "record 0 (WRITE): offset 7 outside the page");
  ExpectDataLoss(Recs().Id(PageRecordType::kWrite, WriteP(4096, {1})).ApplyTo(page),
                 "record 0 (WRITE): offset 4096 outside the page");
  ExpectDataLoss(Recs().Id(PageRecordType::kWrite, WriteP(4095, {1, 2})).ApplyTo(page),
                 "record 0 (WRITE): 2 bytes at 4095 pass the page end");
  ExpectDataLoss(Recs().Id(PageRecordType::kMemset, MemsetP(4000, 97, {0})).ApplyTo(page),
                 "record 0 (MEMSET): 97 bytes at 4000 pass the page end");
  ExpectDataLoss(Recs().Id(PageRecordType::kWrite, V(100)).ApplyTo(page),
                 "record 0 (WRITE): bad offset");  // nothing after the offset
  // A 4-byte offset varint is never accepted, whatever its value.
  ExpectDataLoss(Recs().Id(PageRecordType::kWrite, Cat({V(kVarintMin4Byte), {1}})).ApplyTo(page),
                 "record 0 (WRITE): bad offset");
  EXPECT_EQ(page, before);
}

TEST(PageApplyTest, SamePageOffsetsAreCheckedAfterAdding) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kWrite, WriteP(4000, {1}))
                     .Same(PageRecordType::kWrite, WriteP(95, {2}))  // 4001 + 95 = 4096
                     .ApplyTo(page),
                 "record 1 (WRITE): offset 4096 outside the page");
}

TEST(PageApplyTest, LastOffsetWrapsLikeTheServersUint16On64KiBPages) {
  const ApplySpaceFormat f64{PageSize::Uncompressed(65536), true};
  Bytes page(65536, 0);
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kMemset, MemsetP(65000, 536, {0x11}))  // ends at 65536
                   .Same(PageRecordType::kWrite, WriteP(100, {0x22}))         // wrapped: 0 + 100
                   .ApplyTo(page, f64));
  EXPECT_EQ(page[65535], 0x11);
  EXPECT_EQ(page[100], 0x22);
}

TEST(PageApplyTest, FreePageLeavesTheFrameAndForbidsAllButInitPage) {
  Bytes page = InitedPage();
  const Bytes before = page;
  TM_ASSERT_OK(Recs().Id(PageRecordType::kFreePage).ApplyTo(page));
  EXPECT_EQ(page, before);
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kFreePage)
                     .Same(PageRecordType::kWrite, WriteP(0, {1}))
                     .ApplyTo(page),
                 "record 1 (WRITE): record for a freed page (only INIT_PAGE may follow FREE_PAGE)");
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kFreePage)
                     .Id(PageRecordType::kWrite, WriteP(100, {1}))
                     .ApplyTo(page),
                 "record 1 (WRITE): record for a freed page (only INIT_PAGE may follow FREE_PAGE)");
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kFreePage)
                   .Id(PageRecordType::kInitPage)
                   .Same(PageRecordType::kWrite, WriteP(14, {1}))
                   .ApplyTo(page));
  EXPECT_EQ(page[38], 1);
}

TEST(PageApplyTest, MalformedFreeAndInitPagesAreCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Id(PageRecordType::kFreePage, {0}).ApplyTo(page),
                 "record 0 (FREE_PAGE): malformed FREE_PAGE");
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kWrite, WriteP(100, {1}))
                     .Same(PageRecordType::kInitPage, {})
                     .ApplyTo(page),
                 "record 1 (INIT_PAGE): INIT_PAGE with same_page");
}

TEST(PageApplyTest, SamePageAsFirstRecordIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Same(PageRecordType::kWrite, WriteP(100, {1})).ApplyTo(page),
                 "record 0 (WRITE): same_page record without a preceding record for the page");
}

TEST(PageApplyTest, ReservedTypeIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Id(PageRecordType::kReserved, {1}).ApplyTo(page),
                 "record 0 (RESERVED): reserved record type");
}

// The OPT_PAGE_CHECKSUM value: CRC-32C of [4,16) ‖ [24,26) ‖ [34,size-8).
uint32_t OptChecksum(const Bytes& page) {
  Bytes covered(page.begin() + 4, page.begin() + 16);
  covered.insert(covered.end(), page.begin() + 24, page.begin() + 26);
  covered.insert(covered.end(), page.begin() + 34, page.end() - 8);
  return Crc32c(covered);
}

Bytes OptPageChecksumPayload(uint32_t crc) {
  Bytes p{kOptPageChecksum, 0, 0, 0, 0};
  WriteBe32(p, 1, crc);
  return p;
}

TEST(PageApplyTest, OptPageChecksumIsVerifiedAfterThePrecedingRecords) {
  Bytes page = InitedPage();
  Bytes expected = page;
  expected[500] = 0x5A;
  const uint32_t crc = OptChecksum(expected);
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kWrite, WriteP(500, {0x5A}))
                   .Same(PageRecordType::kOption, OptPageChecksumPayload(crc))
                   .Same(PageRecordType::kWrite, WriteP(0, {0x5B}))  // last_offset kept: 501
                   .ApplyTo(page));
  EXPECT_EQ(page[501], 0x5B);
  ExpectDataLoss(
      Recs().Id(PageRecordType::kOption, OptPageChecksumPayload(crc ^ 1)).ApplyTo(expected),
      absl::StrFormat("record 0 (OPTION): OPT_PAGE_CHECKSUM mismatch (stored 0x%08x, "
                      "computed 0x%08x)",
                      crc ^ 1, crc));
}

TEST(PageApplyTest, OtherOptionsAreIgnored) {
  Bytes page = InitedPage();
  const Bytes before = page;
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kOption, {1, 0, 0, 0, 0})
                   .Id(PageRecordType::kOption, {kOptPageChecksum, 0, 0})
                   .ApplyTo(page));
  EXPECT_EQ(page, before);
}

TEST(PageApplyTest, ExtendedIsRejectedOnPagesBelow3AndOnCompressedPages) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kExtended, Ext(ExtendedType::kUndoInit))
                     .ApplyTo(page, kFull4k, RedoPageId{SpaceId(7), PageNo(2)}),
                 "record 0 (EXTENDED UNDO_INIT): EXTENDED record on page 2");
  const ApplySpaceFormat zip{PageSize::Compressed(16384, 4096), false};
  ExpectDataLoss(
      Recs().Id(PageRecordType::kExtended, Ext(ExtendedType::kUndoInit)).ApplyTo(page, zip),
      "record 0 (EXTENDED UNDO_INIT): EXTENDED record on a ROW_FORMAT=COMPRESSED page");
}

TEST(PageApplyTest, ExtendedWithoutOrWithUnknownSubtypeIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(Recs().Id(PageRecordType::kExtended, {}).ApplyTo(page),
                 "record 0 (EXTENDED): EXTENDED record without subtype");
  ExpectDataLoss(Recs().Id(PageRecordType::kExtended, {11}).ApplyTo(page),
                 "record 0 (EXTENDED subtype 11): unknown EXTENDED subtype");
  ExpectDataLoss(
      Recs().Id(PageRecordType::kExtended, Ext(ExtendedType::kUndoInit, {0})).ApplyTo(page),
      "record 0 (EXTENDED UNDO_INIT): unexpected parameters");
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kExtended, Ext(ExtendedType::kInitRowFormatDynamic, {0}))
                     .ApplyTo(page),
                 "record 0 (EXTENDED INIT_ROW_FORMAT_DYNAMIC): unexpected parameters");
}

TEST(PageApplyTest, TrimPagesIsTheCallersJob) {
  Bytes page = InitedPage();
  const absl::Status s =
      Recs().Id(PageRecordType::kExtended, Ext(ExtendedType::kTrimPages)).ApplyTo(page);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(), "record 0 (EXTENDED TRIM_PAGES): TRIM_PAGES is not applied to a page");
}

TEST(PageApplyTest, UndoInitThenAppendThenSamePageWrite) {
  Bytes page = InitedPage();
  TM_ASSERT_OK(Recs()
                   .Id(PageRecordType::kExtended, Ext(ExtendedType::kUndoInit))
                   .Same(PageRecordType::kExtended, Ext(ExtendedType::kUndoAppend, {0xA, 0xB, 0xC}))
                   .Same(PageRecordType::kWrite, WriteP(0, {0x00, 0x02}))  // relative to 24
                   .ApplyTo(page));
  EXPECT_EQ(ReadBe16(page, kFilPageType), kPageTypeUndoLog);
  EXPECT_EQ(ReadBe16(page, 40), 56);          // PAGE_START
  EXPECT_EQ(ReadBe16(page, 42), 56 + 4 + 3);  // PAGE_FREE
  EXPECT_EQ(ReadBe16(page, 56), 63);          // next record offset
  EXPECT_EQ(Bytes(page.begin() + 58, page.begin() + 61), Bytes({0xA, 0xB, 0xC}));
  EXPECT_EQ(ReadBe16(page, 61), 56);  // back pointer
}

TEST(PageApplyTest, UndoAppendTooShortOrOverflowingIsCorrupt) {
  Bytes page = InitedPage();
  ExpectDataLoss(
      Recs().Id(PageRecordType::kExtended, Ext(ExtendedType::kUndoAppend, {1, 2})).ApplyTo(page),
      "record 0 (EXTENDED UNDO_APPEND): undo record shorter than 3 bytes");
  WriteBe16(page, 42, 4000);
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kExtended, Ext(ExtendedType::kUndoAppend, Bytes(82, 1)))
                     .ApplyTo(page),
                 "record 0 (EXTENDED UNDO_APPEND): undo page free offset 4000 out of range "
                 "for a record of 82 bytes");
}

// page_apply_insert_*/delete_* refuse a frame whose FIL_PAGE_OFFSET is another page's.
TEST(PageApplyTest, IndexRecordOnAnotherPagesImageIsCorrupt) {
  Bytes page = InitedPage();
  WriteBe32(page, 4, kPage.page.value() + 1);
  const Bytes before = page;
  ExpectDataLoss(Recs()
                     .Id(PageRecordType::kExtended,
                         Ext(ExtendedType::kDeleteRowFormatRedundant, V(100)))
                     .ApplyTo(page),
                 "record 0 (EXTENDED DELETE_ROW_FORMAT_REDUNDANT): FIL_PAGE_OFFSET is 6, not the "
                 "record's page 5");
  EXPECT_EQ(page, before);
}

// The parameter bounds of log_phys_t::apply are checked before the index functions run.
TEST(PageApplyTest, IndexRecordParametersAreBounded) {
  Bytes page = InitedPage();
  auto ext = [&](ExtendedType t, Bytes params) {
    return Recs().Id(PageRecordType::kExtended, Ext(t, std::move(params))).ApplyTo(page);
  };
  ExpectDataLoss(ext(ExtendedType::kInsertHeapRedundant, V(100)),
                 "record 0 (EXTENDED INSERT_HEAP_REDUNDANT): bad prev parameter");
  ExpectDataLoss(
      ext(ExtendedType::kInsertHeapRedundant, Cat({V(100), V(200)})),
      "record 0 (EXTENDED INSERT_HEAP_REDUNDANT): bad enc_hdr parameter");  // 2 bytes, last
  ExpectDataLoss(ext(ExtendedType::kInsertHeapRedundant, Cat({V(100), V(200), V(1)})),
                 "record 0 (EXTENDED INSERT_HEAP_REDUNDANT): bad hdr_c parameter");
  ExpectDataLoss(
      ext(ExtendedType::kInsertReuseRedundant, Cat({V(100), V(1), V(1), V(kVarintMin3Byte)})),
      "record 0 (EXTENDED INSERT_REUSE_REDUNDANT): bad data_c parameter");
  ExpectDataLoss(ext(ExtendedType::kInsertReuseDynamic, Cat({V(100), V(1)})),
                 "record 0 (EXTENDED INSERT_REUSE_DYNAMIC): bad shift parameter");
  ExpectDataLoss(ext(ExtendedType::kInsertReuseDynamic, Cat({V(100), V(1), V(1)})),
                 "record 0 (EXTENDED INSERT_REUSE_DYNAMIC): bad enc_hdr_l parameter");
  ExpectDataLoss(ext(ExtendedType::kInsertHeapDynamic, Cat({V(kVarintMin4Byte), V(1), V(1), V(1)})),
                 "record 0 (EXTENDED INSERT_HEAP_DYNAMIC): bad prev parameter");
  ExpectDataLoss(ext(ExtendedType::kDeleteRowFormatRedundant, {1, 2}),
                 "record 0 (EXTENDED DELETE_ROW_FORMAT_REDUNDANT): bad prev parameter");
  ExpectDataLoss(ext(ExtendedType::kDeleteRowFormatRedundant, Bytes(4, 0x80)),
                 "record 0 (EXTENDED DELETE_ROW_FORMAT_REDUNDANT): bad prev parameter");
  ExpectDataLoss(ext(ExtendedType::kDeleteRowFormatDynamic, Cat({V(100), V(5), V(6), {0}})),
                 "record 0 (EXTENDED DELETE_ROW_FORMAT_DYNAMIC): bad data_size parameter");
  ExpectDataLoss(
      ext(ExtendedType::kDeleteRowFormatDynamic, Cat({V(100), V(kVarintMin3Byte), V(6)})),
      "record 0 (EXTENDED DELETE_ROW_FORMAT_DYNAMIC): bad hdr_size parameter");
}

// Well-formed index records reach the index-page functions; whatever they return is kept
// with the record named (DataLoss for this empty page, or Unimplemented from a stub).
TEST(PageApplyTest, IndexRecordErrorsAreAnnotated) {
  Bytes page = InitedPage();
  const absl::Status s =
      Recs()
          .Id(PageRecordType::kExtended,
              Ext(ExtendedType::kDeleteRowFormatDynamic, Cat({V(0), V(0), V(10)})))
          .ApplyTo(page);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StartsWith(s.message(), "record 0 (EXTENDED DELETE_ROW_FORMAT_DYNAMIC): "))
      << s;
}

// A sealed page of a tablespace with FSP flags `raw`, as the checks of page_verdict see it.
PageVerdict Verdict(ByteSpan page, uint32_t raw, uint32_t space_id, uint32_t page_no) {
  const absl::StatusOr<SpaceFlags> flags = DecodeSpaceFlags(raw);
  EXPECT_TRUE(flags.ok()) << flags.status();
  return ValidatePage(page, SpaceContext{*flags, SpaceId(space_id)}, page_no);
}

ApplySpaceFormat FormatOf(uint32_t raw) {
  const SpaceFlags flags = *DecodeSpaceFlags(raw);
  return ApplySpaceFormat{flags.page_size, flags.full_crc32()};
}

// A page of `size` bytes that recovery has just applied records to.
Bytes AppliedPage(size_t size, uint16_t type, RedoPageId id = kPage) {
  Bytes page(size, 0xCD);  // a stale trailer, which stamping and sealing must overwrite
  const ApplySpaceFormat format{PageSize::Uncompressed(uint32_t(size)), true};
  EXPECT_TRUE(Recs().Id(PageRecordType::kInitPage).ApplyTo(page, format, id).ok());
  WriteBe16(page, kFilPageType, type);
  for (size_t i = 100; i < 300; ++i) page[i] = uint8_t(i);
  return page;
}

constexpr Lsn kLsn(0x0000123456789ABCull);
constexpr uint32_t kFullCrc32Flags4k = 0x13;
constexpr uint32_t kClassicFlags4k = 0xE1;  // DYNAMIC, 4 KiB pages
constexpr uint32_t kZipFlags4kKbs2 = 0xE5;  // ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=2, 4 KiB

TEST(PageSealTest, FullCrc32) {
  Bytes page = AppliedPage(4096, kPageTypeIndex);
  StampPageLsn(FormatOf(kFullCrc32Flags4k), kLsn, page);
  SealPageForWrite(FormatOf(kFullCrc32Flags4k), page);
  EXPECT_EQ(ReadBe64(page, kFilPageLsn), kLsn.value());
  EXPECT_EQ(ReadBe32(page, 4096 - 8), 0x56789ABCu);
  EXPECT_EQ(ReadBe32(page, 4096 - 4), PageFullCrc32(page));
  EXPECT_EQ(Verdict(page, kFullCrc32Flags4k, 7, 5), PageVerdict::kOk);
  page[200] ^= 1;
  EXPECT_EQ(Verdict(page, kFullCrc32Flags4k, 7, 5), PageVerdict::kChecksumMismatch);
}

TEST(PageSealTest, ClassicCrc32) {
  Bytes page = AppliedPage(4096, kPageTypeIndex);
  StampPageLsn(FormatOf(kClassicFlags4k), kLsn, page);
  SealPageForWrite(FormatOf(kClassicFlags4k), page);
  EXPECT_EQ(ReadBe64(page, kFilPageLsn), kLsn.value());
  EXPECT_EQ(ReadBe32(page, 0), PageCrc32(page));
  EXPECT_EQ(ReadBe32(page, 4096 - 8), PageCrc32(page));
  EXPECT_EQ(ReadBe32(page, 4096 - 4), 0x56789ABCu);
  EXPECT_EQ(Verdict(page, kClassicFlags4k, 7, 5), PageVerdict::kOk);
  page[200] ^= 1;
  EXPECT_EQ(Verdict(page, kClassicFlags4k, 7, 5), PageVerdict::kChecksumMismatch);
}

TEST(PageSealTest, CompressedHasNoTrailer) {
  const ApplySpaceFormat zip = FormatOf(kZipFlags4kKbs2);
  ASSERT_EQ(zip.page_size.physical(), 2048u);
  Bytes page = AppliedPage(2048, kPageTypeIndex);
  std::fill(page.end() - 8, page.end(), uint8_t{0xCD});  // compressed data, not a trailer
  StampPageLsn(zip, kLsn, page);
  SealPageForWrite(zip, page);
  EXPECT_EQ(ReadBe64(page, kFilPageLsn), kLsn.value());
  EXPECT_EQ(ReadBe64(page, 2048 - 8), 0xCDCDCDCDCDCDCDCDull);
  EXPECT_EQ(ReadBe32(page, 0), ZipPageCrc32(page));
  EXPECT_EQ(Verdict(page, kZipFlags4kKbs2, 7, 5), PageVerdict::kOk);
  page[1000] ^= 1;
  EXPECT_EQ(Verdict(page, kZipFlags4kKbs2, 7, 5), PageVerdict::kChecksumMismatch);
}

struct TypeRepairCase {
  uint32_t space;
  uint32_t page;
  uint16_t type;
  uint16_t sealed;
};

class PageTypeRepairTest : public ::testing::TestWithParam<TypeRepairCase> {};

// buf_flush_init_for_writing repairs FIL_PAGE_TYPE on 16 KiB classic pages only.
TEST_P(PageTypeRepairTest, SixteenKiBClassicPages) {
  const TypeRepairCase c = GetParam();
  const RedoPageId id{SpaceId(c.space), PageNo(c.page)};
  constexpr uint32_t kClassic16k = 0x21;
  Bytes page = AppliedPage(16384, c.type, id);
  StampPageLsn(FormatOf(kClassic16k), kLsn, page);
  SealPageForWrite(FormatOf(kClassic16k), page);
  EXPECT_EQ(ReadBe16(page, kFilPageType), c.sealed);
  EXPECT_EQ(Verdict(page, kClassic16k, c.space, c.page), PageVerdict::kOk);
  // full_crc32 pages are sealed as they are.
  Bytes full = AppliedPage(16384, c.type, id);
  SealPageForWrite(FormatOf(0x15), full);
  EXPECT_EQ(ReadBe16(full, kFilPageType), c.type);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PageTypeRepairTest,
    ::testing::Values(TypeRepairCase{3, 0, 0x1234, kPageTypeFspHdr},
                      TypeRepairCase{3, 16384, kPageTypeIndex, kPageTypeXdes},
                      TypeRepairCase{3, 1, kPageTypeAllocated, kPageTypeIbufBitmap},
                      TypeRepairCase{0, 5, kPageTypeSys, kPageTypeTrxSys},
                      TypeRepairCase{3, 5, kPageTypeIndex, kPageTypeIndex},
                      TypeRepairCase{3, 7, kPageTypeUndoLog, kPageTypeUndoLog},
                      TypeRepairCase{3, 7, kPageTypeXdes, kPageTypeUnknown},
                      TypeRepairCase{3, 7, 0x1234, kPageTypeUnknown},
                      TypeRepairCase{3, 16385 + 6, kPageTypeBlob, kPageTypeBlob}));

TEST(PageSealTest, NoTypeRepairBelowSixteenKiB) {
  Bytes page = AppliedPage(4096, 0x1234);
  SealPageForWrite(FormatOf(kClassicFlags4k), page);
  EXPECT_EQ(ReadBe16(page, kFilPageType), 0x1234);
}

}  // namespace
}  // namespace tidemark::innodb
