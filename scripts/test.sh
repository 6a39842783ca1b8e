#!/usr/bin/env bash
# Runs the whole test suite: installs and builds when needed (scripts/setup.sh), then the
# unit tests and the integration tests against real MariaDB 10.11 servers, through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 1500 "$@"
