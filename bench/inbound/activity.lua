-- wrk script: POST an @mention `help` channel message with a valid channel token, each request
-- with a unique activity id (so deduplication never short-circuits it).
-- Environment (set by run.py): BENCH_TOKEN, BENCH_TEMPLATE (a file holding the activity JSON with
-- the placeholder ACTIVITY_ID), BENCH_ID_PREFIX (digits unique to this load phase).
local token = os.getenv("BENCH_TOKEN")
local prefix = os.getenv("BENCH_ID_PREFIX")
local file = assert(io.open(os.getenv("BENCH_TEMPLATE"), "r"))
local template = file:read("*a")
file:close()
local at = string.find(template, "ACTIVITY_ID", 1, true)
local head = string.sub(template, 1, at - 1)
local tail = string.sub(template, at + string.len("ACTIVITY_ID"))
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["Authorization"] = "Bearer " .. token

request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, head .. prefix .. string.format("%09d", counter) .. tail)
end
