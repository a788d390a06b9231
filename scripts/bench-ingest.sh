#!/usr/bin/env bash
# Ingest benchmark: device statuses per second accepted through the Gateway (fully processed:
# key check, validation, device grain, worker grain, grid lookup, track queue), single and in
# batches of 50, beside a bare ASP.NET Core endpoint that only parses the same JSON, measured in the
# same run with the same client (wrk). Starts its own PostgreSQL, silo and gateway; prints a table.
#   DURATION=10 CONNECTIONS=64 DEVICES=2000 ROUNDS=3 bash scripts/bench-ingest.sh
# Single statuses are measured in ROUNDS alternating rounds (bare, gateway, bare, gateway, …): on this
# kind of machine one round of the same endpoint varies by a quarter from the next, so the ratio is
# taken from the medians; every round is printed.
# BENCH_TELEMETRY_AB=1 measures telemetry's cost instead: telemetry on (defaults) vs off, alternating rounds (docs/benchmarks.md).
# BENCH_COHOST=1 runs the gateway with its own silo (Gateway:HostSilo) instead of a silo process and a client gateway.
# BENCH_SECOND_SYSTEM="Name=value …" adds a second whole system (its own database on the same PostgreSQL, silo and gateway,
# its own devices) whose silo has those settings, measured in the same alternating rounds: silo-side ideas compared in one run.
# BENCH_FLOOR=1 adds the layout's floor to the same alternating rounds: the bare endpoint plus one Orleans grain call per
# status to a grain that only compares the seq (OpsCentre.Benchmarks floor-silo / floor-endpoint; with BENCH_COHOST=1 one
# process hosting its silo) — the least this design (one request and answer per status) does in the layout, so what is
# above it is OpsCentre's. BENCH_FLOOR=only measures the bare endpoint and the floor alone (no PostgreSQL, no system,
# synthetic device keys).
set -euo pipefail
if [ "${BENCH_FLOOR:-0}" = "only" ] && [ -n "${BENCH_SECOND_SYSTEM:-}${BENCH_COMPARE_ENV:-}" ]; then
  echo "BENCH_FLOOR=only starts no system: unset BENCH_SECOND_SYSTEM and BENCH_COMPARE_ENV" >&2; exit 2
fi
if [ "${BENCH_FLOOR:-0}" != "0" ] && [ "${BENCH_TELEMETRY_AB:-0}" = "1" ]; then
  echo "BENCH_TELEMETRY_AB measures telemetry only: unset BENCH_FLOOR" >&2; exit 2
fi
# The second system is a silo and a client gateway: beside a co-hosted first one it would compare two layouts, and its
# silo process would be counted as the first system's.
if [ -n "${BENCH_SECOND_SYSTEM:-}" ] && [ "${BENCH_COHOST:-0}" = "1" ]; then
  echo "BENCH_SECOND_SYSTEM compares the separate layout only; unset BENCH_COHOST" >&2; exit 2
fi
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/common.sh
require_dotnet
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
duration=${DURATION:-10}; connections=${CONNECTIONS:-64}; devices=${DEVICES:-2000}

. scripts/bench-common.sh
bench_prepare
floor_only=$([ "${BENCH_FLOOR:-0}" = "only" ] && echo 1 || echo 0)
if [ "$floor_only" = 1 ]; then gateway=""; silo_scrape=""; gateway_scrape=""; else bench_system_up; fi
bare="http://127.0.0.1:$(free_port)"
dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" bare-endpoint "$bare" >"$work/bare.out" 2>&1 & pids+=($!)
for _ in $(seq 1 60); do curl -fs "$bare/health/ready" >/dev/null 2>&1 && break; sleep 1; done

provision_devices() { # $1 gateway, $2 folder; writes $2/keys.lua
  echo "== provisioning and warming $devices devices (simulator) at $1"
  dotnet "$(bin tools/Simulator OpsCentre.Simulator)" --gateway "$1" --data "$2" --workers "$devices" --rate 0 --concurrency 32 \
    --duration 20 | tail -1
  { echo "return {"; cut -f3 "$2/devices.tsv" | sed 's/.*/  "&",/'; echo "}"; } >"$2/keys.lua"
}
if [ "$floor_only" = 1 ]; then
  # The floor checks no key: any device id will do.
  mkdir -p "$work/sim"; { echo "return {"; for i in $(seq 1 "$devices"); do echo "  \"dev-floor$i.unchecked\","; done; echo "}"; } >"$work/sim/keys.lua"
