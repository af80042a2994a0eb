#!/usr/bin/env bash
# The aggregation scale benchmark (issue 19): a real broker and the packaged coordinator, one FedAvg job of
# 1,000 clients, 100 per round, a ~1 M-parameter CNN (cnn hidden 630), this script's JVM playing every worker
# with a synthetic answer; once with every update buffered until the round closes (as before issue 19) and once
# folded into running sums. Writes OUT/rounds.csv and OUT/run.txt (the log, CPU, load average).
#   bench/aggregation-scale.sh [OUT] [-Drounds=3 -Dmodes=buffered,folded,folded-joint -Dhidden=630 ...]
# (folded-joint: folded, with the round's close committed together with the next round's tasks, as before they were split)
# Default OUT: bench/results/aggregation-scale. Builds the coordinator and this harness (package, no install) unless SKIP_BUILD is set.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/aggregation-scale}
shift || true
export DJL_OFFLINE=true OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE
if [[ -z "${SKIP_BUILD:-}" ]]; then
  # One reactor run, so every module's classpath names the jars it just built (never ~/.m2's copies).
  mvn -B -o -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt -pl coordinator-service,system-tests -am
fi
cp="system-tests/target/test-classes:$(cat system-tests/target/test-classpath.txt)"
mkdir -p "$out"
{
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') x $(nproc)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/run.txt"
java -Xmx3g "$@" -Dfedarch.home="$PWD" -cp "$cp" \
  io.fedarch.cli.AggregationScaleBench "$out" 2>&1 | grep -v DEBUG | tee -a "$out/run.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/run.txt"
