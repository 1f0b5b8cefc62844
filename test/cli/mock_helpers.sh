# Sourced by the CLI test scripts: runs the openai-mock executable and reads its counters.
# Expects $mock (the executable), $key (the API key) and $work (a scratch folder), and a
# `mock_pid=` set before the first start_mock.

# start_mock SEED [FLAGS...]: (re)starts openai-mock; sets https_port, http_port, https_url,
# http_url.
start_mock() {
  local seed=$1
  shift
  if [[ -n $mock_pid ]]; then kill "$mock_pid"; wait "$mock_pid" 2>/dev/null; fi
  rm -f "$work/ports" "$work/ca.pem"
  "$mock" --seed "$seed" --api-key "$key" --ca-out "$work/ca.pem" --port-file "$work/ports" "$@" \
    2>"$work/mock.log" &
  mock_pid=$!
  for _ in $(seq 200); do [[ -s $work/ports ]] && break; sleep 0.05; done
  [[ -s $work/ports ]] || { echo "openai-mock did not start"; cat "$work/mock.log"; exit 1; }
  read -r https_port http_port <"$work/ports"
  https_url="https://127.0.0.1:$https_port/v1"
  http_url="http://127.0.0.1:$http_port/v1"
}

# mock_stat NAME: one counter of /__mock/stats (read over plain HTTP: adds no TLS handshake).
mock_stat() {
  curl -s "http://127.0.0.1:$http_port/__mock/stats" | grep -o "\"$1\":[0-9]*" | head -1 |
    cut -d: -f2
}

# The stored metadata of a completion, as the mock's JSON.
mock_metadata() { curl -s "http://127.0.0.1:$http_port/__mock/metadata/$1"; }
