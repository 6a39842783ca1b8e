#!/usr/bin/env bash
# Times `tidemark inspect` against `innochecksum` and a plain read (cat to /dev/null) of the
# same files, on a >= 2 GB sysbench datadir, cold cache (dropped before each run, where the
# machine allows it) and warm, in one run. Prints MB/s, ratios and peak RSS.
#   bench/inspect_compare.sh [DATADIR]     (default: made by bench/make_sysbench_datadir.sh)
# Each row is the median of REPS runs (default 5).
# Goals (issue 2): inspect >= 80% of the plain read over the datadir (files in parallel),
# never slower than innochecksum on a single file, peak RSS <= 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
tidemark=${TIDEMARK:-build/tools/tidemark}
data=${1:-$(bench/make_sysbench_datadir.sh)}
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
par=$(nproc)
reps=${REPS:-5}
mapfile -t files < <(find "$data" -name '*.ibd' -o -name 'ibdata*' | sort)
big=$(ls -S "${files[@]}" | head -1)
total=$(du -cb "${files[@]}" | tail -1 | cut -f1)
bigsize=$(stat -c %s "$big")

can_drop=0
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then can_drop=1; fi
drop() { if ((can_drop)); then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
# Warm runs re-read everything first: default inspect drops what it read from the cache.
warm() { cat "${files[@]}" > /dev/null; }
prep() { if [ "$1" = cold ]; then drop; else warm; fi; }

# run CACHE NAME BYTES CMD...: runs CMD $reps times (cache prepared before each), prints the
# median seconds and MB/s and the largest peak RSS.
run() {
  local cache=$1 name=$2 bytes=$3; shift 3
  local times=() rss=0 t0 t1 r
  for ((i = 0; i < reps; i++)); do
    prep "$cache"
    t0=$(date +%s.%N)
    r=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v z="$t1" 'BEGIN { print z - a }')")
    ((r > rss)) && rss=$r
  done
  local med
  med=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  awk -v n="$name" -v b="$bytes" -v s="$med" -v r="$rss" -v all="${times[*]}" \
    'BEGIN { printf "%-36s %7.2f s %7.0f MB/s  rss %6.1f MiB  (runs: %s)\n", n, s, b / s / 1e6, r / 1024, all }'
}

echo "datadir $data: ${#files[@]} tablespaces, $((total / 1048576)) MiB; largest $big $((bigsize / 1048576)) MiB"
echo "parallel $par; page cache drop: $([ $can_drop = 1 ] && echo yes || echo 'not allowed here (cold = warm)')"
for cache in cold warm; do
  echo "--- $cache cache"
  run $cache "cat, files in parallel" "$total" \
    sh -c "printf '%s\n' \"\$@\" | xargs -P $par -n 1 cat > /dev/null" _ "${files[@]}"
  run $cache "tidemark inspect (datadir)" "$total" \
    "$tidemark" inspect --parallel "$par" "$data"
  run $cache "tidemark inspect --direct" "$total" \
    "$tidemark" inspect --direct --parallel "$par" "$data"
  run $cache "cat (largest file)" "$bigsize" cat "$big"
  run $cache "tidemark inspect (largest file)" "$bigsize" "$tidemark" inspect "$big"
  run $cache "tidemark inspect --keep-cache (largest)" "$bigsize" \
    "$tidemark" inspect --keep-cache "$big"
  run $cache "innochecksum (largest file)" "$bigsize" innochecksum "$big"
  run $cache "innochecksum -S (largest file)" "$bigsize" innochecksum -S "$big"
done
