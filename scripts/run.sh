#!/usr/bin/env bash
# Brings the whole system up locally: PostgreSQL (private, in .data/), the schema, one silo, one
# gateway serving the wall screen, and the city simulator. Ctrl+C stops everything it started.
#
# Settings (environment):
#   ConnectionStrings__OpsCentre       use this database (application role); nothing local is started, and no demo
#                                      data (city, accounts) is written to it unless OPSCENTRE_DEMO=on
#   ConnectionStrings__OpsCentreOwner  with the above: migrate as this owner role first (OPSCENTRE_APP_ROLE names the app role)
#   OPSCENTRE_HTTP_URL                 where the gateway listens (default http://127.0.0.1:5080)
#   OPSCENTRE_SILO_HEALTH_URL          where the silo answers /health/live and /health/ready (default http://127.0.0.1:5081/)
#   OPSCENTRE_PG_PORT                  port of the local PostgreSQL (default 5433)
#   OPSCENTRE_PG_DIR                   folder of the local PostgreSQL (default .data/postgres)
#   OPSCENTRE_DEMO                     on: seed the demo city and its accounts (default: on for the local PostgreSQL
#                                      this script provisions, off for a database given in ConnectionStrings__OpsCentre)
#   OPSCENTRE_DEMO_PASSWORD            the demo accounts' password when they are created (default demo-password)
#   OPSCENTRE_CITY_SIZE                the city loaded on first start: city (default, all of 成都市), central, large
#   OPSCENTRE_SIMULATOR                off: do not start the city simulator (default on)
#   OPSCENTRE_SIMULATOR_RATE           statuses per second the simulator sends (default 100)
#   OPSCENTRE_SIMULATOR_RESIDENTS      residents' Open311 reports per minute by day (default 1)
#   OPSCENTRE_SIMULATOR_SUPERVISION    seconds between two actions of each supervision workflow the simulator drives
#                                      (hand-overs, travel leave, officers, mediation, drills, paper, the responsibility list,
#                                      帮教, property companies, campaigns;
#                                      default 40, 0: off)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/common.sh
require_dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

http_url=${OPSCENTRE_HTTP_URL:-http://127.0.0.1:5080}
data="$root/.data"
mkdir -p "$data/logs"

echo "== build"
dotnet build OpsCentre.sln -c Release -nologo -v quiet -clp:ErrorsOnly
echo "== wall screen (npm ci, Vite build)"
build_dashboard
echo "== the city's division data (npm ci in tools/CityGen/divisions)"
install_city_data
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }

pg_dir=""
if [ -z "${ConnectionStrings__OpsCentre:-}" ]; then
  pg_dir=${OPSCENTRE_PG_DIR:-$data/postgres}
  if [ "$(id -u)" -eq 0 ] && [ -z "${OPSCENTRE_PG_DIR:-}" ] && ! others_can_reach "$data"; then
    # The server runs as an unprivileged user, who cannot enter this checkout; keep its files where it can.
    pg_dir="/var/tmp/opscentre-$(echo "$root" | md5sum | cut -c1-8)/postgres"
  fi
  echo "== PostgreSQL ($pg_dir)"
  scripts/postgres.sh start "$pg_dir" "${OPSCENTRE_PG_PORT:-5433}"
  [ -f "$data/secrets.env" ] || { umask 077; printf 'OWNER_PASSWORD=%s\nAPP_PASSWORD=%s\n' "$(new_secret)" "$(new_secret)" >"$data/secrets.env"; }
  . "$data/secrets.env"
  echo "== schema"
  OPSCENTRE_ADMIN_CONNECTION=$(scripts/postgres.sh url "$pg_dir") \
  OPSCENTRE_OWNER_PASSWORD=$OWNER_PASSWORD OPSCENTRE_APP_PASSWORD=$APP_PASSWORD \
    dotnet "$(bin tools/Migrator OpsCentre.Migrator)" provision opscentre
  export ConnectionStrings__OpsCentre="Host=127.0.0.1;Port=$(cat "$pg_dir/port");Database=opscentre;Username=opscentre_app;Password=$APP_PASSWORD"
  # The database this script made for the demo: the one place demo data goes without being asked for.
  export OPSCENTRE_DEMO=${OPSCENTRE_DEMO:-on}
elif [ -n "${ConnectionStrings__OpsCentreOwner:-}" ]; then
  echo "== schema"
  dotnet "$(bin tools/Migrator OpsCentre.Migrator)" migrate
fi

# The access-token signing key: from the environment, else generated once into the data folder.
if [ -z "${Auth__SigningKey:-}" ]; then
  [ -f "$data/signing.key" ] || { umask 077; head -c 32 /dev/urandom | base64 >"$data/signing.key"; }
  export Auth__SigningKey; Auth__SigningKey=$(cat "$data/signing.key")
fi