else
  provision_devices "$gateway" "$work/sim"
fi
keys_file="$work/sim/keys.lua"
if [ -n "$silo_scrape" ]; then silo_match="--Telemetry:ScrapeUrl=$silo_scrape"; else silo_match=OpsCentre.Silo.dll; fi

second=""
if [ -n "${BENCH_SECOND_SYSTEM:-}" ]; then
  echo "== a second system: database bench2, silo with $BENCH_SECOND_SYSTEM, gateway"
  OPSCENTRE_ADMIN_CONNECTION=$(scripts/postgres.sh url "$work/pg") OPSCENTRE_OWNER_PASSWORD=bench-owner OPSCENTRE_APP_PASSWORD=bench-app \
    dotnet "$(bin tools/Migrator OpsCentre.Migrator)" provision bench2 >/dev/null
  second_db="Host=127.0.0.1;Port=$(cat "$work/pg/port");Database=bench2;Username=bench2_app;Password=bench-app"
  ConnectionStrings__OpsCentre="$second_db" OPSCENTRE_DEMO=on dotnet "$(bin tools/CityGen OpsCentre.CityGen)" ensure "${BENCH_CITY_SIZE:-city}" "$work/city" | tail -1
  second="http://127.0.0.1:$(free_port)"; second_scrape="http://127.0.0.1:$(free_port)/"; second_silo_scrape="http://127.0.0.1:$(free_port)/"
  env ConnectionStrings__OpsCentre="$second_db" ${BENCH_SYSTEM_ENV:-} ${BENCH_SILO_ENV:-} ${BENCH_SECOND_SYSTEM} dotnet "$(bin src/Silo OpsCentre.Silo)" \
    --Orleans:SiloPort="$(free_port)" --Orleans:GatewayPort="$(free_port)" --Telemetry:ScrapeUrl="$second_silo_scrape" >"$work/silo2.out" 2>&1 & pids+=($!)
  env ConnectionStrings__OpsCentre="$second_db" ${BENCH_SYSTEM_ENV:-} dotnet "$(bin src/Gateway OpsCentre.Gateway)" --urls "$second" \
    --Telemetry:ScrapeUrl="$second_scrape" >"$work/gateway2.out" 2>&1 & pids+=($!)
  for _ in $(seq 1 90); do curl -fs "$second/health/ready" >/dev/null 2>&1 && break; sleep 1; done
  provision_devices "$second" "$work/sim2"
fi
floor=""
if [ "${BENCH_FLOOR:-0}" != "0" ]; then
  floor="http://127.0.0.1:$(free_port)"; floor_gateway_port=$(free_port); floor_silo_port=$(free_port)
  # Each like the process it stands for: the endpoint with server GC (the gateway is a web project), the silo with the
  # default; BENCH_SYSTEM_ENV and BENCH_SILO_ENV reach them as they reach the system's.
  if [ "${BENCH_COHOST:-0}" = "1" ]; then
    echo "== the floor: one process, bare endpoint + its own silo, one grain call per status"
    floor_silo_match="floor-silo none"
    env DOTNET_gcServer=1 ${BENCH_SYSTEM_ENV:-} dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" floor-endpoint "$floor" "$floor_gateway_port" \
      cohost "$floor_silo_port" >"$work/floor.out" 2>&1 & pids+=($!)
  else
    echo "== the floor: a silo process and a client endpoint, one grain call per status"
    floor_silo_match="floor-silo $floor_silo_port"
    env ${BENCH_SYSTEM_ENV:-} ${BENCH_SILO_ENV:-} dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" floor-silo "$floor_silo_port" "$floor_gateway_port" \
      >"$work/floor-silo.out" 2>&1 & pids+=($!)
    # The floor's client tries the silo once: start it when the silo's gateway port answers.
    for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$floor_gateway_port") 2>/dev/null && break; sleep 1; done
    env DOTNET_gcServer=1 ${BENCH_SYSTEM_ENV:-} dotnet "$(bin tools/Benchmarks OpsCentre.Benchmarks)" floor-endpoint "$floor" "$floor_gateway_port" \
      >"$work/floor.out" 2>&1 & pids+=($!)
  fi
  for _ in $(seq 1 60); do curl -fs "$floor/health/ready" >/dev/null 2>&1 && break; sleep 1; done
  curl -fs "$floor/health/ready" >/dev/null 2>&1 || { echo "the floor did not start:" >&2; cat "$work"/floor*.out >&2; exit 1; }
