// Cross-checks `tidemark inspect --json` (docs/inspect-json.md) against MariaDB's own
// innochecksum on datadirs written by a real MariaDB 10.11 at innodb_page_size 4k, 16k and
// 64k: page-type summaries, undo and per-index statistics, checksum verdicts on clean files and
// on copies with flipped bytes, inspection of a running server, and bad input.
// innochecksum's behaviour is taken from extra/innochecksum.cc (MariaDB 10.11).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_macros.h"
#include "innodb/base/status.h"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;


// ------------------------------------------------------------------ the datasets

constexpr int kRows = 3000;
// file_key_management key file (key id;hex key), written into each server's directory.
constexpr std::string_view kKeyFile =
    "1;4a8e3b0f6c1d2e9a7b5c3d1e0f2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6\n"
    "2;0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

struct TableSpec {
  std::string name;
  std::string options;   // table options after the column list
  int zip_kb = 0;        // KEY_BLOCK_SIZE of ROW_FORMAT=COMPRESSED, else 0
  bool classic = false;  // created under innodb_checksum_algorithm=crc32 (not full_crc32)
};

std::vector<TableSpec> TablesFor(int page_kb) {
  std::vector<TableSpec> tables = {
      {"t_redundant", "ROW_FORMAT=REDUNDANT"},
      {"t_compact", "ROW_FORMAT=COMPACT"},
      {"t_dynamic", "ROW_FORMAT=DYNAMIC"},
      {"t_page_compressed", "ROW_FORMAT=DYNAMIC PAGE_COMPRESSED=1"},
      {"t_encrypted", "ROW_FORMAT=DYNAMIC ENCRYPTED=YES ENCRYPTION_KEY_ID=1"},
      {"t_classic", "ROW_FORMAT=DYNAMIC", 0, true},
      {"t_classic_page_compressed", "ROW_FORMAT=DYNAMIC PAGE_COMPRESSED=1", 0, true},
      {"t_classic_pc_encrypted", "PAGE_COMPRESSED=1 ENCRYPTED=YES ENCRYPTION_KEY_ID=2", 0, true},
  };
  // ROW_FORMAT=COMPRESSED exists only up to 16k pages, with KEY_BLOCK_SIZE <= page size.
  for (int zip_kb : {4, 8}) {
    if (page_kb <= 16 && zip_kb <= page_kb) {
      tables.push_back({absl::StrFormat("t_zip%d", zip_kb),
                        absl::StrFormat("ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=%d", zip_kb),
                        zip_kb});
    }
  }
  return tables;
}

// A wide secondary key (s, up to 600 bytes) gives B-trees of 3+ levels at 4k and 16k; every
// 30th row has a ~22 KB value that goes off-page (BLOB, ZBLOB and ZBLOB2 pages); deletes and
// shrinking updates leave garbage, freed leaf pages and freed BLOB pages.
std::string FillTableSql(const TableSpec& t) {
  return absl::StrFormat(
      "CREATE TABLE d.%1$s (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, s VARCHAR(600) NOT "
      "NULL, b MEDIUMTEXT, KEY k_idx (k), KEY s_idx (s)) ENGINE=InnoDB DEFAULT CHARSET=latin1 "
      "%2$s;"
      "INSERT INTO d.%1$s SELECT g.seq, g.seq * 7919 %% 1000, RPAD(MD5(g.seq), 200 + g.seq * 37 "
      "%% 400, '-'), IF(g.seq %% 30 = 0, (SELECT GROUP_CONCAT(MD5(g.seq * 1000 + x.seq) "
      "SEPARATOR '') FROM d.seq_1_to_700 x), MD5(g.seq)) FROM d.seq_1_to_%3$d g;"
      "DELETE FROM d.%1$s WHERE id %% 7 = 0 OR id BETWEEN 1201 AND 1800;"
      "UPDATE d.%1$s SET s = LEFT(s, 40) WHERE id %% 11 = 0;",
      t.name, t.options, kRows);
}

struct Dataset {
  int page_kb = 0;
  std::unique_ptr<TestServer> server;  // stopped cleanly after filling: files are stable
  std::vector<TableSpec> tables;

  std::string TablePath(std::string_view table) const {
    return absl::StrFormat("%s/d/%s.ibd", server->datadir(), table);
  }
  const TableSpec& Table(std::string_view name) const {
    return *std::find_if(tables.begin(), tables.end(), [&](auto& t) { return t.name == name; });
  }
};

TestServerOptions EncryptingServerOptions(int page_kb) {
  TestServerOptions o;
  o.bootstrap_args = {absl::StrFormat("--innodb-page-size=%dk", page_kb),
                      "--innodb-undo-tablespaces=2"};
  o.server_args = {"--plugin-load-add=file_key_management",
                   "--file-key-management-filename={dir}/keys.txt",
                   "--innodb-compression-algorithm=zlib"};
  o.files = {{"keys.txt", std::string(kKeyFile)}};
  return o;
}

