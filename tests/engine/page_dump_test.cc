// Tests of `inspect --page N` decoding.
#include "engine/page_dump.h"

#include "gtest/gtest.h"
#include "innodb/page/checksum.h"
#include "nlohmann/json.hpp"
#include "tests/support/mem_file_system.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;
using testing::TablespaceBuilder;

class PageDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<uint8_t> img =
        TablespaceBuilder(0x21, 9, 8).Index(3, 40, 1, 10, 600, 20).Undo(4, 2).MarkFree(6).Build();
    ASSERT_TRUE(io::WriteStringToFile(fs_, "/t.ibd", std::string(img.begin(), img.end())).ok());
  }
  MemFileSystem fs_;
};

TEST_F(PageDumpTest, IndexPage) {
  auto d = ReadPageDump(fs_, "/t.ibd", 3);
  ASSERT_TRUE(d.ok()) << d.status();
  const nlohmann::ordered_json j = PageDumpJson(*d);
  EXPECT_EQ(j["verdict"], "ok");
  EXPECT_EQ(j["fil"]["type_name"], "INDEX");
  EXPECT_EQ(j["index"]["index_id"], 40);
  EXPECT_EQ(j["index"]["level"], 1);
  EXPECT_EQ(j["index"]["data_bytes"], 600 - 120 - 20);
  EXPECT_EQ(j["checksums"]["crc32"], innodb::PageCrc32(d->bytes));
  EXPECT_EQ(j["checksums"]["stored_field1"], j["checksums"]["crc32"]);
}

TEST_F(PageDumpTest, FspAndUndoPages) {
  const nlohmann::ordered_json p0 = PageDumpJson(*ReadPageDump(fs_, "/t.ibd", 0));
  EXPECT_EQ(p0["fsp"]["space_id"], 9);
  EXPECT_EQ(p0["xdes"]["pages_marked_free"], 1);
  const nlohmann::ordered_json p4 = PageDumpJson(*ReadPageDump(fs_, "/t.ibd", 4));
  EXPECT_EQ(p4["undo"]["segment_state"], 2);
}

TEST_F(PageDumpTest, TextAndHex) {
  const std::string t = PageDumpText(*ReadPageDump(fs_, "/t.ibd", 3), /*hex=*/true);
  EXPECT_NE(t.find("/t.ibd page 3: ok\n"), std::string::npos) << t;
  EXPECT_NE(t.find("index_id"), std::string::npos);
  EXPECT_NE(t.find("000000  "), std::string::npos);  // hex dump starts at offset 0
  EXPECT_NE(t.find("003ff0  "), std::string::npos);  // and covers the whole page
}

TEST_F(PageDumpTest, PageBeyondTheFile) {
  EXPECT_EQ(ReadPageDump(fs_, "/t.ibd", 8).status(),
            absl::OutOfRangeError("inspect '/t.ibd': no page 8 (the file has 8 pages)"));
}

}  // namespace
}  // namespace tidemark::engine
