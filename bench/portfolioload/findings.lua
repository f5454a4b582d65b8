-- wrk script: GET the open findings of a random artifact (IDs 1..N), with a bearer token.
--   wrk -t2 -c50 -d30s --latency -s bench/portfolioload/findings.lua http://127.0.0.1:8080 -- TOKEN N
local token, n
function init(args)
  token = args[1]
  n = tonumber(args[2] or "10000")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  local path = "/api/v1/artifacts/" .. math.random(1, n) .. "/findings"
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