absl::StatusOr<std::unique_ptr<Dataset>> BuildDataset(int page_kb) {
  auto ds = std::make_unique<Dataset>();
  ds->page_kb = page_kb;
  ds->tables = TablesFor(page_kb);
  TM_ASSIGN_OR_RETURN(ds->server, TestServer::Start(EncryptingServerOptions(page_kb)));
  TM_RETURN_IF_ERROR(ds->server->Query("CREATE DATABASE d"));
  for (bool classic : {false, true}) {
    TM_RETURN_IF_ERROR(ds->server->Query(absl::StrFormat("SET GLOBAL innodb_checksum_algorithm=%s",
                                                         classic ? "crc32" : "full_crc32")));
    for (const TableSpec& t : ds->tables) {
      if (t.classic == classic) TM_RETURN_IF_ERROR(ds->server->Query(FillTableSql(t)));
    }
  }
  // Purge turns the deletes into garbage and free pages before the files are frozen. Then
  // undo segments in more states than "other": a committed update not yet purged, and an XA
  // transaction left prepared over the shutdown.
  TM_RETURN_IF_ERROR(ds->server->Query(
      "SET GLOBAL innodb_max_purge_lag_wait=0;"
      "UPDATE d.t_dynamic SET k = k + 1 WHERE id <= 300;"
      "XA START 'tm'; UPDATE d.t_compact SET k = k + 1 WHERE id <= 20; XA END 'tm';"
      "XA PREPARE 'tm'"));
  TM_RETURN_IF_ERROR(ds->server->Shutdown());
  return ds;
}

// One dataset per page size, built on first use and shared by every test of this binary.
absl::StatusOr<const Dataset*> GetDataset(int page_kb) {
  static std::map<int, absl::StatusOr<std::unique_ptr<Dataset>>> cache;
  auto it = cache.find(page_kb);
  if (it == cache.end()) it = cache.emplace(page_kb, BuildDataset(page_kb)).first;
  if (!it->second.ok()) return it->second.status();
  return it->second->get();
}

// The tablespaces of a datadir in the order docs/inspect-json.md promises: the system
// tablespace (ibdata1; these datadirs have one file), undo tablespaces, then <db>/<table>.ibd
// in name order.
std::vector<std::string> TablespaceFiles(const std::string& datadir) {
  std::vector<std::string> undo, tables;
  const std::regex undo_name(R"(undo\d{3})");
  for (const auto& e : fs::directory_iterator(datadir)) {
    if (e.is_regular_file() && std::regex_match(e.path().filename().string(), undo_name)) {
      undo.push_back(e.path());
    }
    if (!e.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(e.path())) {
      if (f.path().extension() == ".ibd") tables.push_back(f.path());
    }
  }
  std::sort(undo.begin(), undo.end());
  std::sort(tables.begin(), tables.end());
  std::vector<std::string> files = {datadir + "/ibdata1"};
  files.insert(files.end(), undo.begin(), undo.end());
  files.insert(files.end(), tables.begin(), tables.end());
  return files;
}

// ------------------------------------------------------------------ running tidemark

struct InspectRun {
  int exit_code = -1;
  std::vector<json> spaces;  // one object per JSON line
  std::string out, err;
};

absl::StatusOr<InspectRun> RunInspect(const std::vector<std::string>& paths, bool as_json = true) {
  std::vector<std::string> argv = {TidemarkBinary(), "inspect"};
  if (as_json) argv.push_back("--json");
  argv.insert(argv.end(), paths.begin(), paths.end());
  TM_ASSIGN_OR_RETURN(CommandResult r, RunCommand(argv, {.timeout = std::chrono::minutes(2)}));
  InspectRun run{r.exit_code, {}, r.out, r.err};
  std::istringstream lines(as_json ? r.out : "");
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InternalError(absl::StrFormat("tidemark printed a non-JSON line: %s", line));
    }
    run.spaces.push_back(std::move(j));
  }
  return run;
}

std::string Canonical(const std::string& path) { return fs::weakly_canonical(path).string(); }

// The "path" of each JSON line, in output order.
std::vector<std::string> PathsOf(const std::vector<json>& spaces) {
  std::vector<std::string> paths;
  for (const json& s : spaces) paths.push_back(Canonical(s.value("path", std::string("?"))));
  return paths;
}

std::vector<uint32_t> IntList(const json& space, const char* field) {
  std::vector<uint32_t> v;
  if (space.contains(field)) v = space[field].get<std::vector<uint32_t>>();
  std::sort(v.begin(), v.end());
  return v;
}

// ------------------------------------------------------------------ innochecksum's view

