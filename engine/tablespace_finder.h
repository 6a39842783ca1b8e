// Finds the InnoDB tablespaces under the paths a user names: a tablespace file, a datadir,
// or a backup directory. A datadir yields its system tablespace (ibdata1, ibdata2, ... as
// one multi-file tablespace), undo tablespaces, root-level .ibd files (MySQL's mysql.ibd,
// general tablespaces) and every db/*.ibd (DATA DIRECTORY tablespaces through their .isl).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "io/file_system.h"

namespace tidemark::engine {

enum class TablespaceKind { kSystem, kUndo, kFilePerTable, kOther };

struct TablespaceTarget {
  std::string path;                // how it is shown: the first file
  std::vector<std::string> files;  // the files in page order (several for ibdata1, ibdata2...)
  TablespaceKind kind = TablespaceKind::kOther;
  // Problem found while locating it (e.g. an .isl naming a missing file); reported per
  // tablespace rather than failing the whole search.
  absl::Status status;
};

// Returns the tablespaces under each path, in the order: system, undo, root files, then
// database directories by name. Errors: NotFound when a path does not exist;
// NotFound "no tablespace found in 'DIR'" for a directory without any.
absl::StatusOr<std::vector<TablespaceTarget>> FindTablespaces(io::FileSystem& fs,
                                                              const std::vector<std::string>& paths);

// Kind of a single file from its name ("ibdata1" -> system, "undo001"/"undo_001" -> undo).
TablespaceKind KindFromName(std::string_view file_name);

}  // namespace tidemark::engine
