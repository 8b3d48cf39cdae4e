-- wrk script for every HTTP item of bench/run. Configured by the environment:
--   BENCH_METHOD      GET or POST (default GET)
--   BENCH_PATH        the path (default: the path of the URL), or
--   BENCH_PATHS_FILE  a file of paths, one per line; each request picks one at random
--   BENCH_ZIPF        with BENCH_PATHS_FILE: pick the n-th path with weight 1/n^BENCH_ZIPF
--                     (Zipf-like popularity, the first line the most popular) instead
--   BENCH_BODY        JSON body for POST; "#" is replaced by a per-thread counter
--   BENCH_IDS_OUT     when set, the "id" of every 201 body is written to this file
--   BENCH_HOST        the Host header (an ingress rule's host), when set
--   BENCH_PREFER      when set, sent as the Prefer header (RFC 7240), e.g. "return=minimal";
--                     answers carrying Preference-Applied are counted (STAT preference_applied)
-- done() prints "STAT key value" lines for bench/run: rps, latency percentiles (ms), statuses.
local threads = {}
local method = os.getenv("BENCH_METHOD") or "GET"
local fixed_path = os.getenv("BENCH_PATH")
local paths_file = os.getenv("BENCH_PATHS_FILE")
local body = os.getenv("BENCH_BODY") or ""
local ids_out = os.getenv("BENCH_IDS_OUT")
local host = os.getenv("BENCH_HOST")
local prefer = os.getenv("BENCH_PREFER")
local zipf = tonumber(os.getenv("BENCH_ZIPF") or "")

function setup(thread)
  thread:set("index", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  applied = 0
  ids = {}
  counter = 0
  paths = {}
  if paths_file then
    for line in io.lines(paths_file) do
      if #line > 0 then paths[#paths + 1] = line end
    end
  end
  if zipf and #paths > 0 then
    cdf = {}
    local total = 0
    for i = 1, #paths do
      total = total + 1 / i ^ zipf
      cdf[i] = total
    end
    for i = 1, #paths do cdf[i] = cdf[i] / total end
  end
  math.randomseed(os.time() + (index or 0) * 7919)
  headers = { ["Content-Type"] = "application/json", ["Host"] = host }
  if prefer then headers["Prefer"] = prefer end
  get_headers = { ["Host"] = host }
  fixed_path = fixed_path or wrk.path  -- the URL's own path
end

-- A path of the file: uniformly, or by Zipf weight (binary search of the cumulative weights).
local function pick()
  if not cdf then return paths[math.random(#paths)] end
  local u, lo, hi = math.random(), 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return paths[lo]
end

function request()
  local path = fixed_path
  if #paths > 0 then path = pick() end
  if method == "POST" then
    counter = counter + 1
    local b = body:gsub("#", tostring(counter))
    return wrk.format("POST", path, headers, b)
  end
  return wrk.format("GET", path, get_headers)
end

function response(status, hdrs, resp_body)
  statuses[status] = (statuses[status] or 0) + 1
  if prefer and hdrs["Preference-Applied"] then applied = applied + 1 end
  if ids_out and status == 201 then
    local id = resp_body:match('"id":"([^"]+)"')
    if id then ids[#ids + 1] = id end
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local by_status = {}
  local preference_applied = 0
  local out = ids_out and io.open(ids_out, "w")
  for _, thread in ipairs(threads) do
    preference_applied = preference_applied + thread:get("applied")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
    if out then
      for _, id in ipairs(thread:get("ids")) do out:write(id, "\n") end
    end
  end
  if out then out:close() end
  local e = summary.errors
  io.write(string.format("STAT requests %d\n", summary.requests))
  io.write(string.format("STAT rps %.1f\n", summary.requests / seconds))
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("STAT p%d_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("STAT max_ms %.2f\n", latency.max / 1000))
  io.write(string.format("STAT preference_applied %d\n", preference_applied))
  io.write(string.format("STAT socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  local ok, other = 0, 0
  for status, n in pairs(by_status) do
    io.write(string.format("STAT status_%d %d\n", status, n))
    if status >= 200 and status < 300 then ok = ok + n else other = other + n end
  end
  io.write(string.format("STAT ok %d\nSTAT not_ok %d\n", ok, other))
end