// The innochecksum -S summary lines, in its print order (print_summary()).
constexpr const char* kTypeLabels[] = {"Index page",
                                       "Undo log page",
                                       "Inode page",
                                       "Insert buffer free list page",
                                       "Freshly allocated page",
                                       "Insert buffer bitmap",
                                       "System page",
                                       "Transaction system page",
                                       "File Space Header",
                                       "Extent descriptor page",
                                       "BLOB page",
                                       "Compressed BLOB page",
                                       "Page compressed page",
                                       "Page compressed encrypted page",
                                       "Other type of page"};

struct IndexLine {
  int64_t pages = 0, leaf_pages = 0, recs_per_page = 0, bytes_per_page = 0;
  std::optional<int64_t> free_pages;  // innochecksum prints it only for indexes with leaves
};

// What innochecksum -S says about one file, or what tidemark's JSON predicts it says.
struct PageSummary {
  int64_t total_pages = 0;  // innochecksum -c
  std::map<std::string, int64_t> types;
  int64_t unlisted = 0;  // pages in no summary line: total - sum(types)
  int64_t undo_pages = 0;
  std::map<std::string, int64_t> undo_states;
  std::map<uint64_t, IndexLine> indexes;
  int exit_code = 0;
  std::vector<uint32_t> failed_pages;  // "Fail: page::N invalid" on stderr
};

