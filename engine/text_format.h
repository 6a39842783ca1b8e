// Small text formatters shared by the reports of every command.
#pragma once

#include <cstdint>
#include <string>

namespace tidemark::engine {

// "1.5 GiB", "512 B": binary units, one decimal above bytes.
std::string HumanBytes(uint64_t bytes);

}  // namespace tidemark::engine
