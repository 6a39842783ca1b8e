// The tidemark version and the name written into metadata files and reports.
#pragma once

#include <string_view>

namespace tidemark::engine {

// "tidemark 0.1.0": the producer string recorded in manifests and printed by --version.
std::string_view ProducerString();

}  // namespace tidemark::engine
