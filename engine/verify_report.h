// How a verify result is shown: one line per problem and a summary line (text), or one JSON
// object (docs/verify.md). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "engine/verify.h"
#include "nlohmann/json_fwd.hpp"

namespace tidemark::engine {

// "hash: db/t.frm: xxh3-128 ..., the manifest says ..." or
// "page: db/t.ibd page 3: checksum_mismatch": kind, file (or the backup directory for ""),
// the page when there is one, then the detail. No newline.
std::string VerifyProblemLine(const VerifyProblem& problem);

// "verify 'DIR': 3 problems (hash 1, page 1, size 1); checked 12 files, 4 tablespaces,
// 0 deltas, 2048 pages, the redo log" or "verify 'DIR': ok; checked ...", with "12 files
// (11 decoded)" for an encoded backup. No newline.
std::string VerifySummaryLine(std::string_view target_dir, const VerifyResult& result);

// Every problem line, then each note ("note: ..."), then the summary line, each ending with
// a newline.
std::string VerifyReportText(std::string_view target_dir, const VerifyResult& result);

// {"target_dir", "ok", "backup_type", "prepared", "to_lsn", "last_lsn", "checked": {..., "decoded"},
//  "counts": {"page": 1, ...}, "notes": [...], "problems": [{"kind", "file", "page"?, "lsn"?,
//  "detail"}]}.
nlohmann::ordered_json VerifyReportJson(std::string_view target_dir, const VerifyResult& result);

}  // namespace tidemark::engine
