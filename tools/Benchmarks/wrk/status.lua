-- wrk script for the ingest benchmark. Each wrk thread drives its own share of the provisioned
-- devices (keys.lua, written by scripts/bench-ingest.sh), so every device's seq only grows and
-- every status is "applied" work, never a duplicate. BATCH (environment) > 1 sends /status/batch.
local keys = dofile(os.getenv("KEYS_FILE"))
local batch = tonumber(os.getenv("BATCH") or "1")
local threads = tonumber(os.getenv("THREADS") or "2")
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  seqs = {}
  n = 0
  mine = {}
  for i = 1, #keys do
    if (i - 1) % threads == tid then mine[#mine + 1] = i end
  end
  wrk.headers["Content-Type"] = "application/json"
end

local function status(device, seq, at)
  return string.format(
    '{"opId":"b%d-%d","seq":%d,"at":"%s","lat":30.6505,"lon":104.0725,"accuracyM":6.5,"batteryPct":80,"onDuty":true}',
    device, seq, seq, at)
end

function request()
  n = n + 1
  local device = mine[(n % #mine) + 1]
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local headers = { ["X-Device-Key"] = keys[device], ["Content-Type"] = "application/json" }
  if batch <= 1 then
    local seq = (seqs[device] or 1000000) + 1
    seqs[device] = seq
    return wrk.format("POST", "/api/v1/device/status", headers, status(device, seq, at))
  end
  local items = {}
  for i = 1, batch do
    local seq = (seqs[device] or 1000000) + 1
    seqs[device] = seq
    items[i] = status(device, seq, at)
  end
  return wrk.format("POST", "/api/v1/device/status/batch", headers, '{"items":[' .. table.concat(items, ",") .. ']}')
end

function response(status, headers, body)
  if status ~= 200 then
    failures = (failures or 0) + 1
  end
end
