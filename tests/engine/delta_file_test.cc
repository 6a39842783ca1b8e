// Tests of the .delta / .meta formats: byte layout as the peers write it, round trips, and
// every kind of damage the reader must name.
#include "engine/delta_file.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::MemFileSystem;
using ::testing::HasSubstr;

constexpr uint32_t kPage = 1024;  // 255 images per block: small enough to test many blocks

std::vector<uint8_t> PageImage(uint32_t page_no) {
  std::vector<uint8_t> p(kPage, static_cast<uint8_t>(page_no * 7 + 1));
  WriteBe32(p, 4, page_no);
  return p;
}

std::vector<uint8_t> WriteDelta(MemFileSystem& fs, const std::vector<uint32_t>& pages) {
  auto out = fs.OpenForWrite("/d.delta");
  EXPECT_TRUE(out.ok());
  DeltaWriter w(**out, kPage);
  for (uint32_t p : pages) EXPECT_TRUE((w.Add(p, PageImage(p))).ok());
  EXPECT_TRUE((w.Finish()).ok());
  EXPECT_TRUE(((*out)->Close()).ok());
  auto text = io::ReadFileToString(fs, "/d.delta");
  EXPECT_TRUE(text.ok());
  return std::vector<uint8_t>(text->begin(), text->end());
}

void Put(MemFileSystem& fs, const std::vector<uint8_t>& bytes) {
  auto out = fs.OpenForWrite("/d.delta");
  ASSERT_TRUE(out.ok());
  TM_ASSERT_OK((*out)->Append(bytes));
  TM_ASSERT_OK((*out)->Close());
}

absl::StatusOr<std::vector<DeltaEntry>> Index(MemFileSystem& fs) {
  TM_ASSIGN_OR_RETURN(auto f, fs.OpenForRead("/d.delta"));
  return ReadDeltaIndex(*f, kPage, "t.ibd.delta");
}

TEST(DeltaMetaTest, FormatIsThePeersBytes) {
  EXPECT_EQ(FormatDeltaMeta({.page_size = 8192, .zip_size = 8192, .space_id = 7}),
            "page_size = 8192\nzip_size = 8192 \nspace_id = 7\n");
  EXPECT_EQ(FormatDeltaMeta({.page_size = 16384, .zip_size = 0, .space_id = 0}),
            "page_size = 16384\nzip_size = 0 \nspace_id = 0\n");
}

TEST(DeltaMetaTest, ParsesWhatItFormats) {
  const DeltaMeta m{.page_size = 16384, .zip_size = 0, .space_id = 42};
  TM_ASSERT_OK_AND_ASSIGN(DeltaMeta back, ParseDeltaMeta(FormatDeltaMeta(m), "x.meta"));
  EXPECT_EQ(back, m);
}

TEST(DeltaMetaTest, SpaceIdIsOptional) {
  TM_ASSERT_OK_AND_ASSIGN(DeltaMeta m, ParseDeltaMeta("page_size = 16384\nzip_size = 0\n", "x"));
  EXPECT_FALSE(m.space_id.has_value());
}

TEST(DeltaMetaTest, BadMetaIsNamed) {
  EXPECT_THAT(ParseDeltaMeta("", "db/t.ibd.meta").status().message(),
              HasSubstr("'db/t.ibd.meta': no page_size"));
  EXPECT_THAT(ParseDeltaMeta("page_size = abc\n", "m").status().message(),
              HasSubstr("page_size = 'abc' is not a number"));
  EXPECT_THAT(ParseDeltaMeta("page_size = 3000\n", "m").status().message(),
              HasSubstr("not a power of two"));
  EXPECT_THAT(ParseDeltaMeta("page_size = 16384\nzip_size = 4096 \n", "m").status().message(),
              HasSubstr("zip_size 4096 does not fit page_size 16384"));
  EXPECT_EQ(ParseDeltaMeta("page_size = 16384\nspace_id = -1\n", "m").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(DeltaWriterTest, EmptyDeltaIsOneLastHeader) {
  MemFileSystem fs;
  const std::vector<uint8_t> bytes = WriteDelta(fs, {});
  ASSERT_EQ(bytes.size(), kPage);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "XTRA");
  EXPECT_EQ(ReadBe32(bytes, 4), 0xFFFFFFFFu);
  for (size_t i = 8; i < bytes.size(); ++i) ASSERT_EQ(bytes[i], 0) << i;
  TM_ASSERT_OK_AND_ASSIGN(auto idx, Index(fs));
  EXPECT_TRUE(idx.empty());
}

TEST(DeltaWriterTest, LayoutOfTwoBlocks) {
  MemFileSystem fs;
  std::vector<uint32_t> pages;
  for (uint32_t i = 0; i < 257; ++i) pages.push_back(3 * i + 1);  // 255 + 2
  const std::vector<uint8_t> bytes = WriteDelta(fs, pages);
  ASSERT_EQ(bytes.size(), size_t{kPage} * (1 + 255 + 1 + 2));
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "xtra");
  EXPECT_EQ(ReadBe32(bytes, 4), 1u);
  EXPECT_EQ(ReadBe32(bytes, 4 * 255), pages[254]);  // a full block has no terminator
  const size_t second = size_t{kPage} * 256;
  EXPECT_EQ(std::string(bytes.begin() + second, bytes.begin() + second + 4), "XTRA");
  EXPECT_EQ(ReadBe32(bytes, second + 4), pages[255]);
  EXPECT_EQ(ReadBe32(bytes, second + 8), pages[256]);
  EXPECT_EQ(ReadBe32(bytes, second + 12), 0xFFFFFFFFu);
  EXPECT_EQ(ReadBe32(bytes, kPage + 4), pages[0]);  // the first image, verbatim
  TM_ASSERT_OK_AND_ASSIGN(auto idx, Index(fs));
  ASSERT_EQ(idx.size(), pages.size());
  for (size_t i = 0; i < idx.size(); ++i) {
    EXPECT_EQ(idx[i].page_no, pages[i]);
    EXPECT_EQ(ReadBe32(bytes, idx[i].offset + 4), pages[i]) << i;
  }
}

