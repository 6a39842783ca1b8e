// Renders inspect results: the JSON object of docs/inspect-json.md and a text form for
// people, per tablespace; and the decoded single page of `inspect --page N`.
#pragma once

#include <string>

#include "engine/inspect.h"
#include "nlohmann/json_fwd.hpp"

namespace tidemark::engine {

// The JSON object for one tablespace (docs/inspect-json.md). A report whose status is not
// OK carries "error" and "code" beside whatever was read.
nlohmann::ordered_json TablespaceReportJson(const TablespaceReport& report);

// Several lines of text for one tablespace, ending in a newline.
std::string TablespaceReportText(const TablespaceReport& report);

}  // namespace tidemark::engine
