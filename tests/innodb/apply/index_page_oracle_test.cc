// The index-page appliers against MariaDB 10.11 itself (fixtures/apply/index/README.md):
// the redo a real server wrote for REDUNDANT, COMPACT and DYNAMIC tables (inserts into the
// heap and into freed space, deletes, updates, secondary indexes, page and root splits, an
// instant ADD COLUMN) is replayed onto the pages as they were before, and every page must
// come out byte-identical to what the server flushed. The physical records (WRITE, MEMSET,
// MEMMOVE, INIT_PAGE) are applied by a small replayer here; innodb/apply/page_apply.cc is the
// real one.
#include <cstring>
#include <iostream>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/apply/index_page_apply.h"
#include "innodb/page/fil_page.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/log_view.h"
#include "innodb/redo/mtr.h"
#include "innodb/redo/record.h"
#include "innodb/redo/varint.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_paths.h"

namespace tidemark::innodb {
namespace {

std::vector<uint8_t> ReadFixture(const std::string& name) {
  std::ifstream in(testing::SourceDir() + "/fixtures/apply/index/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// index.txt: "key value" lines.
std::map<std::string, uint64_t> ReadManifest() {
  const std::vector<uint8_t> text = ReadFixture("index.txt");
  std::istringstream in(std::string(text.begin(), text.end()));
  std::map<std::string, uint64_t> m;
  std::string key;
  uint64_t value;
  while (in >> key) {
    if (key == "file") {
      std::getline(in, key);
      continue;
    }
    if (in >> value) m[key] = value;
  }
  return m;
}

struct PageRecord {
  uint8_t type_byte;
  bool same_page;
  std::vector<uint8_t> payload;
  Lsn end_lsn;
};

struct OraclePage {
  RedoPageId id;
  std::vector<uint8_t> before, after;
  std::vector<PageRecord> records;
};

// The pages of index.pages, and the records the log holds for them.
class Oracle {
 public:
  void Load() {
    const auto m = ReadManifest();
    page_size_ = m.at("page_size");
    const std::vector<uint8_t> pages = ReadFixture("index.pages");
    const size_t entry = 8 + 2 * page_size_;
    ASSERT_EQ(pages.size() % entry, 0u);
    for (size_t at = 0; at < pages.size(); at += entry) {
      OraclePage p;
      p.id = {SpaceId(ReadBe32(pages, at)), PageNo(ReadBe32(pages, at + 4))};
      p.before.assign(pages.begin() + at + 8, pages.begin() + at + 8 + page_size_);
      p.after.assign(pages.begin() + at + 8 + page_size_, pages.begin() + at + entry);
      index_[p.id] = pages_.size();
      pages_.push_back(std::move(p));
    }
    log_ = ReadFixture("index.log");
    TM_ASSERT_OK_AND_ASSIGN(const LogGeometry g,
                            LogGeometry::Create(Lsn(m.at("log_first_lsn")), m.at("log_file_size")));
    MtrReader reader(LogView(Lsn(m.at("start_lsn")), log_), MtrFraming{g, LogEncryption::kNone});
    for (MtrResult r = reader.Read(); r.ok(); r = reader.Read()) {
      ++mtrs_;
      ASSERT_NO_FATAL_FAILURE(Collect(r.mtr));
    }
    EXPECT_EQ(reader.lsn(), Lsn(m.at("end_lsn")));  // the whole log was read
  }

  std::vector<OraclePage>& pages() { return pages_; }
  size_t page_size() const { return page_size_; }
  size_t mtrs() const { return mtrs_; }

 private:
  void Collect(const Mtr& mtr) {
    std::vector<uint8_t> scratch;
    RecordReader records(mtr.records().Contiguous(scratch), LogEncryption::kNone);
    for (RedoRecord r; records.Next(r);) {
      if (r.kind != RecordKind::kPage) continue;
      auto it = index_.find(r.page);
      if (it == index_.end()) continue;
      pages_[it->second].records.push_back(
          {r.type_byte, r.same_page, {r.payload.begin(), r.payload.end()}, mtr.end_lsn()});
    }
    TM_ASSERT_OK(records.status());
  }

  size_t page_size_ = 0;
  std::vector<uint8_t> log_;
  std::vector<OraclePage> pages_;
  std::map<RedoPageId, size_t> index_;
  size_t mtrs_ = 0;
};

uint32_t Take(ByteSpan& in) {
  const std::optional<Varint> v = DecodeVarint(in);
  EXPECT_TRUE(v.has_value());
  if (!v) return 0;
  in = in.subspan(v->length);
  return v->value;
}

// EXTENDED: the index subtypes, parameters decoded as log_phys_t::apply does.
absl::Status ApplyExtended(ByteSpan p, MutableByteSpan frame) {
  const uint8_t subtype = p[0];
  p = p.subspan(1);
  switch (subtype) {
    case 0:
    case 1:
      ApplyInitRowFormat(frame, subtype == 1);
      return absl::OkStatus();
    case 4:
    case 5: {
      const uint32_t prev = Take(p), enc_hdr = Take(p), hdr_c = Take(p), data_c = Take(p);
      return ApplyInsertRedundant(frame, subtype & 1, prev, enc_hdr, hdr_c, data_c, p);
    }
    case 6:
    case 7: {
      const uint32_t prev = Take(p), shift = subtype & 1 ? Take(p) : 0, enc = Take(p);
      const uint32_t hdr_c = Take(p), data_c = Take(p);
      return ApplyInsertDynamic(frame, subtype & 1, prev, shift, enc, hdr_c, data_c, p);
    }
    case 8:
      return ApplyDeleteRedundant(frame, Take(p));
    case 9: {
      const uint32_t prev = Take(p), hdr_size = Take(p), data_size = Take(p);
      return ApplyDeleteDynamic(frame, prev, hdr_size, data_size);
    }
  }
  return absl::UnimplementedError(absl::StrFormat("EXTENDED subtype %d", subtype));
}

// Replays the records of one page; Unimplemented for a kind this replayer does not know.
absl::Status Replay(const OraclePage& page, MutableByteSpan frame) {
  size_t last_offset = 0;
  for (const PageRecord& r : page.records) {
    if (!r.same_page) last_offset = 0;
    ByteSpan p = r.payload;
    switch (PageRecordType(r.type_byte & 0x70)) {
      case PageRecordType::kInitPage:
        std::fill(frame.begin(), frame.end(), 0);
        WriteBe32(frame, kFilPageOffset, page.id.page.value());
        std::fill_n(frame.begin() + kFilPagePrev, 8, 0xFF);
        WriteBe32(frame, kFilPageArchLogNoOrSpaceId, page.id.space.value());
        last_offset = kFilPageType;
        break;
      case PageRecordType::kExtended:
        if (absl::Status s = ApplyExtended(p, frame); !s.ok()) return s;
        last_offset = kFilPageType;
        break;
      case PageRecordType::kWrite: {
        const size_t off = last_offset + Take(p);
        std::copy(p.begin(), p.end(), frame.begin() + off);
        last_offset = off + p.size();
        break;
      }
      case PageRecordType::kMemset: {
        const size_t off = last_offset + Take(p), n = Take(p);
        for (size_t i = 0; i < n; ++i) frame[off + i] = p[i % p.size()];
        last_offset = off + n;
        break;
      }
      case PageRecordType::kMemmove: {
        const size_t off = last_offset + Take(p), n = Take(p), s = Take(p);
        const size_t src = (s & 1) ? off - (s >> 1) - 1 : off + (s >> 1) + 1;
        std::memmove(&frame[off], &frame[src], n);
        last_offset = off + n;
        break;
      }
      default:
        return absl::UnimplementedError(absl::StrFormat("record type 0x%02x", r.type_byte));
    }
  }
  return absl::OkStatus();
}

// Where the replayed page may differ from the flushed one: the checksum fields and the LSN
// (which recovery stamps separately).
bool SameContent(ByteSpan a, ByteSpan b) {
  const size_t n = a.size();
  return std::equal(a.begin() + 4, a.begin() + 16, b.begin() + 4) &&
         std::equal(a.begin() + 24, a.begin() + n - 8, b.begin() + 24);
}

std::string FirstDifference(ByteSpan a, ByteSpan b) {
  for (size_t i = 4; i + 8 < a.size(); ++i) {
    if ((i < 16 || i >= 24) && a[i] != b[i]) {
      return absl::StrFormat("first difference at byte %d: replayed 0x%02x, flushed 0x%02x", i,
                             a[i], b[i]);
    }
  }
  return "";
}

TEST(IndexPageOracleTest, ReplayedPagesEqualTheFlushedPages) {
  Oracle oracle;
  ASSERT_NO_FATAL_FAILURE(oracle.Load());
  std::map<std::string, int> counts;
  int compared = 0;
  for (const OraclePage& page : oracle.pages()) {
    ASSERT_FALSE(page.records.empty()) << "page " << page.id.space.value() << ":"
                                       << page.id.page.value() << " changed without redo";
    std::vector<uint8_t> frame = page.before;
    const absl::Status s = Replay(page, frame);
    if (absl::IsUnimplemented(s)) continue;
    ASSERT_TRUE(s.ok()) << page.id.space.value() << ":" << page.id.page.value() << ": " << s;
    EXPECT_TRUE(SameContent(frame, page.after))
        << "page " << page.id.space.value() << ":" << page.id.page.value() << " "
        << FirstDifference(frame, page.after);
    EXPECT_EQ(ReadBe64(page.after, kFilPageLsn), page.records.back().end_lsn.value());
    ++compared;
    for (const PageRecord& r : page.records) {
      if ((r.type_byte & 0x70) == 0x20) ++counts[absl::StrFormat("EXTENDED %d", r.payload[0])];
      else ++counts[absl::StrFormat("type 0x%02x", r.type_byte & 0x70)];
    }
  }
  std::string summary;
  for (const auto& [k, v] : counts) summary += absl::StrFormat("%s: %d\n", k, v);
  RecordProperty("summary", summary);
  std::cout << "compared " << compared << " of " << oracle.pages().size() << " pages, "
            << oracle.mtrs() << " mtrs\n" << summary;
  EXPECT_GE(compared, 20);
  // Every logical index record kind occurred at least once.
  for (int subtype : {0, 1, 4, 5, 6, 7, 8, 9}) {
    EXPECT_GT(counts[absl::StrFormat("EXTENDED %d", subtype)], 0) << subtype;
  }
}

// The comparison can fail: dropping one insert from a page's records changes the result.
TEST(IndexPageOracleTest, DroppingARecordIsNoticed) {
  Oracle oracle;
  ASSERT_NO_FATAL_FAILURE(oracle.Load());
  int checked = 0;
  for (OraclePage& page : oracle.pages()) {
    auto it = std::find_if(page.records.begin(), page.records.end(), [](const PageRecord& r) {
      return (r.type_byte & 0x70) == 0x20 && r.payload[0] == 6;
    });
    if (it == page.records.end()) continue;
    page.records.erase(it);
    std::vector<uint8_t> frame = page.before;
    const absl::Status s = Replay(page, frame);
    EXPECT_TRUE(!s.ok() || !SameContent(frame, page.after));
    if (++checked == 3) break;
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace tidemark::innodb
