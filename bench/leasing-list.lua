-- wrk script for bench/leasing.sh (list phases): GETs the paths in BENCH_PATHS (one per line) with
-- X-Auth-Token rotating over the tokens in BENCH_TOKENS (one per line); the request cycle is every
-- (path, token) pair, pre-built once per thread. Every status is checked (non-2xx counted exactly).
-- done() prints "RESULT key=value" lines, the same keys as bench/node-list.lua.
local threads = {}
local counter = 0

local function read_lines(path)
  local out = {}
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    if #line > 0 then out[#out + 1] = line end
  end
  f:close()
  return out
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end

function init(args)
  local paths = read_lines(os.getenv("BENCH_PATHS"))
  local tokens = read_lines(os.getenv("BENCH_TOKENS"))
  reqs = {}
  for i = 0, #paths * #tokens - 1 do
    local p = paths[(i % #paths) + 1]
    local t = tokens[(math.floor(i / #paths) + i) % #tokens + 1]
    reqs[#reqs + 1] = wrk.format("GET", p, { ["X-Auth-Token"] = t, ["Accept"] = "application/json" })
  end
  idx = (id * 7) % #reqs
  non2xx = 0
  responses = 0
end

function request()
  idx = idx + 1
  if idx > #reqs then idx = 1 end
  return reqs[idx]
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad, n = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (tonumber(t:get("non2xx")) or 0)
    n = n + (tonumber(t:get("responses")) or 0)
  end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d\n", summary.requests))
  io.write(string.format("RESULT duration_s=%.2f\n", secs))
  io.write(string.format("RESULT rps=%.0f\n", summary.requests / secs))
  io.write(string.format("RESULT bytes=%d\n", summary.bytes))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("RESULT p%s_ms=%.2f\n", tostring(p):gsub("%.", "_"), latency:percentile(p) / 1000))
  end
  io.write(string.format("RESULT max_ms=%.2f\n", latency.max / 1000))
  io.write(string.format("RESULT sockerr=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("RESULT non2xx=%d\nRESULT checked=%d\n", bad, n))
end