std::vector<uint32_t> ParseFailedPages(const std::string& err) {
  std::vector<uint32_t> pages;
  const std::regex fail(R"(Fail: page::(\d+) invalid)");
  for (auto it = std::sregex_iterator(err.begin(), err.end(), fail); it != std::sregex_iterator();
       ++it) {
    pages.push_back(static_cast<uint32_t>(std::stoul((*it)[1])));
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

// Feeds one line of `innochecksum -S -f -m 2` output into `s`. The index table prints ids
// with %lld (the change buffer's 0xFFFFFFFF00000000 shows as -4294967296), so ids are read
// signed and converted back.
void ParseSummaryLine(const std::string& line, std::string* section, int64_t* free,
                      PageSummary* s) {
  static const std::pair<const char*, const char*> kSections[] = {
      {"#PAGE_COUNT", "types"},
      {"index_id\t#pages", "indexes"},
      {"index_id\t#leaf_pages", "leaves"},
      {"Additional", ""},
      {"index_id\tpage_data", ""}};
  for (const auto& [prefix, name] : kSections) {
    if (line.rfind(prefix, 0) == 0) {
      *section = name;
      return;
    }
  }
  long long a, b, c, d, e;
  unsigned long long id;
  int n = 0;
  const char* l = line.c_str();
  if (sscanf(l, "Undo page type: %lld", &a) == 1) {
    s->undo_pages = a;
  } else if (sscanf(l,
                    "Undo page state: %lld active, %lld cached, %lld to_purge, %lld prepared, "
                    "%lld other",
                    &a, &b, &c, &d, &e) == 5) {
    s->undo_states = {{"active", a}, {"cached", b}, {"to_purge", c}, {"prepared", d}, {"other", e}};
  } else if (*section == "types" && sscanf(l, " %lld\t%n", &a, &n) == 1 && n > 0) {
    s->types[line.substr(n)] = a;
  } else if (*section == "indexes" &&
             sscanf(l, "%lld %lld %lld %lld %lld", &a, &b, &c, &d, &e) == 5) {
    s->indexes[static_cast<uint64_t>(a)] = {b, c, d, e, std::nullopt};
  } else if (*section == "leaves" && sscanf(l, "count = %lld free = %lld", &a, &b) == 2) {
    *free = b;
  } else if (*section == "leaves" && *free >= 0 && sscanf(l, "%llu", &id) == 1) {
    s->indexes[id].free_pages = *free;  // the line after "count = .. free = .." starts with the id
    *free = -1;
  }
}

absl::StatusOr<PageSummary> InnochecksumSummary(const std::string& file) {
  TM_ASSIGN_OR_RETURN(CommandResult r, RunCommand({"innochecksum", "-S", "-f", "-m", "2", file}));
  TM_ASSIGN_OR_RETURN(CommandResult count, RunCommand({"innochecksum", "-c", file}));
  PageSummary s;
  s.exit_code = r.exit_code;
  s.failed_pages = ParseFailedPages(r.err);
  std::string section;
  int64_t free = -1;  // a "count = N free = M" line waiting for its index id
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) ParseSummaryLine(line, &section, &free, &s);
  for (const char* label : kTypeLabels) {
    if (!s.types.count(label)) {
      return absl::InternalError(
          absl::StrFormat("innochecksum -S '%s': no '%s' line; %s", file, label, r.Describe()));
    }
  }
  if (s.undo_states.size() != 5 ||
      sscanf(count.out.c_str(), "Number of pages:%ld", &s.total_pages) != 1) {
    return absl::InternalError(absl::StrFormat("innochecksum '%s': unexpected output: %s %s", file,
                                               r.Describe(), count.Describe()));
  }
  for (const auto& [label, n] : s.types) s.unlisted += n;
  s.unlisted = s.total_pages - s.unlisted;
  return s;
}

// innochecksum's label for one of tidemark's page_types keys, or "" for a type it counts but
// never prints (FIL_PAGE_TYPE_ZBLOB2: n_fil_page_type_zblob2 is missing from print_summary).
std::string LabelOf(const std::string& key, bool full_crc32) {
  static const std::map<std::string, std::string> labels = {
      {"INDEX", "Index page"},
      {"UNDO_LOG", "Undo log page"},
      {"INODE", "Inode page"},
      {"IBUF_FREE_LIST", "Insert buffer free list page"},
      {"TYPE_ALLOCATED", "Freshly allocated page"},
      {"IBUF_BITMAP", "Insert buffer bitmap"},
      {"TYPE_SYS", "System page"},
      {"TYPE_TRX_SYS", "Transaction system page"},
      {"TYPE_FSP_HDR", "File Space Header"},
      {"TYPE_XDES", "Extent descriptor page"},
      {"TYPE_BLOB", "BLOB page"},
      {"TYPE_ZBLOB", "Compressed BLOB page"},
      {"PAGE_COMPRESSED", "Page compressed page"},
      {"PAGE_COMPRESSED_ENCRYPTED", "Page compressed encrypted page"}};
  if (key == "TYPE_ZBLOB2") return "";
  // full_crc32 page_compressed pages carry type 0x80nn, which innochecksum's switch on the
  // raw FIL_PAGE_TYPE only knows as "Other"; FIL_PAGE_PAGE_COMPRESSED is the classic layout.
  if (key == "PAGE_COMPRESSED" && full_crc32) return "Other type of page";
  auto it = labels.find(key);
  return it == labels.end() ? "Other type of page" : it->second;
}

// What innochecksum -S should print for the tablespace tidemark described in `space`.
PageSummary ExpectedFromInspect(const json& space) {
  PageSummary s;
  s.total_pages = space.value("pages", int64_t{-1});
  const bool full_crc32 = space.value("flags", json::object()).value("layout", "") == "full_crc32";
  for (const char* label : kTypeLabels) s.types[label] = 0;
  const json types = space.value("page_types", json::object());
  for (const auto& [key, n] : types.items()) {
    std::string label = LabelOf(key, full_crc32);
    (label.empty() ? s.unlisted : s.types[label]) += n.get<int64_t>();
  }
  const json undo = space.value("undo", json::object());
  s.undo_pages = undo.value("pages", int64_t{-1});
  for (const char* state : {"active", "cached", "to_purge", "prepared", "other"}) {
    s.undo_states[state] = undo.value(state, int64_t{-1});
  }
  for (const json& idx : space.value("indexes", json::array())) {
    const int64_t pages = idx.value("pages", int64_t{0}), leaves = idx.value("leaf_pages", 0);
    if (pages == 0) continue;  // innochecksum skips indexes whose pages are all free
    s.indexes[idx.value("id", uint64_t{0})] = {
        pages, leaves, idx.value("records", int64_t{-1}) / pages,
        idx.value("data_bytes", int64_t{-1}) / pages,
        leaves > 0 ? std::optional<int64_t>(idx.value("free_pages", int64_t{-1})) : std::nullopt};
  }
  return s;
}

void DiffValue(std::vector<std::string>* diffs, const std::string& field, int64_t tool,
               int64_t ref) {
  if (tool != ref) {
    diffs->push_back(absl::StrFormat("%s: tidemark %d, innochecksum %d", field, tool, ref));
  }
}

void DiffIndexes(const PageSummary& tool, const PageSummary& ref, std::vector<std::string>* d) {
  std::set<uint64_t> ids;
  for (const auto& [id, _] : tool.indexes) ids.insert(id);
  for (const auto& [id, _] : ref.indexes) ids.insert(id);
  for (uint64_t id : ids) {
    auto t = tool.indexes.find(id), r = ref.indexes.find(id);
    std::string name = absl::StrFormat("index %d", id);
    if (t == tool.indexes.end() || r == ref.indexes.end()) {
      d->push_back(absl::StrFormat("%s: only in %s", name,
                                   t == tool.indexes.end() ? "innochecksum" : "tidemark"));
      continue;
    }
    DiffValue(d, name + " #pages", t->second.pages, r->second.pages);
    DiffValue(d, name + " #leaf_pages", t->second.leaf_pages, r->second.leaf_pages);
    DiffValue(d, name + " #recs_per_page", t->second.recs_per_page, r->second.recs_per_page);
    DiffValue(d, name + " #bytes_per_page", t->second.bytes_per_page, r->second.bytes_per_page);
    if (r->second.free_pages) {
      DiffValue(d, name + " free", t->second.free_pages.value_or(-1), *r->second.free_pages);
    }
  }
}

std::vector<std::string> DiffSummaries(const PageSummary& tool, const PageSummary& ref) {
  std::vector<std::string> d;
  DiffValue(&d, "pages in file", tool.total_pages, ref.total_pages);
  for (const char* label : kTypeLabels) {
    DiffValue(&d, absl::StrFormat("'%s'", label), tool.types.at(label), ref.types.at(label));
  }
  DiffValue(&d, "pages in no summary line (ZBLOB2)", tool.unlisted, ref.unlisted);
  DiffValue(&d, "Undo page type", tool.undo_pages, ref.undo_pages);
  for (const auto& [state, n] : ref.undo_states) {
    DiffValue(&d, "Undo page state " + state, tool.undo_states.at(state), n);
  }
  DiffIndexes(tool, ref, &d);
  return d;
}

// ------------------------------------------------------------------ corrupting copies

// Page geometry known from how the table was created (not from the tool under test).
struct Geometry {
  size_t physical;  // bytes per page in the file
  size_t logical;   // innodb_page_size
  size_t ExtentPages() const { return logical < 16384 ? (1048576 / logical) : 64; }
};

// Whether the extent descriptor covering `page` marks it free (fsp0fsp.h: XDES_ARR_OFFSET
// 150, XDES_BITMAP 24, two bits per page, bit 0 = free), read as innochecksum's
// is_page_free() does, from the descriptor page at the multiple of the physical page size.
bool MarkedFree(const std::vector<uint8_t>& file, const Geometry& g, size_t page) {
  const size_t extent = g.ExtentPages();
  const size_t xdes_size = 24 + (extent * 2 + 7) / 8;
  const size_t xdes_page = page - page % g.physical;
  const size_t des = xdes_page * g.physical + 150 + xdes_size * ((page % g.physical) / extent);
  const size_t bit = 2 * (page % extent);
  return (file[des + 24 + bit / 8] >> (bit % 8)) & 1;
}

// Pages in use: not all zero, not an extent descriptor page, not marked free.
std::vector<size_t> PagesInUse(const std::vector<uint8_t>& file, const Geometry& g) {
  std::vector<size_t> pages;
  for (size_t p = 1; p < file.size() / g.physical; ++p) {
    const uint8_t* b = file.data() + p * g.physical;
    bool zero = std::all_of(b, b + g.physical, [](uint8_t x) { return x == 0; });
    if (!zero && p % g.physical != 0 && !MarkedFree(file, g, p)) pages.push_back(p);
  }
  return pages;
}

uint32_t TestSeed() {
  const char* env = std::getenv("TIDEMARK_TEST_SEED");
  return env != nullptr ? static_cast<uint32_t>(std::stoul(env)) : 20240611u;
}

// Flips one byte (XOR with 1..255) at a random offset of the body (FIL_PAGE_DATA .. size -
// FIL_PAGE_DATA_END, covered by every checksum scheme) of `k` random pages in use.
// Returns the pages, sorted.
std::vector<uint32_t> FlipBytes(const std::string& path, const Geometry& g, size_t k,
                                uint32_t seed) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), {});
  std::vector<size_t> candidates = PagesInUse(file, g);
  std::mt19937 rng(seed);
  std::shuffle(candidates.begin(), candidates.end(), rng);
  candidates.resize(std::min(k, candidates.size()));
  std::vector<uint32_t> flipped;
  for (size_t p : candidates) {
    size_t offset = std::uniform_int_distribution<size_t>(38, g.physical - 9)(rng);
    file[p * g.physical + offset] ^= std::uniform_int_distribution<int>(1, 255)(rng);
    std::printf("[tidemark] seed %u: flipped page %zu byte %zu of %s\n", seed, p, offset,
                path.c_str());
    flipped.push_back(static_cast<uint32_t>(p));
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(file.data()), file.size());
  std::sort(flipped.begin(), flipped.end());
  return flipped;
}

