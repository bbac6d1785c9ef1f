-- wrk script for bench/node-list.sh: GET BENCH_PATH with X-Auth-Token rotating over the tokens in
-- BENCH_TOKENS (one per line); every BENCH_ADMIN_EVERY-th request (0 = never) uses the token in
-- BENCH_ADMIN_TOKEN instead. Requests are pre-built once per thread, so rotating costs nothing.
-- With BENCH_COUNT_STATUS=1 every response status is checked (non-2xx counted exactly); without it
-- wrk's own counter is used (status >= 400), which lets wrk skip header parsing (cheaper client).
-- done() prints "RESULT key=value" lines that node-list.sh turns into the report.

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
  local path = os.getenv("BENCH_PATH") or "/baremetal/v1/nodes?limit=50"
  local tokens = read_lines(os.getenv("BENCH_TOKENS"))
  local admin_every = tonumber(os.getenv("BENCH_ADMIN_EVERY") or "0")
  local admin = os.getenv("BENCH_ADMIN_TOKEN") and read_lines(os.getenv("BENCH_ADMIN_TOKEN"))[1]
  reqs = {}
  local u = 1
  -- A cycle of len(tokens) user requests with an admin request after every admin_every-th one.
  for i = 1, #tokens do
    reqs[#reqs + 1] = wrk.format("GET", path, { ["X-Auth-Token"] = tokens[u], ["Accept"] = "application/json" })
    u = u + 1
    if admin and admin_every > 0 and i % admin_every == 0 then
      reqs[#reqs + 1] = wrk.format("GET", path, { ["X-Auth-Token"] = admin, ["Accept"] = "application/json" })
    end
  end
  -- Threads start at different places in the cycle.
  idx = (id * 7) % #reqs
  non2xx = 0
  responses = 0
end

function request()
  idx = idx + 1
  if idx > #reqs then idx = 1 end
  return reqs[idx]
end

if os.getenv("BENCH_COUNT_STATUS") == "1" then
  function response(status, headers, body)
    responses = responses + 1
    if status < 200 or status > 299 then non2xx = non2xx + 1 end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local non2xx, responses = 0, 0
  for _, t in ipairs(threads) do
    non2xx = non2xx + (tonumber(t:get("non2xx")) or 0)
    responses = responses + (tonumber(t:get("responses")) or 0)
  end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d\n", summary.requests))
  io.write(string.format("RESULT duration_s=%.2f\n", secs))
  io.write(string.format("RESULT rps=%.0f\n", summary.requests / secs))
  io.write(string.format("RESULT bytes=%d\n", summary.bytes))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("RESULT p%s_ms=%.2f\n", tostring(p):gsub("%.", "_"), latency:percentile(p) / 1000))
  end
  io.write(string.format("RESULT mean_ms=%.2f\n", latency.mean / 1000))
  io.write(string.format("RESULT max_ms=%.2f\n", latency.max / 1000))
  io.write(string.format("RESULT err_connect=%d\nRESULT err_read=%d\nRESULT err_write=%d\nRESULT err_timeout=%d\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("RESULT status_ge400=%d\n", e.status))
  if os.getenv("BENCH_COUNT_STATUS") == "1" then
    io.write(string.format("RESULT non2xx=%d\nRESULT checked=%d\n", non2xx, responses))
  end
end
