// innodb_data_file_path: the files of the system tablespace, in order, as
// "name:size[K|M|G|T][newraw|raw][:autoextend[:max:size]][;name:size...]"
// (SysTablespace::parse_params in fsp0sysspace.cc). The names are relative to
// innodb_data_home_dir (or the datadir) unless absolute.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tidemark::engine {

struct DataFileSpec {
  std::string name;         // as written, e.g. "ibdata1" or "/disk2/sys2"
  uint64_t size_bytes = 0;  // declared size (the last file may be larger with autoextend)
  bool autoextend = false;
  uint64_t max_bytes = 0;   // 0: no maximum
  bool raw = false;         // a raw partition ("newraw"/"raw"): not supported by a backup
};

// Parses the setting. Errors: InvalidArgument naming the part that is wrong (no size, a bad
// unit, autoextend anywhere but on the last file, an empty name).
absl::StatusOr<std::vector<DataFileSpec>> ParseDataFilePath(std::string_view setting);

}  // namespace tidemark::engine
