# Shared by the benchmark scripts: a private PostgreSQL with the schema and the demo city, one silo
# and one gateway, all in the folder $work (made by the caller); everything started is killed on exit.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"; }

# The benchmark's own build and folder (set as $work; removed with everything started, on exit).
bench_prepare() {
  dotnet build OpsCentre.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
  work=$(mktemp -d /tmp/opscentre-bench.XXXXXX); chmod 755 "$work"
  trap cleanup EXIT
}

# Starts PostgreSQL (fsync on: durable means durable), the schema, the demo city (BENCH_CITY_SIZE, default city) with its accounts, a silo
# and a gateway (with BENCH_COHOST=1: one gateway hosting its own silo); sets $gateway to the gateway's
# URL once it is ready. BENCH_SYSTEM_ENV adds environment variables to the silo and gateway only (not
# the load generators), for diagnosis, e.g. BENCH_SYSTEM_ENV="DOTNET_gcServer=0"; BENCH_SILO_ENV to the silo process only.
bench_system_up() {
  echo "== PostgreSQL, schema, demo city"
  OPSCENTRE_PG_FAST=${BENCH_PG_FAST:-0} scripts/postgres.sh start "$work/pg" "$(free_port)" >/dev/null
  OPSCENTRE_ADMIN_CONNECTION=$(scripts/postgres.sh url "$work/pg") OPSCENTRE_OWNER_PASSWORD=bench-owner OPSCENTRE_APP_PASSWORD=bench-app \
    dotnet "$(bin tools/Migrator OpsCentre.Migrator)" provision bench >/dev/null
  export ConnectionStrings__OpsCentre="Host=127.0.0.1;Port=$(cat "$work/pg/port");Database=bench;Username=bench_app;Password=bench-app"
  export Auth__SigningKey; Auth__SigningKey=$(head -c 32 /dev/urandom | base64)
  export Registries__PersonalDataKey; Registries__PersonalDataKey=$(head -c 32 /dev/urandom | base64)
  # Per-request log lines would measure the console, not the system.
  export Logging__Directory="$work/logs" Serilog__MinimumLevel__Default=Warning
  install_city_data
  OPSCENTRE_DEMO=on dotnet "$(bin tools/CityGen OpsCentre.CityGen)" ensure "${BENCH_CITY_SIZE:-city}" "$work/city" | tail -2

  echo "== silo, gateway"
  gateway="http://127.0.0.1:$(free_port)"
  # Each process also answers a local Prometheus scraper (Telemetry:ScrapeUrl), where the benchmarks read its allocations.
  gateway_scrape="http://127.0.0.1:$(free_port)/"; silo_scrape=""
  if [ "${BENCH_COHOST:-0}" = "1" ]; then
    env ${BENCH_SYSTEM_ENV:-} dotnet "$(bin src/Gateway OpsCentre.Gateway)" --urls "$gateway" --Gateway:HostSilo=true --Orleans:SiloPort="$(free_port)" --Orleans:GatewayPort="$(free_port)" \
      --Telemetry:ScrapeUrl="$gateway_scrape" >"$work/gateway.out" 2>&1 & pids+=($!)
  else
    silo_scrape="http://127.0.0.1:$(free_port)/"
    env ${BENCH_SYSTEM_ENV:-} ${BENCH_SILO_ENV:-} dotnet "$(bin src/Silo OpsCentre.Silo)" --Orleans:SiloPort="$(free_port)" --Orleans:GatewayPort="$(free_port)" \
      --Telemetry:ScrapeUrl="$silo_scrape" >"$work/silo.out" 2>&1 & pids+=($!)
    env ${BENCH_SYSTEM_ENV:-} dotnet "$(bin src/Gateway OpsCentre.Gateway)" --urls "$gateway" --Telemetry:ScrapeUrl="$gateway_scrape" >"$work/gateway.out" 2>&1 & pids+=($!)
  fi
  for _ in $(seq 1 90); do curl -fs "$gateway/health/ready" >/dev/null 2>&1 && break; sleep 1; done
}

# CPU time (user + system, in clock ticks of 1/100 s) used so far by every process whose command line matches (pgrep's arguments).
cpu_of() { local t=0 p; for p in $(pgrep "$@"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
# PostgreSQL's backends do not name their data folder; they run as the server's own user.
bench_pg_user() { stat -c %U "$work/pg/data" 2>/dev/null || id -un; }
# Context switches so far (voluntary and not, every thread) of every process whose command line matches: how often it was
# woken or taken off a core.
switches_of() { local t=0 p; for p in $(pgrep "$@"); do t=$((t + $(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'))); done; echo "$t"; }
# Bytes the .NET process answering the scraper at $1 has allocated so far (0 without one).
allocated_of() { [ -n "$1" ] || { echo 0; return; }; curl -fs "${1}metrics" | sed 's/{[^}]*}//' | awk '$1 == "dotnet_gc_heap_total_allocated_bytes_total" {s += $2} END {printf "%.0f\n", s}'; }