// A copy of the system tablespace with the doublewrite buffer's two extents zeroed
// (TRX_SYS page 5: TRX_SYS_DOUBLEWRITE at page size - 200, magic 536853855 at +10, block
// starts at +14 and +18; trx0sys.h). After a clean shutdown that area holds stale copies of
// other tablespaces' pages. innochecksum -S counts them by the copy's own type and index id and
// looks up their free bit by the copy's own FIL_PAGE_OFFSET (parse_page()), which says nothing
// about the system tablespace; zeroing them leaves a file both tools must describe alike.
absl::StatusOr<std::string> CopyWithoutDoublewrite(const std::string& ibdata, const Geometry& g,
                                                   const std::string& dir) {
  std::ifstream in(ibdata, std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), {});
  auto be32 = [&](size_t at) {
    return uint32_t{file[at]} << 24 | uint32_t{file[at + 1]} << 16 | file[at + 2] << 8 |
           file[at + 3];
  };
  const size_t dblwr = 5 * g.physical + g.logical - 200;
  if (file.size() < 6 * g.physical || be32(dblwr + 10) != 536853855) {
    return absl::NotFoundError(absl::StrFormat("'%s': no doublewrite buffer on page 5", ibdata));
  }
  for (uint32_t block : {be32(dblwr + 14), be32(dblwr + 18)}) {
    std::fill_n(file.begin() + block * g.physical, g.ExtentPages() * g.physical, 0);
  }
  const std::string copy = dir + "/ibdata1";
  std::ofstream(copy, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(file.data()), file.size());
  return copy;
}

