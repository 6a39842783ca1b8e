// JSON and text rendering of inspect results (formats in docs/inspect-json.md).
#include "engine/inspect_report.h"


#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include <map>
#include <vector>
#include "engine/text_format.h"
#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"
#include "innodb/page/index_page.h"
#include "nlohmann/json.hpp"

namespace tidemark::engine {

namespace {

using json = nlohmann::ordered_json;

std::string StatusCodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

json FlagsJson(const innodb::SpaceFlags& f, bool crypt_encrypted) {
  std::string_view pc = innodb::PageCompressionName(f);
  return json{{"raw", f.raw},
              {"layout", std::string(innodb::FlagsLayoutName(f.layout))},
              {"checksum", std::string(innodb::ChecksumSchemeName(f.checksum()))},
              {"zip_size", f.zip_size()},
              {"post_antelope", f.post_antelope},
              {"atomic_blobs", f.atomic_blobs},
              {"page_compression", pc.empty() ? json(nullptr) : json(std::string(pc))},
              {"encryption", f.mysql_encryption || crypt_encrypted},
              {"sdi", f.mysql_sdi},
              {"data_dir", f.data_dir}};
}

json CryptJson(const std::optional<innodb::CryptInfo>& c) {
  if (!c) return nullptr;
  if (c->mysql) return json{{"mysql", true}};
  return json{{"scheme", c->scheme}, {"key_id", c->key_id},
              {"min_key_version", c->min_key_version}, {"mode", c->mode}};
}

json VerdictsJson(const innodb::SpaceSummary& s) {
  json v = json::object();
  for (int i = 0; i < innodb::kPageVerdictCount; ++i) {
    if (s.verdicts()[i] == 0) continue;
    v[std::string(innodb::PageVerdictName(static_cast<innodb::PageVerdict>(i)))] = s.verdicts()[i];
  }
  return v;
}

json AgesJson(const innodb::SpaceSummary& s) {
  json a = json::array();
  if (!s.lsn_max()) return a;
  for (const auto& b : s.lsn_histogram().Ages(*s.lsn_max())) {
    a.push_back({{"max_age", b.max_age ? json(*b.max_age) : json(nullptr)}, {"pages", b.pages}});
  }
  return a;
}

json IndexesJson(const innodb::SpaceSummary& s) {
  json a = json::array();
  for (const auto& [id, x] : s.indexes()) {
    a.push_back({{"id", id}, {"pages", x.pages}, {"leaf_pages", x.leaf_pages},
                 {"records", x.records}, {"data_bytes", x.data_bytes},
                 {"free_pages", x.free_pages}});
  }
  return a;
}

json UndoJson(const innodb::UndoStats& u) {
  return json{{"pages", u.pages}, {"active", u.active}, {"cached", u.cached},
              {"to_purge", u.to_purge}, {"prepared", u.prepared}, {"other", u.other}};
}

void AddSummaryJson(const TablespaceReport& r, json& j) {
  const innodb::SpaceSummary& s = *r.summary;
  j["pages"] = s.pages();
  j["page_types"] = s.page_types();
  j["verdicts"] = VerdictsJson(s);
  j["corrupt_pages"] = s.corrupt_pages();
  j["corrupt_free_pages"] = s.corrupt_free_pages();
  j["lsn_min"] = s.lsn_min() ? json(*s.lsn_min()) : json(nullptr);
  j["lsn_max"] = s.lsn_max() ? json(*s.lsn_max()) : json(nullptr);
  j["lsn_age_histogram"] = AgesJson(s);
  j["indexes"] = IndexesJson(s);
  j["undo"] = UndoJson(s.undo());
  if (s.since_lsn()) {
    json since{{"lsn", *s.since_lsn()}, {"changed_pages", s.changed_pages()},
               {"changed_bytes", s.changed_pages() * r.context.flags.page_size.physical()}};
    if (!s.changed_list().empty()) since["pages"] = s.changed_list();
    j["since_lsn"] = since;
  }
}

}  // namespace

json TablespaceReportJson(const TablespaceReport& r) {
  json j{{"path", r.target.path}, {"files", r.target.files}};
  if (!r.status.ok()) {
    j["error"] = std::string(r.status.message());
    j["code"] = StatusCodeName(r.status.code());
  }
  if (!r.header) return j;
  const innodb::FspHeader& h = *r.header;
  j["flavor"] = h.flags.flavor() == innodb::Flavor::kMySql ? "mysql" : "mariadb";
  j["space_id"] = h.space_id.value();
  j["page_size"] = h.flags.page_size.logical();
  j["physical_page_size"] = h.flags.page_size.physical();
  j["flags"] = FlagsJson(h.flags, r.context.encrypted);
  j["encryption"] = CryptJson(h.crypt);
  j["fsp_size"] = h.size;
  j["free_limit"] = h.free_limit;
  if (r.summary) AddSummaryJson(r, j);
  return j;
}

}  // namespace tidemark::engine

