#!/usr/bin/env bash
# The round time breakdown before and after issue 19's overhead cuts, one run after the other on one
# build: first with task balancing and the worker warm-up off (as before), then with both on.
#   bench/overhead-ab.sh examples/fedavg-fmnist.yaml RUNS_DIR
#   bench/overhead-ab.sh bench/jobs/overhead/fednas-search-2rounds.yaml RUNS_DIR
# Writes RUNS_DIR/{off,on}/ (rounds.csv with the breakdown columns, result.json with
# platformOverheadShare) and RUNS_DIR/load.txt (load average at each start and end: compare the two
# runs only when the machine was equally busy).
set -euo pipefail
job=$1; runs=$2
cd "$(dirname "$0")/.."
mkdir -p "$runs"
for variant in off on; do
  if [ "$variant" = off ]; then
    export FEDARCH_COORDINATOR_BALANCE_TASKS=false FEDARCH_WORKER_WARM_UP=false
  else
    unset FEDARCH_COORDINATOR_BALANCE_TASKS FEDARCH_WORKER_WARM_UP
  fi
  echo "$variant start $(uptime)" >> "$runs/load.txt"
  ./fedarch run "$job" --run-dir "$runs/$variant" > "$runs/$variant.log" 2>&1
  echo "$variant end $(uptime)" >> "$runs/load.txt"
done
