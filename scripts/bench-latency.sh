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
command -v bc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null; }
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
# Where the two cores go while the probes are measured: CPU time of each process over the measured phase.
pg_user=$(bench_pg_user)
processes=("silo:-f OpsCentre.Silo.dll" "gateway:-f OpsCentre.Gateway.dll" "PostgreSQL:-u $pg_user postgres" "simulator:-f OpsCentre.Simulator.dll")
snapshot() {
  local entry; for entry in "${processes[@]}"; do cpu_of ${entry#*:}; done
  for entry in "${processes[@]:0:3}"; do switches_of ${entry#*:}; done
  allocated_of "$silo_scrape"; allocated_of "$gateway_scrape"
}
dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" latency "$gateway" "$alerts" "$duration" demo-password >"$work/latency.out" 2>&1 & probe_pid=$!
until grep -q "^measuring" "$work/latency.out" 2>/dev/null || ! kill -0 "$probe_pid" 2>/dev/null; do sleep 0.2; done
started=$(date +%s.%N); mapfile -t before < <(snapshot)
wait "$probe_pid" || status=$?
elapsed=$(echo "$(date +%s.%N) - $started" | bc); mapfile -t after < <(snapshot)
cat "$work/latency.out"
line="cores busy while measured (${elapsed%.*} s):"
for i in "${!processes[@]}"; do
  line+=$(printf ' %s %.2f,' "${processes[$i]%%:*}" "$(echo "(${after[$i]} - ${before[$i]}) / 100 / $elapsed" | bc -l)")
done
printf '%s of %s cores\n' "${line%,}" "$(nproc)"
if [ "$background" != "0" ]; then
  printf 'CPU per background status: silo %.0f µs, gateway %.0f µs, PostgreSQL %.0f µs, simulator %.0f µs\n' \
    "$(echo "(${after[0]} - ${before[0]}) * 10000 / $elapsed / $background" | bc -l)" "$(echo "(${after[1]} - ${before[1]}) * 10000 / $elapsed / $background" | bc -l)" \
    "$(echo "(${after[2]} - ${before[2]}) * 10000 / $elapsed / $background" | bc -l)" "$(echo "(${after[3]} - ${before[3]}) * 10000 / $elapsed / $background" | bc -l)"
  per_status() { echo "(${after[$1]} - ${before[$1]}) / $elapsed / $background" | bc -l; }
  printf 'per background status: context switches silo %.2f, gateway %.2f, PostgreSQL %.2f; allocated silo %.0f B, gateway %.0f B\n' \
    "$(per_status 4)" "$(per_status 5)" "$(per_status 6)" "$(per_status 7)" "$(per_status 8)"
fi
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
