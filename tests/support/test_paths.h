// Paths the tests need: the source tree (for fixtures) and the built tidemark binary.
#pragma once

#include <string>

namespace tidemark::testing {

// Root of the repository checkout (contains fixtures/).
std::string SourceDir();
// The shared fixtures folder beside the checkout (../shared/fixtures), or "" if absent.
std::string SharedFixturesDir();
// Absolute path of the tidemark binary built with the tests.
std::string TidemarkBinary();

}  // namespace tidemark::testing
