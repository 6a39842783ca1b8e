// Version string; kept in one place so reports and metadata agree.
#include "engine/version.h"

namespace tidemark::engine {

std::string_view ProducerString() { return "tidemark 0.1.0"; }

}  // namespace tidemark::engine
