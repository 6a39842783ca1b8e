// `tidemark compare`: flags -> engine::CompareDirectories -> a report on stdout and an exit
// code (docs/exit-codes.md). Text for people, one JSON document with --json for tests.
#include "tools/tidemark/compare_command.h"

#include <cstdio>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/page_compare.h"
#include "innodb/page/fil_page.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {

namespace {

using Json = nlohmann::ordered_json;

std::string TypeName(uint16_t type) { return innodb::PageTypeName(type, innodb::Flavor::kMariaDb); }

Json PageJson(const engine::PageDifference& d) {
  Json ranges = Json::array();
  for (const engine::ByteRange& r : d.ranges) ranges.push_back({r.begin, r.end});
  return {{"file", d.file},
          {"page", d.page_no},
          {"type_a", TypeName(d.type_a)},
          {"type_b", TypeName(d.type_b)},
          {"fields", d.fields},
          {"ranges", ranges},
          {"differing_bytes", d.differing_bytes}};
}

Json SizesJson(const std::vector<engine::SizeDifference>& v, bool tablespace) {
  Json out = Json::array();
  for (const auto& s : v) {
    Json j{{"file", s.file}, {"size_a", s.size_a}, {"size_b", s.size_b}};
    if (tablespace) j["tail_all_zero"] = s.tail_all_zero;
    out.push_back(j);
  }
  return out;
}

Json ReportJson(const engine::CompareReport& r) {
  Json pages = Json::array(), free_pages = Json::array(), other = Json::array();
  for (const auto& d : r.pages) pages.push_back(PageJson(d));
  for (const auto& d : r.free_pages) free_pages.push_back(PageJson(d));
  for (const auto& d : r.other_differences)
    other.push_back({{"file", d.file}, {"first_offset", d.first_offset}});
  const engine::RedoComparison& l = r.redo;
  return {{"equal", r.TablespacesEqual()},
          {"tablespaces",
           {{"files", r.tablespace_files},
            {"pages_compared", r.pages_compared},
            {"differing_pages", r.differing_pages},
            {"pages", pages},
            {"masked_field_pages", r.masked_field_pages},
            {"differing_free_pages", r.differing_free_pages},
            {"free_pages", free_pages},
            {"only_in_a", r.tablespaces_only_in_a},
            {"only_in_b", r.tablespaces_only_in_b},
            {"size_differences", SizesJson(r.tablespace_size_differences, true)}}},
          {"redo_log",
           {{"present_a", l.present_a},
            {"present_b", l.present_b},
            {"size_a", l.size_a},
            {"size_b", l.size_b},
            {"bytes_equal", l.bytes_equal},
            {"checkpoint_lsn_a", l.checkpoint_lsn_a},
            {"checkpoint_lsn_b", l.checkpoint_lsn_b},
            {"end_lsn_a", l.end_lsn_a},
            {"end_lsn_b", l.end_lsn_b},
            {"creator_a", l.creator_a},
            {"creator_b", l.creator_b}}},
          {"other_files",
           {{"equal", r.OtherFilesEqual()},
            {"files", r.other_files},
            {"only_in_a", r.other_only_in_a},
            {"only_in_b", r.other_only_in_b},
            {"size_differences", SizesJson(r.other_size_differences, false)},
            {"differing", other}}}};
}

std::string RangesText(const engine::PageDifference& d) {
  std::vector<std::string> parts;
  for (const auto& r : d.ranges) parts.push_back(absl::StrFormat("%u..%u", r.begin, r.end - 1));
  return absl::StrJoin(parts, ", ");
}

void PrintPages(const char* what, const std::vector<engine::PageDifference>& pages) {
  for (const auto& d : pages) {
    const std::string type =
        d.type_a == d.type_b ? TypeName(d.type_a)
                             : absl::StrFormat("%s / %s", TypeName(d.type_a), TypeName(d.type_b));
    std::printf("%s: %s page %u (%s): %u bytes at %s; fields %s\n", what, d.file.c_str(), d.page_no,
                type.c_str(), d.differing_bytes, RangesText(d).c_str(),
                absl::StrJoin(d.fields, ", ").c_str());
  }
}

void PrintList(const char* what, const std::vector<std::string>& files) {
  for (const std::string& f : files) std::printf("%s: %s\n", what, f.c_str());
}

void PrintText(const engine::CompareReport& r, const CompareFlags& f) {
  PrintPages("page differs", r.pages);
  PrintPages("free page differs (masked)", r.free_pages);
  PrintList("tablespace only in A", r.tablespaces_only_in_a);
  PrintList("tablespace only in B", r.tablespaces_only_in_b);
  for (const auto& s : r.tablespace_size_differences) {
    std::printf("tablespace size differs: %s: %llu vs %llu bytes (tail %s)\n", s.file.c_str(),
                static_cast<unsigned long long>(s.size_a),
                static_cast<unsigned long long>(s.size_b),
                s.tail_all_zero ? "all zero" : "not zero");
  }
  PrintList("other file only in A", r.other_only_in_a);
  PrintList("other file only in B", r.other_only_in_b);
  for (const auto& s : r.other_size_differences) {
    std::printf("other file size differs: %s: %llu vs %llu bytes\n", s.file.c_str(),
                static_cast<unsigned long long>(s.size_a),
                static_cast<unsigned long long>(s.size_b));
  }
  for (const auto& d : r.other_differences) {
    std::printf("other file differs: %s from byte %llu\n", d.file.c_str(),
                static_cast<unsigned long long>(d.first_offset));
  }
  const engine::RedoComparison& l = r.redo;
  if (l.present_a != l.present_b || !l.bytes_equal) {
    std::printf(
        "ib_logfile0 differs: %llu vs %llu bytes, checkpoint LSN %llu vs %llu, creator '%s' vs "
        "'%s'\n",
        static_cast<unsigned long long>(l.size_a), static_cast<unsigned long long>(l.size_b),
        static_cast<unsigned long long>(l.checkpoint_lsn_a),
        static_cast<unsigned long long>(l.checkpoint_lsn_b), l.creator_a.c_str(),
        l.creator_b.c_str());
  }
  std::printf(
      "compared %llu pages in %llu tablespace files: %llu differ%s; masked: %llu free pages, "
      "%llu flush-LSN fields; %llu other files %s; ib_logfile0 %s\n",
      static_cast<unsigned long long>(r.pages_compared),
      static_cast<unsigned long long>(r.tablespace_files),
      static_cast<unsigned long long>(r.differing_pages),
      r.differing_pages > r.pages.size()
          ? absl::StrFormat(" (first %zu shown)", f.max_report).c_str()
          : "",
      static_cast<unsigned long long>(r.differing_free_pages),
      static_cast<unsigned long long>(r.masked_field_pages),
      static_cast<unsigned long long>(r.other_files), r.OtherFilesEqual() ? "equal" : "differ",
      !l.present_a && !l.present_b ? "absent" : (l.bytes_equal ? "equal" : "differs"));
}

}  // namespace

