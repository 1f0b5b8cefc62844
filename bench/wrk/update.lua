-- wrk as the server's ceiling: POST {"metadata": ...} to one completion over keep-alive
-- connections, and a JSON summary line at the end (same field names as openai-bench).
--   wrk -t 2 -c 64 -d 5s -s bench/wrk/update.lua https://127.0.0.1:8443
wrk.method = "POST"
wrk.path = (os.getenv("BENCH_PATH_PREFIX") or "/v1/chat/completions/") .. "chatcmpl-mock-000001"
wrk.body = '{"metadata":{"bench":"run","i":"0"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("OPENAI_API_KEY") or "sk-bench")

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"tool":"wrk","requests":%d,"seconds":%.4f,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