fi
# Let the warm-up's roll-ups settle, so they do not take the cores from the first measurement.
[ "$floor_only" = 1 ] || sleep "${SETTLE:-20}"

pg_user=$(bench_pg_user)
silo_label=silo; gateway_label=gateway
run() { # $1 label, $2 url, $3 batch
  local out before_s before_g before_p before_b
  # A warm-up round first (JIT tiering, pools), not counted; every round sends newer seqs than the last.
  KEYS_FILE="$keys_file" BATCH=$3 THREADS=2 SEQ_BASE=$(date +%s%3N) wrk -t2 -c"$connections" -d"${WARMUP:-5}s" -s tools/Benchmarks/wrk/status.lua "$2" >/dev/null
  local gateway_match=${5:-OpsCentre.Gateway.dll}
  before_s=$(cpu_of -f -- "$silo_match"); before_g=$(cpu_of -f -- "$gateway_match"); before_p=$(cpu_of -u "$pg_user" postgres)
  before_b=$(cpu_of -f "OpsCentre.Benchmarks.dll bare-endpoint")
  local before_as before_ag before_ws before_wg before_wp
  before_as=$(allocated_of "$silo_scrape"); before_ag=$(allocated_of "${4:-}")
  before_ws=$(switches_of -f -- "$silo_match"); before_wg=$(switches_of -f "${5:-}"); before_wp=$(switches_of -u "$pg_user" postgres)
  out=$(KEYS_FILE="$keys_file" BATCH=$3 THREADS=2 SEQ_BASE=$(date +%s%3N) wrk -t2 -c"$connections" -d"${duration}s" -s tools/Benchmarks/wrk/status.lua "$2")
  local rps; rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}'); last_rps=$rps
  local errors; errors=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  local p50; p50=$(echo "$out" | awk '/Latency/ {print $2}')
  local skipped; skipped=$(echo "$out" | awk '/not applied:/ {print $3}')
  printf '%-44s %12.0f requests/s %12.0f statuses/s   latency avg %-8s non-2xx %s, not applied %s\n' "$1" "$rps" "$(echo "$rps * $3" | bc)" "$p50" "${errors:-0}" "${skipped:-?}"
  # Where the two cores went: CPU time per request of each process (clock ticks are 1/100 s).
  local requests; requests=$(echo "$rps * $duration" | bc)
  printf '    CPU per request: bare endpoint %s µs, %s %s µs, %s %s µs, PostgreSQL %s µs\n' \
    "$(echo "($(cpu_of -f "OpsCentre.Benchmarks.dll bare-endpoint") - $before_b) * 10000 / $requests" | bc)" \
    "$silo_label" "$(echo "($(cpu_of -f -- "$silo_match") - $before_s) * 10000 / $requests" | bc)" \
    "$gateway_label" "$(echo "($(cpu_of -f -- "$gateway_match") - $before_g) * 10000 / $requests" | bc)" \
    "$(echo "($(cpu_of -u "$pg_user" postgres) - $before_p) * 10000 / $requests" | bc)"
  if [ -n "${4:-}" ]; then
    # What else each status costs: bytes allocated (the .NET runtime's own count) and context switches (wake-ups).
    printf '    per request: allocated silo %s B, gateway %s B; context switches silo %s, gateway %s, PostgreSQL %s\n' \
      "$(echo "($(allocated_of "$silo_scrape") - $before_as) / $requests" | bc)" "$(echo "($(allocated_of "${4:-}") - $before_ag) / $requests" | bc)" \
      "$(echo "scale=2; ($(switches_of -f -- "$silo_match") - $before_ws) / $requests" | bc)" "$(echo "scale=2; ($(switches_of -f "${5:-}") - $before_wg) / $requests" | bc)" \
      "$(echo "scale=2; ($(switches_of -u "$pg_user" postgres) - $before_wp) / $requests" | bc)"
  fi
}
command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null 2>&1 || true; }

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
if [ "${BENCH_TELEMETRY_AB:-0}" = "1" ]; then
  # Telemetry's cost: a second gateway on the same silo with Telemetry:Enabled=false, in alternating rounds with the
  # first (telemetry at its defaults: metrics on, traces sampled 1 %, no OTLP). The silo keeps its defaults for both;
  # BENCH_SYSTEM_ENV="Telemetry__Enabled=false" in a run of its own turns it off there too.
  untraced="http://127.0.0.1:$(free_port)"
  env ${BENCH_SYSTEM_ENV:-} Telemetry__Enabled=false dotnet "$(bin src/Gateway OpsCentre.Gateway)" --urls "$untraced" >"$work/gateway-off.out" 2>&1 & pids+=($!)
  for _ in $(seq 1 90); do curl -fs "$untraced/health/ready" >/dev/null 2>&1 && break; sleep 1; done
  echo "== results (wrk, 2 threads, $connections connections, ${duration}s each, $(nproc) cores): telemetry on vs off"
  on_rates=(); off_rates=()
  for round in $(seq 1 "${ROUNDS:-3}"); do
    run "gateway, telemetry on (defaults), single ($round)" "$gateway" 1; on_rates+=("$last_rps")
    run "gateway, telemetry off, single ($round)" "$untraced" 1; off_rates+=("$last_rps")
  done
  on_median=$(median "${on_rates[@]}"); off_median=$(median "${off_rates[@]}")
  printf '== single statuses, medians of %s alternating rounds: telemetry on %.0f/s, off %.0f/s: on costs %.1f %% (target: at most 5 %%)\n' \
    "${ROUNDS:-3}" "$on_median" "$off_median" "$(echo "(1 - $on_median / $off_median) * 100" | bc -l)"
  run "gateway, telemetry on (defaults), batches of 50" "$gateway" 50
  run "gateway, telemetry off, batches of 50" "$untraced" 50
  exit 0
