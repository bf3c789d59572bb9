-- wrk script: POST /open311/v2/requests.json with a different report each time
-- (so no two requests share an idempotency hash). API key from the OPEN311_KEY env var.
local key = os.getenv("OPEN311_KEY")
local services = { "infrastructure", "urban_order", "environment", "power", "water", "traffic_order" }
local n = 0
local thread_id = 0
setup = function(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
init = function(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
end
request = function()
  n = n + 1
  local lat = 10.88 + math.random() * 0.3
  local lon = 106.62 + math.random() * 0.2
  local body = string.format(
    "api_key=%s&service_code=%s&lat=%.6f&long=%.6f&description=Phan+anh+tai+cho+so+%d-%d-%d",
    key, services[(n % #services) + 1], lat, lon, tid or 0, n, math.random(1, 1000000000))
  return wrk.format("POST", "/open311/v2/requests.json",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
