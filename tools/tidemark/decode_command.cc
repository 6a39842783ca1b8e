// `tidemark decompress` / `tidemark decrypt`: flags -> engine::DecodeDir -> one line per bad
// file and an exit code (docs/exit-codes.md): 7 when an output could not be written, else 4
// when an input could not be used (wrong key, unreadable), else 3 when data is damaged.
#include "tools/tidemark/decode_command.h"

#include <cstdio>
#include <optional>

#include "absl/strings/str_format.h"
#include "engine/decode_dir.h"
#include "io/crypt_stage.h"
#include "io/posix_file_system.h"
#include "tools/tidemark/exit_codes.h"

namespace tidemark::tools {
namespace {

void AddCommonFlags(CLI::App* cmd, DecodeFlags& f) {
  cmd->add_option("--target-dir", f.target_dir, "the backup directory")->required();
  cmd->add_option("--parallel", f.parallel, "files decoded at once")->check(CLI::Range(1, 256));
  cmd->add_flag("--remove-original", f.remove_original,
                "remove each encoded file once its decoded file is whole");
  cmd->add_flag("--verbose", f.verbose, "name each file decoded");
}

int ExitCodeFor(const engine::DecodeDirResult& r) {
  int code = kExitOk;
  for (const engine::DecodeProblem& p : r.problems) {
    code = MoreSevere(code, p.failure == engine::DecodeFailure::kTarget     ? kExitTarget
                            : p.failure == engine::DecodeFailure::kBadInput ? kExitBadInput
                                                                            : kExitCorruptPages);
  }
  return code;
}

int Run(const char* verb, const DecodeFlags& f, engine::DecodeKind kind, const io::CryptKey* key) {
  auto fs = io::NewPosixFileSystem();
  engine::DecodeDirOptions o{.dir = f.target_dir,
                             .kind = kind,
                             .parallel = f.parallel,
                             .remove_original = f.remove_original,
                             .key = key,
                             .and_decompress = f.decompress};
  std::function<void(std::string_view)> on_file;
  if (f.verbose) {
    on_file = [](std::string_view p) {
      std::fprintf(stderr, "tidemark: %.*s\n", static_cast<int>(p.size()), p.data());
    };
  }
  auto r = engine::DecodeDir(*fs, o, on_file);
  if (!r.ok()) {
    std::fprintf(stderr, "tidemark: %s failed: %s\n", verb,
                 std::string(r.status().message()).c_str());
    return r.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitBadInput;
  }
  for (const engine::DecodeProblem& p : r->problems) {
    std::fprintf(stderr, "tidemark: %s\n", std::string(p.status.message()).c_str());
  }
  std::fprintf(stderr, "tidemark: %s: %zu files, %.1f MiB -> %.1f MiB; %zu failed\n", verb,
               r->files, r->bytes_in / 1048576.0, r->bytes_out / 1048576.0, r->problems.size());
  return ExitCodeFor(*r);
}

}  // namespace

CLI::App* AddDecompressCommand(CLI::App& app, DecodeFlags& f) {
  CLI::App* cmd = app.add_subcommand("decompress", "Turn every x.zst in a backup into x");
  AddCommonFlags(cmd, f);
  return cmd;
}

CLI::App* AddDecryptCommand(CLI::App& app, DecodeFlags& f) {
  CLI::App* cmd = app.add_subcommand("decrypt", "Turn every x.tmenc in a backup into x");
  AddCommonFlags(cmd, f);
  AddKeyOptions(cmd, f.key);
  cmd->add_flag("--decompress", f.decompress,
                "also decompress, in the same pass: x.zst.tmenc and x.zst become x");
  return cmd;
}

int RunDecompressCommand(const DecodeFlags& f) {
  return Run("decompress", f, engine::DecodeKind::kDecompress, nullptr);
}

int RunDecryptCommand(const DecodeFlags& f) {
  absl::StatusOr<io::CryptKey> key = LoadKey(f.key);
  if (!key.ok()) {
    std::fprintf(stderr, "tidemark: decrypt failed: %s\n",
                 std::string(key.status().message()).c_str());
    return KeyErrorExitCode(f.key);
  }
  return Run("decrypt", f, engine::DecodeKind::kDecrypt, &*key);
}

}  // namespace tidemark::tools