fi

# BENCH_COMPARE_ENV="Name=value …" adds a second gateway on the same silo with those settings, measured in the same
# alternating rounds (bare, gateway, second gateway), e.g. BENCH_COMPARE_ENV="Devices__GatherStatuses=false".
compare=""
if [ -n "${BENCH_COMPARE_ENV:-}" ]; then
  compare="http://127.0.0.1:$(free_port)"; compare_scrape="http://127.0.0.1:$(free_port)/"
  env ${BENCH_SYSTEM_ENV:-} ${BENCH_COMPARE_ENV} dotnet "$(bin src/Gateway OpsCentre.Gateway)" --urls "$compare" --Telemetry:ScrapeUrl="$compare_scrape" >"$work/gateway-compare.out" 2>&1 & pids+=($!)
  for _ in $(seq 1 90); do curl -fs "$compare/health/ready" >/dev/null 2>&1 && break; sleep 1; done
fi

echo "== results (wrk, 2 threads, $connections connections, ${duration}s each, $(nproc) cores)"
bare_rates=(); gateway_rates=(); compare_rates=(); second_rates=(); floor_rates=()
# Runs "$@" with the second system's silo, devices and scraper as the ones measured.
as_second_system() {
  local keys=$keys_file match=$silo_match scrape=$silo_scrape
  keys_file="$work/sim2/keys.lua"; silo_match="--Telemetry:ScrapeUrl=$second_silo_scrape"; silo_scrape=$second_silo_scrape
  "$@"
  keys_file=$keys; silo_match=$match; silo_scrape=$scrape
}
for round in $(seq 1 "${ROUNDS:-3}"); do
  run "bare endpoint, single status (round $round)" "$bare" 1; bare_rates+=("$last_rps")
  if [ -n "$gateway" ]; then
    run "gateway, single status, fully processed ($round)" "$gateway" 1 "$gateway_scrape" "OpsCentre.Gateway.dll --urls $gateway"; gateway_rates+=("$last_rps")
  fi
  if [ -n "$compare" ]; then
    run "gateway with $BENCH_COMPARE_ENV, single ($round)" "$compare" 1 "$compare_scrape" "OpsCentre.Gateway.dll --urls $compare"; compare_rates+=("$last_rps")
  fi
  if [ -n "$second" ]; then
    as_second_system run "second system (silo with $BENCH_SECOND_SYSTEM), single ($round)" "$second" 1 "$second_scrape" "OpsCentre.Gateway.dll --urls $second"
    second_rates+=("$last_rps")
  fi
  if [ -n "$floor" ]; then
    # The system's write-behind (Devices:PersistEvery, 10 s) still lands after its round: let it pass first.
    [ "$floor_only" = 1 ] || sleep "${FLOOR_SETTLE:-12}"
    # The floor's processes stand in the silo and gateway columns.
    silo_match_kept=$silo_match; silo_match="OpsCentre.Benchmarks.dll $floor_silo_match"; silo_label="floor silo"; gateway_label="floor endpoint"
    run "floor: one grain call per status ($round)" "$floor" 1 "" "OpsCentre.Benchmarks.dll floor-endpoint $floor"; floor_rates+=("$last_rps")
    silo_match=$silo_match_kept; silo_label=silo; gateway_label=gateway
  fi
