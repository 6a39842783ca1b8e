#include "engine/data_file_path.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace tidemark::engine {
namespace {

// "12M" -> bytes. A bare number is megabytes, as the server reads it.
bool ParseSize(std::string_view text, uint64_t& out) {
  if (text.empty()) return false;
  uint64_t unit = uint64_t{1} << 20;
  switch (text.back()) {
    case 'K': case 'k': unit = uint64_t{1} << 10; text.remove_suffix(1); break;
    case 'M': case 'm': unit = uint64_t{1} << 20; text.remove_suffix(1); break;
    case 'G': case 'g': unit = uint64_t{1} << 30; text.remove_suffix(1); break;
    case 'T': case 't': unit = uint64_t{1} << 40; text.remove_suffix(1); break;
    default: break;
  }
  uint64_t n = 0;
  if (text.empty() || !absl::SimpleAtoi(std::string(text), &n)) return false;
  out = n * unit;
  return true;
}

absl::Status Bad(std::string_view part, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrFormat("innodb_data_file_path: '%s': %s", part, why));
}

}  // namespace

absl::StatusOr<std::vector<DataFileSpec>> ParseDataFilePath(std::string_view setting) {
  std::vector<DataFileSpec> files;
  if (setting.empty()) return Bad(setting, "empty");
  while (true) {
    const size_t end = setting.find(';');
    const std::string_view part = setting.substr(0, end);
    // name:size[raw][:autoextend[:max:size]] — the name is everything before the first ':'.
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos) return Bad(part, "no size");
    DataFileSpec f{.name = std::string(part.substr(0, colon))};
    if (f.name.empty()) return Bad(part, "no file name");
    std::string_view rest = part.substr(colon + 1);
    std::string_view size = rest.substr(0, rest.find(':'));
    rest.remove_prefix(std::min(rest.size(), size.size() + 1));
    if (size.ends_with("newraw")) {
      f.raw = true;
      size.remove_suffix(6);
    } else if (size.ends_with("raw")) {
      f.raw = true;
      size.remove_suffix(3);
    }
    if (!ParseSize(size, f.size_bytes)) return Bad(part, "size is not a number with K/M/G/T");
    if (!rest.empty()) {
      if (!rest.starts_with("autoextend")) return Bad(part, "expected autoextend after the size");
      f.autoextend = true;
      rest.remove_prefix(10);
      if (rest.starts_with(":max:")) {
        if (!ParseSize(rest.substr(5), f.max_bytes)) return Bad(part, "bad max size");
      } else if (!rest.empty()) {
        return Bad(part, "unexpected text after autoextend");
      }
    }
    files.push_back(std::move(f));
    if (end == std::string_view::npos) break;
    setting.remove_prefix(end + 1);
    if (files.back().autoextend) return Bad(part, "only the last file may autoextend");
  }
  return files;
}

}  // namespace tidemark::engine
