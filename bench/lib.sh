# Shared by the comparison scripts (source it after `set -euo pipefail` and `cd` to the repo):
# the throwaway server on the benchmark dataset, page-cache dropping, and the tools they time.

# bench_tools: installs /usr/bin/time (and zstd when asked) if missing.
bench_tools() {
  command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
  for tool in "$@"; do command -v "$tool" >/dev/null || apt-get install -y -qq "$tool" >/dev/null; done
}

# start_server DATADIR WORK: mariadbd on DATADIR with its socket at WORK/sock (pid in
# $server_pid, log in WORK/server.log); returns once it answers, exits 1 if it never does.
start_server() {
  local data=$1 work=$2
  mariadbd --no-defaults --user="$(id -un)" --datadir="$data" --socket="$work/sock" \
    --skip-networking --innodb-buffer-pool-size=512M --innodb-log-file-size=512M \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 120); do
    mariadb --no-defaults --socket="$work/sock" -uroot -e 'select 1' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the server did not start:"; tail -20 "$work/server.log"; exit 1
}

# stop_server: stops the server start_server started (for an EXIT trap).
stop_server() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  return 0
}

# drop: drops the page cache before a timed run where the machine allows it ($can_drop says).
can_drop=0; if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then can_drop=1; fi
drop() { if ((can_drop)); then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