namespace tidemark::engine {

namespace {

std::string FlagsText(const innodb::SpaceFlags& f) {
  std::vector<std::string> parts = {std::string(innodb::FlagsLayoutName(f.layout))};
  if (f.zip_size()) parts.push_back(absl::StrFormat("zip_size=%d", f.zip_size()));
  if (f.post_antelope) parts.push_back("post_antelope");
  if (f.atomic_blobs) parts.push_back("atomic_blobs");
  if (f.page_compression) {
    parts.push_back(absl::StrFormat("page_compressed=%s", innodb::PageCompressionName(f)));
  }
  if (f.mysql_encryption) parts.push_back("encryption");
  if (f.mysql_sdi) parts.push_back("sdi");
  if (f.data_dir) parts.push_back("data_dir");
  return absl::StrJoin(parts, " ");
}

template <typename Map>
std::string CountsText(const Map& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrFormat("%s %d", k, v));
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

std::string PageListText(const std::vector<uint32_t>& pages) {
  if (pages.empty()) return "none";
  constexpr size_t kShown = 20;
  std::vector<uint32_t> head(pages.begin(), pages.begin() + std::min(kShown, pages.size()));
  std::string s = absl::StrFormat("%d: %s", pages.size(), absl::StrJoin(head, " "));
  if (pages.size() > kShown) absl::StrAppendFormat(&s, " ... (--json lists all)");
  return s;
}

void AppendSummaryText(const TablespaceReport& r, std::string& out) {
  const innodb::SpaceSummary& s = *r.summary;
  std::map<std::string, uint64_t> verdicts;
  for (int i = 0; i < innodb::kPageVerdictCount; ++i) {
    if (s.verdicts()[i]) {
      verdicts[std::string(innodb::PageVerdictName(static_cast<innodb::PageVerdict>(i)))] =
          s.verdicts()[i];
    }
  }
  absl::StrAppendFormat(&out, "  pages      %d (%s)\n", s.pages(), HumanBytes(r.file_bytes));
  absl::StrAppendFormat(&out, "  page types %s\n", CountsText(s.page_types()));
  absl::StrAppendFormat(&out, "  verdicts   %s\n", CountsText(verdicts));
  absl::StrAppendFormat(&out, "  corrupt    %s\n", PageListText(s.corrupt_pages()));
  if (!s.corrupt_free_pages().empty()) {
    absl::StrAppendFormat(&out, "  bad free   %s (in free extents: unused)\n",
                          PageListText(s.corrupt_free_pages()));
  }
  if (s.lsn_max()) {
    absl::StrAppendFormat(&out, "  lsn        min %d max %d\n", *s.lsn_min(), *s.lsn_max());
    std::vector<std::string> ages;
    for (const auto& b : s.lsn_histogram().Ages(*s.lsn_max())) {
      if (b.pages == 0) continue;
      ages.push_back(b.max_age ? absl::StrFormat("<=%s: %d", HumanBytes(*b.max_age), b.pages)
                               : absl::StrFormat("older: %d", b.pages));
    }
    absl::StrAppendFormat(&out, "  lsn age    %s\n", absl::StrJoin(ages, ", "));
  }
  if (s.since_lsn()) {
    absl::StrAppendFormat(&out, "  since lsn %d: %d pages changed (%s)\n", *s.since_lsn(),
                          s.changed_pages(),
                          HumanBytes(s.changed_pages() * r.context.flags.page_size.physical()));
    if (!s.changed_list().empty()) {
      absl::StrAppendFormat(&out, "    %s\n", absl::StrJoin(s.changed_list(), " "));
    }
  }
  if (s.undo().pages) {
    const innodb::UndoStats& u = s.undo();
    absl::StrAppendFormat(&out,
                          "  undo       %d pages: %d active, %d cached, %d to_purge, %d prepared, "
                          "%d other\n",
                          u.pages, u.active, u.cached, u.to_purge, u.prepared, u.other);
  }
  if (!s.indexes().empty()) {
    absl::StrAppendFormat(&out, "  %-12s %10s %10s %12s %14s %10s\n", "index_id", "pages",
                          "leaf", "records", "data_bytes", "free");
    for (const auto& [id, x] : s.indexes()) {
      absl::StrAppendFormat(&out, "  %-12d %10d %10d %12d %14d %10d\n", id, x.pages,
                            x.leaf_pages, x.records, x.data_bytes, x.free_pages);
    }
  }
}

}  // namespace

std::string TablespaceReportText(const TablespaceReport& r) {
  std::string out = absl::StrFormat("%s\n", r.target.path);
  if (r.target.files.size() > 1) {
    absl::StrAppendFormat(&out, "  files      %s\n", absl::StrJoin(r.target.files, " "));
  }
  if (r.header) {
    const innodb::FspHeader& h = *r.header;
    absl::StrAppendFormat(&out, "  space      %d, page size %d", h.space_id.value(),
                          h.flags.page_size.logical());
    if (h.flags.page_size.is_compressed()) {
      absl::StrAppendFormat(&out, " (physical %d)", h.flags.page_size.physical());
    }
    absl::StrAppendFormat(&out, ", fsp size %d, free limit %d\n", h.size, h.free_limit);
    absl::StrAppendFormat(&out, "  flags      0x%x %s; checksum %s\n", h.flags.raw,
                          FlagsText(h.flags), innodb::ChecksumSchemeName(h.flags.checksum()));
    if (h.crypt) {
      absl::StrAppendFormat(&out, "  encryption %s\n",
                            h.crypt->mysql ? std::string("mysql keyring")
                                           : absl::StrFormat("scheme %d, key id %d, min key "
                                                             "version %d", h.crypt->scheme,
                                                             h.crypt->key_id,
                                                             h.crypt->min_key_version));
    }
    if (r.summary) AppendSummaryText(r, out);
  }
  if (!r.status.ok()) absl::StrAppendFormat(&out, "  error      %s\n", r.status.message());
  return out;
}

}  // namespace tidemark::engine
