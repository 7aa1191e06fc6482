#!/usr/bin/env bash
# Runs the benchmark suite and writes async-benchmarks/results/latest.md.
#
#   async-benchmarks/run.sh [quick|full] [extra JMH arguments...]
#
#   quick  checking: 1 fork, 2 x 0.5 s warm-up, 5 x 0.3 s measurement per benchmark; under 3 minutes on 2 cores
#   full   publishing: 5 forks, 3 x 1 s warm-up, 3 x 1 s measurement per benchmark; about 35 minutes on 2 cores
#          (forks of the same code drift apart on a small VM: more, shorter forks average that out)
#
# Steps: builds the shaded JMH jar (./mvnw -B -q -pl async-benchmarks -am package -DskipTests), runs every JMH
# benchmark with -rf json, runs the queued-memory and 10,000-retries programs, then report.py turns the three
# JSON files into the markdown table (ratios ours/peer from this same run, errors, JDK, date, nproc).
# Extra arguments go to JMH, e.g. a benchmark regexp (RoundTrip) or a profiler (-prof gc); the report then
# shows "not run" for the rows left out.
set -euo pipefail

mode=${1:-quick}
if [ $# -gt 0 ]; then shift; fi
case "$mode" in
  quick)
    jmh_opts=(-f 1 -wi 2 -w 500ms -i 5 -r 300ms)
    mem_rounds=3
    proof_warmups=1
    proof_rounds=3
    ;;
  full)
    jmh_opts=(-f 5 -wi 3 -w 1s -i 3 -r 1s)
    mem_rounds=5
    proof_warmups=3
    proof_rounds=9
    ;;
  *)
    echo "usage: $0 [quick|full] [extra JMH arguments...]" >&2
    exit 2
    ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
results="$here/results"
jar="$here/target/benchmarks.jar"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$results"
cd "$root"

started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

echo "== building $jar"
./mvnw -B -q -pl async-benchmarks -am package -DskipTests

echo "== JMH ($mode: ${jmh_opts[*]} $*)"
"$java_bin" -jar "$jar" "${jmh_opts[@]}" -foe true -rf json -rff "$results/jmh.json" "$@" 2>&1 | tee "$results/jmh.log"

echo "== bytes retained per queued task"
"$java_bin" -XX:+UseParallelGC -Xms1g -Xmx1g -cp "$jar" io.atom.async.bench.QueuedMemory \
  --items 100000 --rounds "$mem_rounds" --out "$results/memory.json"

echo "== 10,000 concurrent retries"
"$java_bin" -cp "$jar" io.atom.async.bench.RetryProof \
  --ops 10000 --warmups "$proof_warmups" --rounds "$proof_rounds" --out "$results/proof.json"

load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
python3 "$here/report.py" \
  --mode "$mode" --jmh-opts "${jmh_opts[*]} $*" --extra-args "$*" --nproc "$(nproc)" \
  --load-start "$load_start" --load-end "$load_end" --seconds "$(( $(date +%s) - started ))" \
  --commit "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- 2>/dev/null || echo '+local changes')" \
  --jmh "$results/jmh.json" --memory "$results/memory.json" --proof "$results/proof.json" \
  --out "$results/latest.md"
echo "== wrote $results/latest.md in $(( $(date +%s) - started )) s"
