// The tidemark binary: tidemark's own subcommands (and, as they arrive, the
// xtrabackup-style flag set) parsed here and handed to one command runner each.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "engine/version.h"
#include "tools/tidemark/exit_codes.h"
#include "tools/tidemark/inspect_command.h"

int main(int argc, char** argv) {
  using namespace tidemark::tools;
  CLI::App app{"tidemark: physical backups of InnoDB (MariaDB 10.11, MySQL 8 read side)"};
  app.set_version_flag("--version", std::string(tidemark::engine::ProducerString()));
  app.require_subcommand(1);
  InspectFlags inspect;
  CLI::App* inspect_cmd = AddInspectCommand(app, inspect);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (inspect_cmd->parsed()) return RunInspect(inspect);
  return kExitUsage;
}
