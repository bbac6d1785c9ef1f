-- wrk script for bench/leasing.sh (claim phase): run with -t N -c N (one connection per thread = N
-- closed-loop clients). Client `id` sends its n-th claim as global number g = n*N + id to offer
-- g mod #offers (BENCH_OFFERS, one uuid per line) for the one-hour window starting at
-- BENCH_BASE + (g div #offers) hours: no two claims ever ask for overlapping time on one offer, so every
-- claim must be 201 and any 409 is a bug. Tokens (BENCH_TOKENS) rotate per request.
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
  offers = read_lines(os.getenv("BENCH_OFFERS"))
  tokens = read_lines(os.getenv("BENCH_TOKENS"))
  base = tonumber(os.getenv("BENCH_BASE"))
  clients = tonumber(os.getenv("BENCH_CLIENTS"))
  n = 0
  c201, c409, other = 0, 0, 0
end

function request()
  local g = n * clients + id
  n = n + 1
  local offer = offers[(g % #offers) + 1]
  local s = base + math.floor(g / #offers) * 3600
  local body = string.format('{"start_time": "%s", "end_time": "%s", "name": "bench-claim-%d"}',
    os.date("!%Y-%m-%dT%H:%M:%S", s), os.date("!%Y-%m-%dT%H:%M:%S", s + 3600), g)
  return wrk.format("POST", "/lease/v1/offers/" .. offer .. "/claim",
    { ["X-Auth-Token"] = tokens[(g % #tokens) + 1], ["Content-Type"] = "application/json", ["Accept"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then c201 = c201 + 1
  elseif status == 409 then
    c409 = c409 + 1
    if c409 <= 3 then io.stderr:write("409: " .. body .. "\n") end
  else
    other = other + 1
    if other <= 3 then io.stderr:write("HTTP " .. status .. ": " .. body .. "\n") end
  end
end

function done(summary, latency, requests)
  local a, b, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + (tonumber(t:get("c201")) or 0)
    b = b + (tonumber(t:get("c409")) or 0)
    o = o + (tonumber(t:get("other")) or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT requests=%d\nRESULT duration_s=%.2f\n", summary.requests, secs))
  io.write(string.format("RESULT created=%d\nRESULT conflicts=%d\nRESULT other=%d\n", a, b, o))
  io.write(string.format("RESULT claims_per_s=%.0f\n", a / secs))
  for _, p in ipairs({ 50, 99 }) do
    io.write(string.format("RESULT p%d_ms=%.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("RESULT max_ms=%.2f\n", latency.max / 1000))
  io.write(string.format("RESULT sockerr=%d\n", e.connect + e.read + e.write + e.timeout))
end
