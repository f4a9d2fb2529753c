-- wrk script: POST one prepared body per request to PATH, taking the lines of
-- FILE in turn (each wrk thread takes every Nth line), so that no request
-- reuses a logon challenge. Usage:
--   wrk ... -s wrk_lines.lua URL -- FILE THREADS totp|login|fixed
-- totp:  lines "challenge code"  -> POST /api/v1/LoginMFA
-- login: lines "principal"       -> POST /api/v1/Login with the bench password
-- fixed: no file is read         -> GET / (the bare libmicrohttpd server)
-- When a thread runs out of lines it sends GET /healthz and counts it as
-- "spare", so bench.py can tell that the run needed more prepared lines.
-- done() prints one JSON line that bench.py reads.

local next_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  file, nthreads, mode = args[1], tonumber(args[2]), args[3]
  items, pos, spare = {}, 0, 0
  if mode ~= "fixed" then
    local i = 0
    for line in io.lines(file) do
      if i % nthreads == tid then table.insert(items, line) end
      i = i + 1
    end
  end
  headers = { ["Content-Type"] = "application/json" }
  if mode == "fixed" then
    fixed = wrk.format("GET", "/")
  end
end

function request()
  if mode == "fixed" then return fixed end
  pos = pos + 1
  local line = items[pos]
  if line == nil then
    -- A login line may be sent again: only a challenge or a code is single-use.
    if mode == "login" and #items > 0 then
      pos = 1
      line = items[1]
    else
      spare = spare + 1
      return wrk.format("GET", "/healthz")
    end
  end
  if mode == "totp" then
    local challenge, code = line:match("^(%S+) (%S+)$")
    return wrk.format("POST", "/api/v1/LoginMFA", headers,
      '{"Challenge":"' .. challenge .. '","Method":"totp","Code":"' .. code .. '"}')
  end
  return wrk.format("POST", "/api/v1/Login", headers,
    '{"Principal":"' .. line .. '","Password":"bench password 1"}')
end

function done(summary, latency, requests)
  local spare_total = 0
  for _, t in ipairs(threads) do spare_total = spare_total + (t:get("spare") or 0) end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, ' ..
    '"status_errors": %d, "spare": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, spare_total))
end
