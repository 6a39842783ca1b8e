// The exit codes of the tidemark binary: stable, documented in docs/exit-codes.md.
#pragma once

namespace tidemark::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;       // a bug, or an error with no better code
inline constexpr int kExitUsage = 2;          // bad command line
inline constexpr int kExitCorruptPages = 3;   // inspect: corrupt pages in use were found
inline constexpr int kExitBadInput = 4;       // an input could not be read or is not what it should be
inline constexpr int kExitRedoOverrun = 5;    // backup: the server overwrote redo not yet copied
inline constexpr int kExitServer = 6;         // backup: connection, privileges, server version
inline constexpr int kExitTarget = 7;         // backup: the target cannot be written (disk full, ...)

// The code to exit with when problems of both codes were found, for commands that report
// every problem (verify, decompress, decrypt): 7 over 4 over 3 over 0.
constexpr int MoreSevere(int code, int next) {
  auto rank = [](int c) {
    return c == kExitTarget ? 3 : c == kExitBadInput ? 2 : c == kExitOk ? 0 : 1;
  };
  return rank(next) > rank(code) ? next : code;
}

}  // namespace tidemark::tools
