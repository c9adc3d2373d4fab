-- wrk script: POST a message activity to the Bot Connector with a bearer token.
-- The token comes from the environment (BENCH_TOKEN), set by run.py.
wrk.method = "POST"
wrk.body = '{"type":"message","text":"benchmark message","textFormat":"markdown"}'
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
