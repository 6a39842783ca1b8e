// `tidemark extract`: flags -> engine::ExtractXbstream -> a summary and an exit code.
#include "tools/tidemark/extract_command.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/xbstream_extract.h"
#include "io/byte_stream.h"
#include "io/posix_file_system.h"
#include "tools/tidemark/exit_codes.h"
#include "tools/tidemark/key_flags.h"

namespace tidemark::tools {

namespace {

int ExitCodeFor(const absl::Status& s) {
  switch (engine::GetXbstreamErrorKind(s)) {
    case engine::XbstreamErrorKind::kCorrupt:
      return kExitCorruptPages;
    case engine::XbstreamErrorKind::kInput:
      return kExitBadInput;
    case engine::XbstreamErrorKind::kTarget:
      return kExitTarget;
    case engine::XbstreamErrorKind::kOther:
      break;
  }
  return kExitInternal;
}

int Fail(const absl::Status& s, int code) {
  std::fprintf(stderr, "tidemark: extract failed: %s\n", std::string(s.message()).c_str());
  return code;
}

}  // namespace

CLI::App* AddExtractCommand(CLI::App& app, ExtractFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "extract", "Unpack an xbstream (mariadb-backup --stream=xbstream) like mbstream -x");
  cmd->add_option("FILE", f.file, "the stream (default: stdin)");
  cmd->add_option("-C,--directory", f.directory, "extract into this directory (created)");
  cmd->add_option("--parallel", f.parallel, "files written at once")->check(CLI::Range(1, 64));
  cmd->add_flag("--no-sync", f.no_sync, "do not sync the extracted files to disk at the end");
  cmd->add_flag("--decompress", f.decompress, "decompress x.zst into x while extracting");
  cmd->add_option("--decrypt", f.decrypt,
                  "decrypt x.tmenc into x while extracting (AES256; the key from "
                  "--encrypt-key-file or $" + std::string(kEncryptKeyEnv) + ")")
      ->expected(0, 1);
  AddKeyOptions(cmd, f.key);
  return cmd;
}

int RunExtractCommand(const ExtractFlags& f) {
  auto fs = io::NewPosixFileSystem();
  std::unique_ptr<io::ByteSource> in;
  if (f.file.empty() || f.file == "-") {
    if (isatty(STDIN_FILENO)) {
      std::fprintf(stderr, "tidemark: extract: stdin is a terminal; pipe a stream in or name a "
                           "FILE\n");
      return kExitUsage;
    }
    in = io::NewFdSource(STDIN_FILENO, "stdin");
  } else {
    auto file = fs->OpenForRead(f.file);
    if (!file.ok()) return Fail(file.status(), kExitBadInput);
    in = io::NewFileSource(std::move(*file));
  }
  engine::ExtractOptions o{.parallel = f.parallel, .sync = !f.no_sync};
  std::optional<io::CryptKey> key;
  if (f.decrypt) {
    if (!f.decrypt->empty() && *f.decrypt != "AES256") {
      return Fail(absl::InvalidArgumentError(absl::StrFormat(
                      "--decrypt=%s: only AES256 (tidemark's AES-256-GCM files)", *f.decrypt)),
                  kExitUsage);
    }
    absl::StatusOr<io::CryptKey> k = LoadKey(f.key);
    if (!k.ok()) {
      return Fail(k.status(), KeyErrorExitCode(f.key));
    }
    key = *k;
    o.decrypt_key = &*key;
  } else if (KeyGiven(f.key) && !f.key.key_file.empty()) {
    return Fail(absl::InvalidArgumentError("--encrypt-key-file needs --decrypt"), kExitUsage);
  }
  o.decompress = f.decompress;
  absl::StatusOr<engine::ExtractSummary> r = engine::ExtractXbstream(*in, *fs, f.directory, o);
  if (!r.ok()) return Fail(r.status(), ExitCodeFor(r.status()));
  std::fprintf(stderr, "tidemark: extract complete: %llu files, %llu bytes into '%s'\n",
               static_cast<unsigned long long>(r->files),
               static_cast<unsigned long long>(r->bytes), f.directory.c_str());
  return kExitOk;
}

}  // namespace tidemark::tools