TEST(DeltaWriterTest, ExactlyFullLastBlockHasNoTerminator) {
  MemFileSystem fs;
  std::vector<uint32_t> pages;
  for (uint32_t i = 0; i < 255; ++i) pages.push_back(i);
  const std::vector<uint8_t> bytes = WriteDelta(fs, pages);
  ASSERT_EQ(bytes.size(), size_t{kPage} * 256);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "XTRA");
  TM_ASSERT_OK_AND_ASSIGN(auto idx, Index(fs));
  EXPECT_EQ(idx.size(), 255u);
}

TEST(DeltaWriterTest, RefusesDisorderAndWrongSize) {
  MemFileSystem fs;
  auto out = fs.OpenForWrite("/d.delta");
  ASSERT_TRUE(out.ok());
  DeltaWriter w(**out, kPage);
  TM_ASSERT_OK(w.Add(5, PageImage(5)));
  EXPECT_EQ(w.Add(5, PageImage(5)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Add(9, std::vector<uint8_t>(10)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(DeltaIndexTest, DamageIsNamed) {
  MemFileSystem fs;
  std::vector<uint32_t> pages;
  for (uint32_t i = 0; i < 300; ++i) pages.push_back(i * 2);
  const std::vector<uint8_t> good = WriteDelta(fs, pages);
  struct Case {
    std::string what;
    std::vector<uint8_t> bytes;
    std::string message;
  };
  std::vector<Case> cases;
  auto with = [&](auto edit) {
    std::vector<uint8_t> b = good;
    edit(b);
    return b;
  };
  cases.push_back({"truncated mid-page", with([](auto& b) { b.resize(b.size() - 100); }),
                   "not a multiple of the page size"});
  cases.push_back({"last block cut", with([](auto& b) { b.resize(b.size() - kPage); }),
                   "truncated: block 2"});
  cases.push_back({"no last block", with([](auto& b) { b.resize(kPage * 256); }),
                   "no last ('XTRA') block"});
  cases.push_back({"bad magic", with([](auto& b) { b[kPage * 256] = 0; }), "block 2 (offset 262144): bad magic"});
  cases.push_back({"trailing", with([](auto& b) { b.resize(b.size() + kPage); }), "1024 bytes after the last block"});
  cases.push_back({"disorder", with([](auto& b) { WriteBe32(b, 8, 0); }), "page 0 after page 0"});
  cases.push_back({"partial xtra", with([](auto& b) { WriteBe32(b, 4 * 100, 0xFFFFFFFF); }),
                   "'xtra' block with 99 of 255 pages"});
  cases.push_back({"empty", {}, "empty file"});
  for (const Case& c : cases) {
    Put(fs, c.bytes);
    absl::StatusOr<std::vector<DeltaEntry>> r = Index(fs);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << c.what;
    EXPECT_THAT(r.status().message(), HasSubstr("t.ibd.delta")) << c.what;
    EXPECT_THAT(r.status().message(), HasSubstr(c.message)) << c.what << ": " << r.status();
  }
}

}  // namespace
}  // namespace tidemark::engine
