#!/usr/bin/env bash
# Installs what tidemark needs from Debian 12 packages (when missing) and builds it into
# ./build. Idempotent; run as root (or with sudo) on a fresh machine.
#   scripts/setup.sh            install + build everything (tidemark, tests, benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config ccache
  libabsl-dev liburing-dev libzstd-dev libssl-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  default-libmysqlclient-dev
  mariadb-server mariadb-client mariadb-backup sysbench
  zstd
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  # The packaged MariaDB must not start a system service: tests run their own servers.
  $SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
echo "setup: built build/tools/tidemark"
