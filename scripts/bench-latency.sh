#!/usr/bin/env bash
# End-to-end latency benchmark: device status POST → alert.raised received by a wall screen (the
# official .NET SignalR client), at a constant arrival rate of alerts, under background status load
# from the city simulator. Starts its own PostgreSQL (fsync on), silo and gateway; prints the
# percentiles (HdrHistogram, measured from each probe's scheduled send time) and the background rate
# the simulator actually sustained.
#   BACKGROUND=2500 ALERTS=20 DURATION=30 bash scripts/bench-latency.sh
# BENCH_COHOST=1 runs the gateway with its own silo (Gateway:HostSilo) instead of a silo process and a client gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/common.sh
require_dotnet
background=${BACKGROUND:-2500}; alerts=${ALERTS:-20}; duration=${DURATION:-30}

. scripts/bench-common.sh
bench_prepare
bench_system_up

echo "== provisioning the simulator's devices"
dotnet "$(bin tools/Simulator OpsCentre.Simulator)" --gateway "$gateway" --data "$work/sim" --user city.admin --password demo-password \
  --rate 200 --duration 15 | tail -1
sleep "${SETTLE:-10}"

echo "== background: the simulator at $background statuses/s (0: none); measuring $alerts alerts/s for ${duration}s"
background_pid=""
if [ "$background" != "0" ]; then
  dotnet "$(bin tools/Simulator OpsCentre.Simulator)" --gateway "$gateway" --data "$work/sim" --user city.admin --password demo-password \
    --rate "$background" --concurrency 64 --duration $((duration + 90)) >"$work/background.out" 2>&1 & background_pid=$!; pids+=($background_pid)
  sleep 10
fi
status=0
dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" latency "$gateway" "$alerts" "$duration" demo-password || status=$?
if [ -n "$background_pid" ]; then
  # Its last line gives the average rate of the time it ran: a simulator that died early would make an
  # unloaded measurement look like a loaded one.
  if ! kill -0 "$background_pid" 2>/dev/null; then
    echo "!! the simulator stopped before the measurement ended: the figures above are NOT under the asked load"
    tail -n 20 "$work/background.out"
    status=1
  fi
  kill -INT "$background_pid" 2>/dev/null || true
  sleep 2
  echo "background load actually sustained (simulator's last report):"
  grep "sent\|done" "$work/background.out" | tail -1
fi
exit $status
