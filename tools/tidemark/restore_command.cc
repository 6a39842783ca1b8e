// `tidemark restore`: flags -> engine::RunRestore -> a summary and an exit code
// (docs/exit-codes.md). The POSIX owner/mode setter (stat, chown, chmod) lives here: the
// engine decides who owns what, the tool performs it.
#include "tools/tidemark/restore_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "engine/restore_job.h"
#include "io/errno_status.h"
#include "io/posix_file_system.h"
#include "tools/tidemark/exit_codes.h"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

namespace {

class PosixPathAttributes final : public engine::PathAttributes {
 public:
  absl::StatusOr<engine::FileOwner> OwnerOf(std::string_view path) override {
    struct stat st;
    const std::string p(path);
    if (stat(p.c_str(), &st) != 0) return io::ErrnoStatus(errno, "stat", path);
    return engine::FileOwner{.uid = st.st_uid, .gid = st.st_gid};
  }
  absl::Status Apply(std::string_view path, const engine::FileOwner& owner,
                     uint32_t mode) override {
    const std::string p(path);
    // Only root may give files away; anyone else already owns what it creates.
    if (geteuid() == 0 && lchown(p.c_str(), owner.uid, owner.gid) != 0) {
      return io::ErrnoStatus(errno, "chown", path);
    }
    if (chmod(p.c_str(), mode) != 0) return io::ErrnoStatus(errno, "chmod", path);
    return absl::OkStatus();
  }
};

int ExitCodeFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return kExitBadInput;
    case absl::StatusCode::kDataLoss:  // a damaged compressed or encrypted file
      return kExitCorruptPages;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kPermissionDenied:
      return kExitTarget;
    default:
      return kExitInternal;
  }
}

}  // namespace

CLI::App* AddRestoreCommand(CLI::App& app, RestoreFlags& f) {
  CLI::App* cmd =
      app.add_subcommand("restore", "Copy (or move) a prepared backup into an empty datadir");
  cmd->add_option("--target-dir", f.target_dir, "the prepared backup")->required();
  cmd->add_option("--datadir", f.datadir, "empty or absent datadir to restore into")
      ->capture_default_str();
  cmd->add_flag("--move", f.move, "move the files instead of copying them (--move-back)");
  cmd->add_option("--parallel", f.parallel, "files copied at once")->check(CLI::Range(1, 256));
  cmd->add_option("--innodb-data-home-dir", f.data_home_dir, "where ibdata files go");
  cmd->add_option("--innodb-undo-directory", f.undo_dir, "where undo tablespaces go");
  cmd->add_option("--innodb-log-group-home-dir", f.log_dir, "where ib_logfile0 goes");
  cmd->add_flag("--no-sync", f.no_sync, "do not fdatasync restored files (unsafe)");
  cmd->add_flag("--verbose", f.verbose, "name each file restored");
  AddKeyOptions(cmd, f.key);
  return cmd;
}

int RunRestoreCommand(const RestoreFlags& f) {
  // Without a key source the engine names the first encrypted file, if there is one.
  absl::StatusOr<std::optional<io::CryptKey>> key = LoadKeyIfGiven(f.key);
  if (!key.ok()) {
    std::fprintf(stderr, "tidemark: restore failed: %s\n",
                 std::string(key.status().message()).c_str());
    return KeyErrorExitCode(f.key);
  }
  auto fs = io::NewPosixFileSystem();
  PosixPathAttributes attributes;
  engine::RestoreEnv env{.fs = *fs, .attributes = &attributes};
  if (f.verbose) {
    env.on_note = [](std::string_view note) {
      std::fprintf(stderr, "tidemark: %.*s\n", static_cast<int>(note.size()), note.data());
    };
  }
  engine::RestoreOptions o{.backup_dir = f.target_dir,
                           .datadir = f.datadir,
                           .move = f.move,
                           .parallel = f.parallel,
                           .sync = !f.no_sync,
                           .data_home_dir = f.data_home_dir,
                           .undo_dir = f.undo_dir,
                           .log_dir = f.log_dir,
                           .key = key->has_value() ? &**key : nullptr};
  auto r = engine::RunRestore(o, env);
  if (!r.ok()) {
    const int code = ExitCodeFor(r.status());
    std::fprintf(stderr, "tidemark: restore failed: %s\n",
                 std::string(r.status().message()).c_str());
    if (code == kExitTarget || code == kExitInternal || code == kExitCorruptPages) {
      std::fprintf(
          stderr, "tidemark: datadir '%s' is incomplete: empty it before restoring again%s\n",
          f.datadir.c_str(), f.move ? "; files already moved are no longer in the backup" : "");
    }
    return code;
  }
  const std::string decoded =
      r->decoded > 0 ? absl::StrFormat("%zu decompressed or decrypted; ", r->decoded) : "";
  std::fprintf(stderr,
               "tidemark: restore complete: %zu files, %.1f MiB %s into '%s' (%s%zu backup "
               "files left behind)\n",
               r->files, r->bytes / 1048576.0, f.move ? "moved" : "copied", f.datadir.c_str(),
               decoded.c_str(), r->skipped);
  return kExitOk;
}

}  // namespace tidemark::tools
