-- wrk script of `make bench`: each request takes the next line of the file given after
-- `--` ("PATH<TAB>TOKEN", token optional), round-robin per thread; at the end one JSON
-- line with what bench_http.py reads (latencies in microseconds).
local lines = {}
local next_line = 1

function init(args)
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      lines[#lines + 1] = wrk.format("GET", path, headers)
    end
  end
  next_line = math.random(#lines)
end

function request()
  local r = lines[next_line]
  next_line = next_line % #lines + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