# The key of the registries' personal identifiers (Registries:PersonalDataKey): likewise, generated once. Losing it loses
# every encrypted ID number and phone of the registries, so a real deployment keeps it in its secret store.
if [ -z "${Registries__PersonalDataKey:-}" ]; then
  [ -f "$data/registries.key" ] || { umask 077; head -c 32 /dev/urandom | base64 >"$data/registries.key"; }
  export Registries__PersonalDataKey; Registries__PersonalDataKey=$(cat "$data/registries.key")
fi

if [ "${OPSCENTRE_DEMO:-off}" = "on" ]; then
  echo "== demo city and accounts (generated and imported on first start; later starts reuse them and create only missing accounts)"
  dotnet "$(bin tools/CityGen OpsCentre.CityGen)" ensure "${OPSCENTRE_CITY_SIZE:-city}" "$data/city-${OPSCENTRE_CITY_SIZE:-city}"
  # The demo may send webhooks to a receiver on this machine (docs/notifications.md); a deployment lists only its own hosts.
  if [ -z "${Notifications__AllowedHosts__0:-}" ]; then
    export Notifications__AllowedHosts__0=127.0.0.1 Notifications__AllowedHosts__1=localhost
  fi
else
  echo "== no demo data (OPSCENTRE_DEMO is not on; it is on by default only for the PostgreSQL this script provisions): no demo city, no demo accounts, no simulator"
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo; echo "== stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$pg_dir" ] && scripts/postgres.sh stop "$pg_dir"
  exit 0
}
trap stop_all INT TERM EXIT

export Logging__Directory="$data/logs"
# The Orleans Dashboard for the city administrators (off by default: it costs ingest; docs/http-edge.md).
export Orleans__Dashboard__Enabled=${Orleans__Dashboard__Enabled:-true}
echo "== silo (log: $data/logs/silo-*.log)"
Silo__HealthUrl=${OPSCENTRE_SILO_HEALTH_URL:-http://127.0.0.1:5081/} dotnet "$(bin src/Silo OpsCentre.Silo)" >"$data/logs/silo.out" 2>&1 & pids+=($!)
echo "== gateway on $http_url"
dotnet "$(bin src/Gateway OpsCentre.Gateway)" --urls "$http_url" --webroot "$root/src/Dashboard/dist" >"$data/logs/gateway.out" 2>&1 & pids+=($!)

for _ in $(seq 1 120); do
  if curl -fs "$http_url/health/ready" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a process exited during start-up; see $data/logs/*.out" >&2; tail -n 20 "$data"/logs/*.out >&2; exit 1; }; done
  sleep 1
done
curl -fs "$http_url/health/ready" >/dev/null || { echo "the system did not become ready; see $data/logs" >&2; exit 1; }

# The simulator drives the demo city's workers and signs in as its demo accounts.
if [ "${OPSCENTRE_SIMULATOR:-on}" != "off" ] && [ "${OPSCENTRE_DEMO:-off}" = "on" ]; then
  echo "== city simulator at ${OPSCENTRE_SIMULATOR_RATE:-100} statuses/s and ${OPSCENTRE_SIMULATOR_CASES:-6} cases/min, ${OPSCENTRE_SIMULATOR_RESIDENTS:-1} residents' reports/min, a supervision action every ${OPSCENTRE_SIMULATOR_SUPERVISION:-40} s per workflow (log: $data/logs/simulator.out; OPSCENTRE_SIMULATOR=off to skip)"
  dotnet "$(bin tools/Simulator OpsCentre.Simulator)" --gateway "$http_url" --data "$data/simulator" \
    --rate "${OPSCENTRE_SIMULATOR_RATE:-100}" --cases "${OPSCENTRE_SIMULATOR_CASES:-6}" --residents "${OPSCENTRE_SIMULATOR_RESIDENTS:-1}" \
    --supervision "${OPSCENTRE_SIMULATOR_SUPERVISION:-40}" \
    --persons "${OPSCENTRE_SIMULATOR_PERSONS:-300}" --city "$data/city-${OPSCENTRE_CITY_SIZE:-city}" >"$data/logs/simulator.out" 2>&1 & pids+=($!)
fi

cat <<MSG

OpsCentre is up.
  Wall screen (browser) : $http_url/   (sign in as jinjiang.operator / ${OPSCENTRE_DEMO_PASSWORD:-demo-password})
  API description       : $http_url/openapi/v1.json   (interactive: $http_url/docs/)
  Readiness             : $http_url/health/ready   (the silo's: ${OPSCENTRE_SILO_HEALTH_URL:-http://127.0.0.1:5081/}health/ready)
  Logs                  : $data/logs
  Sign in               : curl -s -X POST $http_url/api/v1/auth/token -H 'Content-Type: application/json' \\
                            -d '{"username":"jinjiang.operator","password":"${OPSCENTRE_DEMO_PASSWORD:-demo-password}"}'
Press Ctrl+C to stop.
MSG
wait -n "${pids[@]}" || true
echo "a process exited; stopping the rest" >&2
