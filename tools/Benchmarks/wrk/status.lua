-- wrk script for the ingest benchmark. Each wrk thread drives its own share of the provisioned
-- devices (keys.lua, written by scripts/bench-ingest.sh), so every device's seq only grows and
-- every status is "applied" work, never a duplicate. BATCH (environment) > 1 sends /status/batch.
-- SEQ_BASE must grow from one run to the next (the script passes the time in ms): a run that reused
-- the last run's seqs would be answered "stale" — cheaper work than the applied statuses it measures.
-- At the end it prints how many statuses were not answered "applied" (should be 0).
local keys = dofile(os.getenv("KEYS_FILE"))
local batch = tonumber(os.getenv("BATCH") or "1")
local threads = tonumber(os.getenv("THREADS") or "2")
local base = tonumber(os.getenv("SEQ_BASE") or "1000000")
local counter = 0
local all = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  all[#all + 1] = thread
end

function init(args)
  seqs = {}
  n = 0
  notapplied = 0
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
    local seq = (seqs[device] or base) + 1
    seqs[device] = seq
    return wrk.format("POST", "/api/v1/device/status", headers, status(device, seq, at))
  end
  local items = {}
  for i = 1, batch do
    local seq = (seqs[device] or base) + 1
    seqs[device] = seq
    items[i] = status(device, seq, at)
  end
  return wrk.format("POST", "/api/v1/device/status/batch", headers, '{"items":[' .. table.concat(items, ",") .. ']}')
end

function response(status, headers, body)
  if status ~= 200 then
    notapplied = notapplied + batch
    return
  end
  local _, applied = string.gsub(body, '"status":"applied"', "")
  notapplied = notapplied + batch - applied
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(all) do
    total = total + (thread:get("notapplied") or 0)
  end
  io.write(string.format("not applied: %d\n", total))
end
