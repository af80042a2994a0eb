#!/usr/bin/env bash
# The NAS evaluation protocol (issue 17): FedNAS search -> derived network at evaluation size trained
# from scratch with FedAvg on all 60,000 images -> against a MACs-matched CNN and random architectures
# of the same space, 10 clients, Dirichlet 0.5, seeds 42/7/1234. In process on the federation engine.
#   bench/search-protocol.sh [OUT] [-Dsetting=value ...]     (settings: SearchProtocol.Settings)
# Writes OUT/runs.csv, tuning.csv, inherited.csv, settings.txt, then OUT/summary.md and
# OUT/accuracy-vs-cost.svg (bench/search_protocol.py). Default OUT: bench/results/search-protocol.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/search-protocol}
shift || true
export DJL_OFFLINE=true OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE
if [[ -z "${SKIP_BUILD:-}" ]]; then
  mvn -B -o -q install -DskipTests -pl search-core -am
  mvn -B -o -q -pl search-core test-compile
fi
mvn -B -o -q -pl search-core dependency:build-classpath -Dmdep.outputFile="$PWD/target/search-protocol-cp.txt"
# A copy of the classes, so rebuilding the tree while the protocol runs cannot change what it runs.
classes=$(mktemp -d)
cp -r search-core/target/classes search-core/target/test-classes "$classes"/
java "$@" -cp "$classes/test-classes:$classes/classes:$(cat target/search-protocol-cp.txt)" \
  io.fedarch.core.bench.SearchProtocol "$out"
python3 bench/search_protocol.py "$out"
