// Status helpers shared by every layer.
#include "innodb/base/status.h"

#include "absl/strings/str_format.h"

namespace tidemark {

absl::Status Annotate(const absl::Status& s, std::string_view prefix) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrFormat("%s: %s", prefix, std::string(s.message())));
}

}  // namespace tidemark
