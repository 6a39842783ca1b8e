// Resolving the DDL markers a backup carries (INNODB_FORMATS.md §5.5; prepare_handle_del_files,
// prepare_handle_ren_files, rename_table_in_prepare and prepare_handle_new_files in
// extra/mariabackup/xtrabackup.cc, MariaDB 10.11), crash-safely:
//   db/t.del          -> db/t.ibd removed
//   db/a.ren ("db/b") -> db/a.ibd renamed to db/b.ibd (chains and swaps through temp names)
//   db/t.new          -> renamed to db/t.ibd, replacing it
// in that order, then the markers removed. The steps are planned first and the plan is
// written to `tidemark_prepare.ddl` atomically; each step done is recorded after it, so a
// prepare that was killed resumes the plan exactly where it stopped. docs/prepare.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/file_system.h"

namespace tidemark::engine {

inline constexpr std::string_view kPrepareDdlPlanName = "tidemark_prepare.ddl";

// One step; paths are relative to the backup directory, except a copy's source.
//   kRemove  from: the file removed
//   kRename  from -> to
//   kCopy    from (an absolute path, e.g. in an incremental backup) copied to `to`: written
//            as `to`.tidemark-tmp, synced, renamed over `to`
//   kCreate  from: a new file of `size` zero bytes (left alone when it exists)
struct DdlStep {
  enum class Kind { kRemove, kRename, kCopy, kCreate } kind = Kind::kRemove;
  std::string from;
  std::string to;
  uint64_t size = 0;
  bool operator==(const DdlStep&) const = default;
};

// Plans the steps for the markers found in `target_dir` (the root and one level of
// database directories). Errors, FailedPrecondition: a .ren marker whose source .ibd is
// missing, or whose destination exists and is not renamed away or removed by another marker
// (mariadb-backup stops there too); a .ren marker that names no table.
absl::StatusOr<std::vector<DdlStep>> PlanDdlMarkers(io::FileSystem& fs, std::string_view target_dir);

// "remove\tPATH\n" / "rename\tFROM\tTO\n" / "copy\tFROM\tTO\n" / "create\tPATH\tSIZE\n" lines,
// and the reverse. Errors: DataLoss naming
// the line.
std::string FormatDdlPlan(const std::vector<DdlStep>& steps);
absl::StatusOr<std::vector<DdlStep>> ParseDdlPlan(std::string_view text, size_t* done);

struct DdlResolution {
  size_t steps = 0;
  size_t markers = 0;
  bool resumed = false;  // an interrupted plan was finished
};

// Resumes an interrupted plan if `tidemark_prepare.ddl` exists, otherwise plans and runs
// the markers' steps. Each step is idempotent given the steps before it are done: a rename
// whose source is gone and whose destination exists, or a removal of a missing file, counts
// as done. Errors: PlanDdlMarkers' and the file system's, annotated.
absl::StatusOr<DdlResolution> ResolveDdlMarkers(io::FileSystem& fs, std::string_view target_dir);

// Runs one step (see DdlStep); idempotent. Errors: the file system's.
absl::Status RunDdlStep(io::FileSystem& fs, std::string_view target_dir, const DdlStep& step);

// Writes `steps` as the plan `tidemark_prepare.ddl` atomically and runs them, recording each
// one done; a kill leaves the plan for ResolveDdlMarkers to finish. Nothing is done for an
// empty list. Errors: the file system's, annotated with the step.
absl::Status RunDdlPlan(io::FileSystem& fs, std::string_view target_dir,
                        const std::vector<DdlStep>& steps);

}  // namespace tidemark::engine
