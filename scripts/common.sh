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
    port=$(( 20000 + RANDOM % 40000 ))
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
