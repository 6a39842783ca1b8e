// `inspect --page N`: one page read from a tablespace and decoded for a person: FIL header
// and trailer, stored and computed checksums of every scheme, the verdict, and the INDEX,
// FSP, XDES, INODE or UNDO fields that apply; optionally a hex dump.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/page_verdict.h"
#include "io/file_system.h"
#include "nlohmann/json_fwd.hpp"

namespace tidemark::engine {

struct PageDump {
  std::string path;
  uint32_t page_no = 0;
  innodb::FspHeader header;     // of page 0: it decides size and checksum scheme
  innodb::SpaceContext context;
  std::vector<uint8_t> bytes;   // one physical page
  innodb::PageVerdict verdict = innodb::PageVerdict::kOk;
};

// Reads page `page_no` of the single-file tablespace at `path`. Errors: OutOfRange
// "inspect 'PATH': no page N (the file has M pages)"; those of opening the tablespace.
absl::StatusOr<PageDump> ReadPageDump(io::FileSystem& fs, const std::string& path,
                                      uint32_t page_no);

// Text for a person, ending in a newline; with `hex`, followed by a hex dump.
std::string PageDumpText(const PageDump& dump, bool hex);
// The same fields as JSON (no hex dump).
nlohmann::ordered_json PageDumpJson(const PageDump& dump);

}  // namespace tidemark::engine