CLI::App* AddCompareCommand(CLI::App& app, CompareFlags& f) {
  CLI::App* cmd =
      app.add_subcommand("compare", "Compare two prepared backups (or datadirs) page by page");
  cmd->add_option("DIR_A", f.dir_a, "first directory")->required();
  cmd->add_option("DIR_B", f.dir_b, "second directory")->required();
  cmd->add_flag("--json", f.json, "one JSON document on stdout");
  cmd->add_option("--max-report", f.max_report, "differing pages listed (all are counted)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--parallel", f.parallel, "tablespaces compared at once")
      ->check(CLI::Range(1, 256));
  return cmd;
}

int RunCompareCommand(const CompareFlags& f) {
  auto fs = io::NewPosixFileSystem();
  engine::CompareOptions o{.max_report = f.max_report, .parallel = f.parallel};
  auto r = engine::CompareDirectories(*fs, f.dir_a, f.dir_b, o);
  if (!r.ok()) {
    std::fprintf(stderr, "tidemark: compare failed: %s\n",
                 std::string(r.status().message()).c_str());
    return kExitBadInput;
  }
  if (f.json) {
    std::printf("%s\n", ReportJson(*r).dump(2).c_str());
  } else {
    PrintText(*r, f);
  }
  return r->TablespacesEqual() ? kExitOk : kExitCorruptPages;
}

}  // namespace tidemark::tools
