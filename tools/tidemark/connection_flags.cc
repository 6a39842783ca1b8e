// Connection flags (see header).
#include "tools/tidemark/connection_flags.h"

#include "absl/strings/ascii.h"
#include "io/posix_file_system.h"

namespace tidemark::tools {

void AddConnectionOptions(CLI::App* cmd, ConnectionFlags& f, const std::string& socket_help) {
  cmd->add_option("--socket,-S", f.socket, socket_help);
  cmd->add_option("--host,-H", f.host, "server host");
  cmd->add_option("--port,-P", f.port, "server port")->check(CLI::Range(0, 65535));
  cmd->add_option("--user,-u", f.user, "user");
  cmd->add_option("--password-file", f.password_file, "file holding the password");
  cmd->add_option("--defaults-file", f.defaults_file, "option file ([client] group)");
}

absl::StatusOr<engine::ConnectionOptions> ConnectionFrom(const ConnectionFlags& f) {
  engine::ConnectionOptions c;
  c.socket = f.socket;
  c.host = f.host;
  c.port = static_cast<uint16_t>(f.port);
  c.user = f.user;
  c.defaults_file = f.defaults_file;
  if (!f.password_file.empty()) {
    auto fs = io::NewPosixFileSystem();
    auto text = io::ReadFileToString(*fs, f.password_file);
    if (!text.ok()) return text.status();
    c.password = std::string(absl::StripTrailingAsciiWhitespace(*text));
  }
  return c;  // no password: Connector/C reads the option file, then MYSQL_PWD
}

}  // namespace tidemark::tools
