// Tests of inspect report rendering: the JSON schema of docs/inspect-json.md and the text.
#include "engine/inspect_report.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/mem_file_system.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;
using testing::TablespaceBuilder;

TablespaceReport Inspect(const std::vector<uint8_t>& img, const InspectOptions& o = {}) {
  MemFileSystem fs;
  EXPECT_TRUE(io::WriteStringToFile(fs, "/t.ibd", std::string(img.begin(), img.end())).ok());
  return InspectTablespace(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, o);
}

TEST(InspectReportTest, JsonHasTheDocumentedFields) {
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 8).Index(3, 40, 0, 10, 600).Build();
  img[3 * 16384 + 900] ^= 1;
  const nlohmann::ordered_json j = TablespaceReportJson(Inspect(img));
  for (const char* key : {"path", "files", "flavor", "space_id", "page_size", "physical_page_size",
                          "flags", "encryption", "fsp_size", "free_limit", "pages", "page_types",
                          "verdicts", "corrupt_pages", "corrupt_free_pages", "lsn_min", "lsn_max",
                          "lsn_age_histogram", "indexes", "undo"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["flavor"], "mariadb");
  EXPECT_EQ(j["flags"]["layout"], "full_crc32");
  EXPECT_EQ(j["page_types"]["TYPE_ALLOCATED"], 4);
  EXPECT_EQ(j["corrupt_pages"], nlohmann::ordered_json::array({3}));
  EXPECT_EQ(j["verdicts"]["checksum_mismatch"], 1);
  EXPECT_FALSE(j.contains("since_lsn"));
}

TEST(InspectReportTest, SinceLsnAndErrors) {
  InspectOptions o;
  o.since_lsn = 0x1002;
  o.list_changed = true;
  const nlohmann::ordered_json j =
      TablespaceReportJson(Inspect(TablespaceBuilder(0x15, 9, 8).Lsn(2, 0x5000).Build(), o));
  EXPECT_EQ(j["since_lsn"]["changed_pages"], 1);
  EXPECT_EQ(j["since_lsn"]["pages"], nlohmann::ordered_json::array({2}));
  EXPECT_EQ(j["since_lsn"]["changed_bytes"], 16384);
  const nlohmann::ordered_json e = TablespaceReportJson(Inspect(std::vector<uint8_t>(10, 0)));
  EXPECT_EQ(e["code"], "DATA_LOSS");
  EXPECT_FALSE(e.contains("pages"));
}

TEST(InspectReportTest, TextNamesTheEssentials) {
  std::vector<uint8_t> img = TablespaceBuilder(0x29, 9, 8).Index(3, 40, 0, 10, 600).Build();
  const std::string t = TablespaceReportText(Inspect(img));
  for (const char* s : {"/t.ibd\n", "space      9, page size 16384 (physical 8192)",
                        "flags      0x29 classic zip_size=8192", "checksum zip",
                        "corrupt    none", "INDEX 1"}) {
    EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
  }
}

}  // namespace
}  // namespace tidemark::engine
