// Prepare on a compressed or encrypted backup (docs/prepare.md "Compressed and encrypted
// backups"): before prepare reads anything, the files it reads or writes are decoded in
// place (encoded_file.h): InnoDB data files, the redo log, deltas and their .meta, DDL
// markers, backup-my.cnf and the xtrabackup_* metadata. Other files (.frm, Aria, MyISAM, ...)
// stay encoded for restore to decode. An encoded incremental is decoded into a private
// scratch copy, never in place.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/encoded_file.h"
#include "io/crypt_stage.h"
#include "io/file_system.h"

namespace tidemark::engine {

// True when prepare needs the file `decoded_rel` (a name without its encoding suffix,
// relative to the backup) plain: at the root ib_logfile0, backup-my.cnf, xtrabackup_*,
// ibdata*, undoNNN and the names in `system_files` (innodb_data_file_path); anywhere *.ibd,
// *.isl, *.new, *.ren, *.del, *.delta, *.meta.
bool PrepareNeedsPlain(std::string_view decoded_rel, const std::set<std::string>& system_files);

// Every encoded file (EncodingSuffix not empty) at the root of `dir` and in its first-level
// directories, in name order, each with its whole encoding to undo.
absl::StatusOr<std::vector<EncodedFile>> ListEncodedFiles(io::FileSystem& fs,
                                                          std::string_view dir);

// Decodes in place every encoded file of `dir` that PrepareNeedsPlain, `parallel` at once,
// each original removed once its decoded file is whole. First, without writing anything,
// reads backup-my.cnf (plain or encoded) for innodb_data_file_path and checks that `key` opens
// every encrypted file; so a missing or wrong key changes nothing. Errors: CheckKey's
// (FailedPrecondition for no key or a wrong key, naming the file); the first problem of
// DecodeFilesInPlace (DataLoss for damage, naming the file and chunk; the file system's for
// the target) — files decoded before it stay decoded, the rest stay encoded, and a rerun
// finishes. `on_start` (may be empty) is called with the number of files to decode once the
// checks passed, when there is at least one; `on_file` (may be empty) with each decoded
// file's stored name.
absl::StatusOr<DecodeFilesResult> DecodeForPrepare(
    io::FileSystem& fs, std::string_view dir, const io::CryptKey* key, int parallel,
    const std::function<void(size_t)>& on_start = {},
    const std::function<void(std::string_view)>& on_file = {});

// Makes `scratch` (which must not exist; its parent must) a plain copy of the backup `src`:
// every file (recursively) decoded when encoded, copied otherwise, with the directories.
// `src` is only read. Checks the key on every encrypted file before creating `scratch`.
// Errors: CheckKey's; DecodeToFile's first failure; the file system's. On error `scratch` may
// be left partly written: the caller removes it (RemoveTree of restore_test_job.h).
absl::StatusOr<DecodeFilesResult> DecodeCopy(io::FileSystem& fs, std::string_view src,
                                             std::string_view scratch, const io::CryptKey* key);

// True when `dir` (root and first-level directories) holds an encoded file.
absl::StatusOr<bool> HasEncodedFiles(io::FileSystem& fs, std::string_view dir);

}  // namespace tidemark::engine
