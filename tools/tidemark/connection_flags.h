// The server connection flags shared by the commands that talk to a running server (`backup`,
// `redo-follow`): --socket, --host, --port, --user, --password-file, --defaults-file. The
// password never comes from the command line: --password-file, the option file, or MYSQL_PWD.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "engine/sql_session.h"

namespace tidemark::tools {

struct ConnectionFlags {
  std::string socket, host, user, password_file, defaults_file;
  int port = 0;
  // True when any of socket, host, port or defaults file was given.
  bool any() const { return !socket.empty() || !host.empty() || port != 0 || !defaults_file.empty(); }
};

// Adds the six options to `cmd`; `socket_help` describes --socket.
void AddConnectionOptions(CLI::App* cmd, ConnectionFlags& f,
                          const std::string& socket_help = "server socket");

// The engine's connection options, the password read from --password-file (trailing
// whitespace stripped). Errors: the file's, e.g. NotFound.
absl::StatusOr<engine::ConnectionOptions> ConnectionFrom(const ConnectionFlags& f);

}  // namespace tidemark::tools
