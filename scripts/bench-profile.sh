#!/usr/bin/env bash
# Where the CPU of a status goes: the ingest benchmark's system (its own PostgreSQL, silo + client gateway) under wrk's
# single statuses, with `perf record` on the silo and the gateway for DURATION seconds (JIT'd frames named through the
# runtime's perf maps). Prints each process's share by assembly and its heaviest frames, inclusive; the raw profiles stay
# in PROFILE_DIR (default /tmp/opscentre-profile) for `perf report -i`. Diagnostic only: perf costs a few per cent.
#   DURATION=15 bash scripts/bench-profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/common.sh
require_dotnet
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v perf >/dev/null || { echo "perf is needed (linux-perf)" >&2; exit 1; }
duration=${DURATION:-15}; devices=${DEVICES:-2000}; out=${PROFILE_DIR:-/tmp/opscentre-profile}
mkdir -p "$out"
# Perf maps name the JIT's code; with W^X on, the code runs from a double mapping the maps do not cover.
export BENCH_SYSTEM_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 ${BENCH_SYSTEM_ENV:-}"
. scripts/bench-common.sh
bench_prepare
bench_system_up
dotnet "$(bin tools/Simulator OpsCentre.Simulator)" --gateway "$gateway" --data "$work/sim" --workers "$devices" --rate 0 --concurrency 32 --duration 20 | tail -1
{ echo "return {"; cut -f3 "$work/sim/devices.tsv" | sed 's/.*/  "&",/'; echo "}"; } >"$work/keys.lua"
sleep "${SETTLE:-15}"
status() { KEYS_FILE="$work/keys.lua" BATCH=1 THREADS=2 SEQ_BASE=$(date +%s%3N) wrk -t2 -c64 -d"$1s" -s tools/Benchmarks/wrk/status.lua "$gateway"; }
status 10 | grep Requests/sec | sed 's/^/warm-up: /'
silo=$(pgrep -f OpsCentre.Silo.dll | head -1); gw=$(pgrep -f "OpsCentre.Gateway.dll --urls" | head -1)
status $((duration + 4)) >"$work/wrk.out" & load=$!
sleep 2
perf record -F 999 -g -p "$silo" -o "$out/silo.data" -- sleep "$duration" 2>/dev/null & rec=$!
perf record -F 999 -g -p "$gw" -o "$out/gateway.data" -- sleep "$duration" 2>/dev/null || true
wait "$rec" || true; wait "$load" || true
grep Requests/sec "$work/wrk.out" | sed 's/^/profiled: /'
for process in silo gateway; do
  echo "== $process: share of its CPU samples by assembly (self), then the heaviest frames (inclusive)"
  perf report -i "$out/$process.data" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' | python3 -c '
import collections, re, sys
share = collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(.*)", line)
    if not m:
        continue
    name = m.group(3)
    # A JIT frame names its method as "[Assembly] Namespace.Type::Method"; the assembly just before the last "::" is its own.
    owner = re.findall(r"\[([A-Za-z][\w.]*)\] [\w.`+<>]+::", name)
    key = "kernel" if m.group(2) == "k" else owner[-1] if owner else "native (runtime, libc, unresolved)"
    share[key] += float(m.group(1))
for key, value in share.most_common(14):
    print(f"  {value:5.1f} %  {key}")'
  perf report -i "$out/$process.data" --children --sort symbol --stdio -g none 2>/dev/null | grep '%' | grep -E 'OpsCentre|Orleans.Runtime.Messaging|OpenTelemetry|HostingApplicationDiagnostics|Kestrel.Core.Internal.Http.HttpProtocol\+<ProcessRequests>' \
    | awk -v n="${FRAMES:-20}" 'NR <= n' | sed -E 's/ +/ /g; s/\[OptimizedTier1\]//; s/ - - *$//' | cut -c1-200 | sed 's/^/  /'
done
