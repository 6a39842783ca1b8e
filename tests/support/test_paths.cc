// Compile-time locations handed in by tests/CMakeLists.txt, with a TIDEMARK_SHARED_DIR
// override for the shared fixtures.
#include "tests/support/test_paths.h"

#include <cstdlib>
#include <filesystem>

namespace tidemark::testing {

std::string SourceDir() { return TIDEMARK_SOURCE_DIR; }

std::string SharedFixturesDir() {
  if (const char* env = std::getenv("TIDEMARK_SHARED_DIR")) {
    return std::string(env) + "/fixtures";
  }
  std::filesystem::path p = std::filesystem::path(TIDEMARK_SOURCE_DIR).parent_path() / "shared" /
                            "fixtures";
  return std::filesystem::exists(p) ? p.string() : "";
}

std::string TidemarkBinary() { return TIDEMARK_BINARY; }

}  // namespace tidemark::testing