// The file to hand innochecksum for `space`, and tidemark's description of that same file:
// the tablespace itself, or for the system tablespace a copy without the doublewrite buffer.
absl::StatusOr<std::pair<std::string, json>> ComparableFile(const json& space, int page_kb,
                                                            const std::string& scratch) {
  const std::string path = space.value("path", "");
  if (space.value("space_id", -1) != 0) return std::pair{path, space};
  const Geometry g{static_cast<size_t>(page_kb) * 1024, static_cast<size_t>(page_kb) * 1024};
  TM_ASSIGN_OR_RETURN(std::string copy, CopyWithoutDoublewrite(path, g, scratch));
  TM_ASSIGN_OR_RETURN(InspectRun run, RunInspect({copy}));
  if (run.spaces.size() != 1) {
    return absl::InternalError(absl::StrFormat("inspect '%s': %s %s", copy, run.out, run.err));
  }
  return std::pair{copy, run.spaces[0]};
}

// ------------------------------------------------------------------ checks

// innochecksum alone: the dataset holds what the comparison is meant to cover.
void ExpectDatasetCoversFormats(const Dataset& ds) {
  auto summary = [&](std::string_view t) { return InnochecksumSummary(ds.TablePath(t)); };
  TM_ASSERT_OK_AND_ASSIGN(PageSummary dyn, summary("t_dynamic"));
  EXPECT_GT(dyn.types["BLOB page"], 0);
  ASSERT_EQ(dyn.indexes.size(), 3u);  // PRIMARY, k_idx, s_idx
  EXPECT_GE(std::count_if(dyn.indexes.begin(), dyn.indexes.end(),
                          [](auto& i) { return i.second.leaf_pages >= 10; }),
            2);
  EXPECT_TRUE(ds.page_kb > 16 ||  // > 1 non-leaf page means >= 3 levels
              std::any_of(dyn.indexes.begin(), dyn.indexes.end(),
                          [](auto& i) { return i.second.pages - i.second.leaf_pages >= 2; }));
  TM_ASSERT_OK_AND_ASSIGN(PageSummary pc, summary("t_page_compressed"));
  EXPECT_GT(pc.types["Other type of page"], 0);  // full_crc32: 0x80nn
  TM_ASSERT_OK_AND_ASSIGN(PageSummary cpc, summary("t_classic_page_compressed"));
  EXPECT_GT(cpc.types["Page compressed page"], 0);
  TM_ASSERT_OK_AND_ASSIGN(PageSummary cpe, summary("t_classic_pc_encrypted"));
  EXPECT_GT(cpe.types["Page compressed encrypted page"], 0);
  TM_ASSERT_OK_AND_ASSIGN(PageSummary enc, summary("t_encrypted"));
  EXPECT_GT(enc.types["Index page"], 0);
  EXPECT_THAT(enc.indexes, IsEmpty());  // innochecksum cannot read encrypted page bodies
  if (ds.page_kb > 16) return;
  TM_ASSERT_OK_AND_ASSIGN(PageSummary zip, summary("t_zip4"));
  EXPECT_GT(zip.types["Compressed BLOB page"], 0);
  EXPECT_GT(zip.unlisted, 0);  // ZBLOB2 pages: counted by innochecksum, never printed
}

// Every tablespace of the datadir, once, in the documented order.
void ExpectEveryTablespaceListed(const InspectRun& run, const std::string& datadir) {
  std::vector<std::string> expected;
  for (const auto& f : TablespaceFiles(datadir)) expected.push_back(Canonical(f));
  EXPECT_THAT(PathsOf(run.spaces), ElementsAreArray(expected));
}

void ExpectNoCorruption(const json& space) {
  SCOPED_TRACE(space.value("path", space.dump()));
  EXPECT_FALSE(space.contains("error"));
  EXPECT_THAT(IntList(space, "corrupt_pages"), IsEmpty());
  EXPECT_THAT(IntList(space, "corrupt_free_pages"), IsEmpty());
  for (const char* bad : {"checksum_mismatch", "lsn_mismatch", "bad_header"}) {
    EXPECT_FALSE(space.value("verdicts", json::object()).contains(bad)) << bad;
  }
}