done
bare_median=$(median "${bare_rates[@]}")
layout=$([ "${BENCH_COHOST:-0}" = "1" ] && echo "gateway hosting its silo" || echo "silo + client gateway")
if [ "$floor_only" = 1 ]; then
  layout=$([ "${BENCH_COHOST:-0}" = "1" ] && echo "one process hosting its silo" || echo "a silo process and a client endpoint")
  floor_median=$(median "${floor_rates[@]}")
  printf '== single statuses, medians of %s alternating rounds: bare %.0f/s, the floor (%s, one grain call per status, nothing else) %.0f/s = %.0f %% of bare\n' \
    "${ROUNDS:-3}" "$bare_median" "$layout" "$floor_median" "$(echo "$floor_median * 100 / $bare_median" | bc -l)"
  exit 0
fi
gateway_median=$(median "${gateway_rates[@]}")
printf '== single statuses (%s), medians of %s alternating rounds: bare %.0f/s, gateway %.0f/s = %.0f %% of bare (target: at least 50 %%)\n' \
  "$layout" "${ROUNDS:-3}" "$bare_median" "$gateway_median" "$(echo "$gateway_median * 100 / $bare_median" | bc -l)"
if [ -n "$compare" ]; then
  compare_median=$(median "${compare_rates[@]}")
  printf '== the same, gateway with %s: %.0f/s = %.0f %% of bare\n' "$BENCH_COMPARE_ENV" "$compare_median" "$(echo "$compare_median * 100 / $bare_median" | bc -l)"
fi
if [ -n "$second" ]; then
  second_median=$(median "${second_rates[@]}")
  printf '== the same, second system (silo with %s): %.0f/s = %.0f %% of bare\n' "$BENCH_SECOND_SYSTEM" "$second_median" "$(echo "$second_median * 100 / $bare_median" | bc -l)"
fi
if [ -n "$floor" ]; then
  floor_median=$(median "${floor_rates[@]}")
  printf '== the floor (%s, one grain call per status, nothing else): %.0f/s = %.0f %% of bare; the gateway reaches %.0f %% of its floor\n' \
    "$layout" "$floor_median" "$(echo "$floor_median * 100 / $bare_median" | bc -l)" "$(echo "$gateway_median * 100 / $floor_median" | bc -l)"
fi
run "bare endpoint, batches of 50" "$bare" 50
run "gateway, batches of 50 (fully processed)" "$gateway" 50 "$gateway_scrape" "OpsCentre.Gateway.dll --urls $gateway"
if [ -n "$second" ]; then
  as_second_system run "second system (silo with $BENCH_SECOND_SYSTEM), batches of 50" "$second" 50 "$second_scrape" "OpsCentre.Gateway.dll --urls $second"
fi
