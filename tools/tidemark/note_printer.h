// How every long-running command prints the engine's notes on stderr: one JSON "note" event
// per line with --progress=json (docs/progress-json.md), else "tidemark: <note>" (after a
// newline that ends the live progress line, when there is one).
#pragma once

#include <cstdio>
#include <functional>
#include <string_view>

#include "engine/backup_report.h"

namespace tidemark::tools {

inline std::function<void(std::string_view)> NotePrinter(bool json, bool live) {
  return [json, live](std::string_view note) {
    if (json) {
      std::fprintf(stderr, "%s\n", engine::NoteJson(note).c_str());
    } else {
      std::fprintf(stderr, "%stidemark: %.*s\n", live ? "\n" : "", static_cast<int>(note.size()),
                   note.data());
    }
  };
}

}  // namespace tidemark::tools