// innochecksum accepts the file as it is, and its -S summary of the comparable file (see
// ComparableFile) is what tidemark's JSON predicts, field by field.
void ExpectSameSummary(const json& space, int page_kb, const std::string& scratch) {
  const std::string path = space.value("path", "");
  TM_ASSERT_OK_AND_ASSIGN(PageSummary as_is, InnochecksumSummary(path));
  EXPECT_EQ(as_is.exit_code, 0) << path;
  EXPECT_THAT(as_is.failed_pages, IsEmpty()) << path;
  TM_ASSERT_OK_AND_ASSIGN(auto comparable, ComparableFile(space, page_kb, scratch));
  TM_ASSERT_OK_AND_ASSIGN(PageSummary ref, InnochecksumSummary(comparable.first));
  EXPECT_THAT(DiffSummaries(ExpectedFromInspect(comparable.second), ref), IsEmpty())
      << "file " << comparable.first;
}

// Flips bytes in 5 pages of a copy of `table`: tidemark (exit 3, corrupt_pages) and
// innochecksum ("Fail: page::N invalid" with -a) must both name exactly those pages.
void ExpectFlipsReported(const Dataset& ds, const std::string& table, const std::string& dir) {
  SCOPED_TRACE(table);
  const std::string copy = absl::StrFormat("%s/%s.ibd", dir, table);
  fs::copy_file(ds.TablePath(table), copy, fs::copy_options::overwrite_existing);
  const int zip_kb = ds.Table(table).zip_kb;
  const Geometry g{static_cast<size_t>((zip_kb ? zip_kb : ds.page_kb) * 1024),
                   static_cast<size_t>(ds.page_kb * 1024)};
  const uint32_t seed = TestSeed();
  std::vector<uint32_t> flipped = FlipBytes(copy, g, 5, seed);
  ASSERT_EQ(flipped.size(), 5u);
  TM_ASSERT_OK_AND_ASSIGN(InspectRun run, RunInspect({copy}));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  ASSERT_EQ(run.spaces.size(), 1u) << run.out;
  EXPECT_EQ(IntList(run.spaces[0], "corrupt_pages"), flipped) << "seed " << seed;
  TM_ASSERT_OK_AND_ASSIGN(CommandResult ic, RunCommand({"innochecksum", "-a", "1000", copy}));
  EXPECT_EQ(ParseFailedPages(ic.err), flipped) << "seed " << seed << "; " << ic.Describe();
}

// ------------------------------------------------------------------ fixtures and tests

// Gives each test the shared dataset of PageKb(); skips (fails in CI) without MariaDB. CTest
// runs every test in its own process, so each test case costs one dataset: keep them few.
class DatasetFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "innochecksum");
    auto ds = GetDataset(PageKb());
    ASSERT_TRUE(ds.ok()) << ds.status();
    dataset_ = *ds;
  }
  virtual int PageKb() const = 0;
  const Dataset* dataset_ = nullptr;
  TempDir scratch_;
};

class DatasetTest : public DatasetFixture, public ::testing::WithParamInterface<int> {
 protected:
  int PageKb() const override { return GetParam(); }
};

TEST_P(DatasetTest, InspectAgreesWithInnochecksumOnEveryTablespace) {
  ExpectDatasetCoversFormats(*dataset_);
  TM_ASSERT_OK_AND_ASSIGN(InspectRun run, RunInspect({dataset_->server->datadir()}));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ExpectEveryTablespaceListed(run, dataset_->server->datadir());
  for (const json& space : run.spaces) {
    ExpectNoCorruption(space);
    ExpectSameSummary(space, GetParam(), scratch_.path());
  }
}

// A full_crc32 file, a classic crc32 file and (up to 16k pages) a ROW_FORMAT=COMPRESSED file.
TEST_P(DatasetTest, FlippedBytesAreReportedByBothTools) {
  std::printf("[tidemark] corruption seed %u (set TIDEMARK_TEST_SEED to change)\n", TestSeed());
  RecordProperty("seed", std::to_string(TestSeed()));
  std::vector<std::string> tables = {"t_dynamic", "t_classic"};
  if (GetParam() <= 16) tables.push_back(GetParam() == 4 ? "t_zip4" : "t_zip8");
  for (const std::string& table : tables) ExpectFlipsReported(*dataset_, table, scratch_.path());
}

INSTANTIATE_TEST_SUITE_P(PageSizes, DatasetTest, ::testing::Values(4, 16, 64),
                         [](const auto& info) { return absl::StrFormat("page%dk", info.param); });

// ------------------------------------------------------------------ a running server

// Updates, inserts and deletes rows on its own connection until stopped or destroyed.
class WriteLoad {
 public:
  explicit WriteLoad(std::unique_ptr<SqlConnection> conn)
      : conn_(std::move(conn)), thread_([this](std::stop_token stop) { Run(stop); }) {}
  // Returns the number of statement batches run.
  int64_t Stop() {
    thread_.request_stop();
    thread_.join();
    return statements_;
  }
  const absl::Status& status() const { return status_; }

