#!/usr/bin/env bash
# 综合查询 benchmark: the demo city with the benchmark's registries (OPSCENTRE_REGISTRY_SCALE=bench: 1,000,000 residents,
# 300,000 dwellings, 100,000 organisations over the city's grids), then searches through the HTTP endpoint as the demo
# street operator, one at a time; prints p50/p95/p99 per kind of search and overall. Starts its own PostgreSQL (fsync on),
# silo and gateway.
#   REQUESTS=1000 bash scripts/bench-registries.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/common.sh
require_dotnet
requests=${REQUESTS:-1000}

. scripts/bench-common.sh
bench_prepare
export OPSCENTRE_REGISTRY_SCALE=${OPSCENTRE_REGISTRY_SCALE:-bench}
start=$(date +%s)
bench_system_up
echo "== system up with its registries in $(( $(date +%s) - start )) s"
dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" registry-search "$gateway" "$requests" demo-password
