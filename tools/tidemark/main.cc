// The tidemark binary: subcommands and xtrabackup-style flags map onto engine jobs.
#include <cstdio>

#include "engine/version.h"

int main() {
  std::printf("%.*s\n", static_cast<int>(tidemark::engine::ProducerString().size()),
              tidemark::engine::ProducerString().data());
  return 0;
}