 private:
  void Run(std::stop_token stop) {
    for (int64_t i = 0; !stop.stop_requested() && status_.ok(); ++i) {
      status_ = conn_->Query(
          absl::StrFormat("UPDATE d.live SET v = REPEAT(MD5(%1$d), 5) WHERE id %% 50 = %1$d %% 50;"
                          "INSERT INTO d.live (id, v) VALUES (10000 + %1$d, REPEAT('x', 300));"
                          "DELETE FROM d.live WHERE id = 10000 + %1$d - 20",
                          i));
      ++statements_;
    }
  }
  std::unique_ptr<SqlConnection> conn_;
  std::atomic<int64_t> statements_{0};
  absl::Status status_;
  std::jthread thread_;
};

TEST(InspectRunningServerTest, ReadsLiveFilesWithoutFalseCorruption) {
  TM_REQUIRE_MARIADB();
  TM_ASSERT_OK_AND_ASSIGN(auto server, TestServer::Start());
  absl::Status created = server->Query(
      "SET GLOBAL innodb_max_dirty_pages_pct=0; CREATE DATABASE d;"
      "CREATE TABLE d.live (id INT PRIMARY KEY, v TEXT, KEY (v(20)));"
      "INSERT INTO d.live SELECT seq, REPEAT(MD5(seq), 5) FROM d.seq_1_to_5000;"
      // Page 0 of a new .ibd reaches the disk only when the page cleaner gets to it; until
      // then the file starts with zeros (the server itself defers such files, fsp0file.cc).
      "FLUSH TABLES d.live FOR EXPORT; UNLOCK TABLES");
  ASSERT_TRUE(created.ok()) << created;
  TM_ASSERT_OK_AND_ASSIGN(auto conn, server->Connect());
  WriteLoad load(std::move(conn));
  for (int i = 0; i < 3; ++i) {
    TM_ASSERT_OK_AND_ASSIGN(InspectRun run, RunInspect({server->datadir()}));
    EXPECT_EQ(run.exit_code, 0) << run.err << run.out.substr(0, 2000);
    for (const json& space : run.spaces) {
      EXPECT_FALSE(space.contains("error")) << space.dump();
      EXPECT_THAT(IntList(space, "corrupt_pages"), IsEmpty()) << space.value("path", "");
    }
  }
  EXPECT_GT(load.Stop(), 0);
  EXPECT_TRUE(load.status().ok()) << load.status();
}

// ------------------------------------------------------------------ bad input

// tidemark must reject `path` with exit code 4 and a message naming `named`, in JSON and in
// text mode. A file gets its own JSON error line (docs/inspect-json.md); a directory without
// tablespaces has no file to put on a line, so only its message is required.
void ExpectRejected(const std::string& path, const std::string& named, bool json_line) {
  TM_ASSERT_OK_AND_ASSIGN(InspectRun run, RunInspect({path}));
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_THAT(run.out + run.err, ::testing::HasSubstr(named));
  for (const json& line : run.spaces) {
    EXPECT_FALSE(line.value("error", "").empty()) << line.dump();
    EXPECT_EQ(Canonical(line.value("path", "")), Canonical(path)) << line.dump();
  }
  if (json_line) {
    EXPECT_EQ(run.spaces.size(), 1u) << run.out << run.err;
  }
  TM_ASSERT_OK_AND_ASSIGN(InspectRun text, RunInspect({path}, /*as_json=*/false));
  EXPECT_EQ(text.exit_code, 4) << text.out << text.err;
  EXPECT_THAT(text.out + text.err, ::testing::HasSubstr(named));
}

TEST(InspectBadInputTest, FileThatIsNotATablespace) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string path = tmp.Join("notes.ibd");
  std::string text;
  while (text.size() < 65536) text += "this is a text file, not an InnoDB tablespace\n";
  std::ofstream(path) << text;
  ExpectRejected(path, path, /*json_line=*/true);
}

TEST(InspectBadInputTest, EmptyDirectory) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  ExpectRejected(tmp.path(), tmp.path(), /*json_line=*/false);
}

class TruncatedFileTest : public DatasetFixture {
 protected:
  int PageKb() const override { return 16; }
};

TEST_F(TruncatedFileTest, FileCutMidPageIsRejectedLikeInnochecksumDoes) {
  const std::string path = scratch_.Join("t_dynamic.ibd");
  fs::copy_file(dataset_->TablePath("t_dynamic"), path);
  fs::resize_file(path, 5 * 16384 + 16384 / 2);
  ExpectRejected(path, path, /*json_line=*/true);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult ic, RunCommand({"innochecksum", path}));
  EXPECT_NE(ic.exit_code, 0) << ic.Describe();
  EXPECT_THAT(ic.err, ::testing::HasSubstr("doesn't match page size"));
}

}  // namespace
}  // namespace tidemark::testing
