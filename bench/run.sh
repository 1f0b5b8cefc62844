#!/usr/bin/env bash
# The peer comparison: N metadata updates with C in flight by this library (openai-bench) over
# HTTP/2 and over HTTP/1.1, the openai command line's update-many, h2load (the server's HTTP/2
# ceiling), wrk (its HTTP/1.1 ceiling), curl --parallel over h2 and over HTTP/1.1 and the
# official Node SDK (HTTP/1.1), against nginx over HTTPS on loopback (a neutral server answering
# a fixed chat.completion; h2 and HTTP/1.1 on one port, by ALPN) and against the bundled
# openai-mock. Every client is its own process, measured by bench-runner (wall, user+sys CPU,
# peak RSS); the server counts the TLS connections it accepted. Clients alternate within each
# round; medians over the rounds go to a Markdown table on stdout, to bench/results/latest.md
# and to a chart in bench/results/.
#
#   bash bench/run.sh            # N=20000, C=64, 3 rounds (a few minutes)
#   bash bench/run.sh --smoke    # N=200, 1 round: what CI runs; never asserts on timings
# Then bench/network.sh's rows: update-many at openai-mock's --rate-limit, and openai-bench
# through its --latency 25ms (see that script).
#
# Options: --rounds R  --n N  --c C  --wrk-seconds S  --no-install  --bin DIR (prebuilt
# binaries: openai-bench, bench-runner, openai-mock, openai, micro_bench)  --out DIR
# --clients "openai-bench-h2 curl ..." (a name without -h1/-h2 keeps both)  --servers "nginx mock"
# --scaling "1 8 64 256" (ours over HTTP/1.1)  --scaling-h2 "1 8 64 256 1024" (ours over h2)
# --peer-n M (N of the Node SDK and curl rows; default N)
# Servers bind 127.0.0.1 only; every run is bounded in count and in time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench

smoke=0 rounds=3 N=20000 C=64 wrk_seconds=5 install=1 bin="" out=$BENCH/results
scaling=(1 8 64 256) scaling_h2=(1 8 64 256 1024) only="" servers=(nginx mock) peer_n=""
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 rounds=1 N=200 wrk_seconds=1 out=$BENCH/results/smoke ;;  # git-ignored
    --rounds) rounds=$2; shift ;;
    --n) N=$2; shift ;;
    --c) C=$2; shift ;;
    --wrk-seconds) wrk_seconds=$2; shift ;;
    --no-install) install=0 ;;
    --bin) bin=$2; shift ;;
    --out) out=$2; shift ;;
    --clients) only=$2; shift ;;            # e.g. "openai-bench curl-h2": a subset of the peers
    --scaling) read -ra scaling <<<"$2"; shift ;;  # e.g. "1 64"; "" for none
    --scaling-h2) read -ra scaling_h2 <<<"$2"; shift ;;
    --peer-n) peer_n=$2; shift ;;
    --servers) read -ra servers <<<"$2"; shift ;;  # "nginx", "mock" or both
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
peer_n=${peer_n:-$N}
run_timeout=$(( smoke ? 60 : 300 ))   # seconds per client run before it is killed
log() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- what is missing, installed
have() { command -v "$1" >/dev/null 2>&1; }
pkg_ok() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ "$install" = 1 ]; then
  pkgs=()
  for p in build-essential cmake ccache ca-certificates libssl-dev libboost1.81-dev \
           libboost-json1.81-dev libboost-url1.81-dev libbenchmark-dev curl openssl wrk; do
    pkg_ok "$p" || pkgs+=("$p")
  done
  have nginx || pkgs+=(nginx-light)
  have h2load || pkgs+=(nghttp2-client)
  have node || pkgs+=(nodejs)
  have npm || pkgs+=(npm)
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "installing: ${pkgs[*]}"
    sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    # Installing nginx must not start the system's nginx on port 80: a policy-rc.d that refuses
    # service starts for the duration of the install (only when the machine has none).
    policy=/usr/sbin/policy-rc.d added_policy=0
    if [ ! -e $policy ]; then
      printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee $policy >/dev/null
      "${sudo_cmd[@]}" chmod +x $policy; added_policy=1
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
      --no-install-recommends "${pkgs[@]}" >/dev/null
    if [ $added_policy = 1 ]; then "${sudo_cmd[@]}" rm -f $policy; fi
  fi
fi
sdk_version=$(node -p "require('$BENCH/node/package.json').dependencies.openai")
if [ "$(node -p "try{require('$BENCH/node/node_modules/openai/package.json').version}catch{''}")" != "$sdk_version" ]; then
  log "npm ci (openai@$sdk_version) in bench/node"
  (cd "$BENCH/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# ---------------------------------------------------------------- build (Release, own dir)
if [ -z "$bin" ]; then
  build=${BENCH_BUILD_DIR:-$ROOT/build-bench} build_type=Release
  if grep -Eq '^[[:space:]]*add_subdirectory\(bench\)' "$ROOT/CMakeLists.txt"; then
    src=$ROOT
    # The smoke run reuses the tree scripts/test.sh has built (CI builds it first), so that it
    # only compiles the three bench programs; its timings are not comparable anyway.
    if [ $smoke = 1 ] && [ -z "${BENCH_BUILD_DIR:-}" ] && [ -f "$ROOT/build/CMakeCache.txt" ]; then
      build=$ROOT/build build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
    fi
  else  # bench/ not yet part of the top-level build: configure it on its own
    src=$BENCH build=$build/standalone
  fi
  log "building in ${build#$ROOT/} (${build_type:-default})"
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
  jobs=${JOBS:-$(nproc)}
  cmake --build "$build" -j"$jobs" --target openai-bench bench-runner openai-mock >/dev/null
  # Optional peers: a failure here drops their rows, not the run.
  cmake --build "$build" -j"$jobs" --target openai >/dev/null 2>&1 || log "openai CLI did not build"
  cmake --build "$build" -j"$jobs" --target micro_bench >/dev/null 2>&1 || log "micro_bench not built"
  bin=$build/bin
fi

# ---------------------------------------------------------------- temp dir, servers
TMP=$(mktemp -d /tmp/openai-bench.XXXXXX)
server_pids=()
cleanup() {
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${server_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Below the kernel's ephemeral range (32768 and up by default), where the clients' own outgoing
# connections take their local ports: a port picked there can be free to connect() yet taken for
# bind() a moment later.
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 12000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

log "certificates (ECDSA P-256 CA and a server certificate for 127.0.0.1)"
(
  cd "$TMP"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout ca.key -out ca.pem -subj "/CN=openai-asio bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
    -out server.csr -subj "/CN=127.0.0.1"
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.pem
) >/dev/null 2>&1

nginx_port=$(free_port) status_port=$(free_port)
# nginx's http2_max_concurrent_streams: the SETTINGS_MAX_CONCURRENT_STREAMS it announces, i.e.
# how many requests one h2 connection may have in flight at once (nginx's default is 128). Set
# to the client's own cap (client_options::max_streams_per_connection, 256), so that up to
# C = 256 the number of connections the table shows is the client's choice, not the server's.
h2_streams=256
body=$(tr -d '\n' < "$BENCH/completion.json")
# nginx answers each update with the id it asked for, as the API does: the client checks that an
# answer is for its request (client_options::verify_response_id).
fixed_id=$(grep -o '"id":"[^"]*"' <<<"$body" | head -1)
echoing_body=${body/"$fixed_id"/'"id":"$completion_id"'}
mkdir -p "$TMP/nginx"
cat > "$TMP/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  scgi_temp_path $TMP/nginx/scgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  server {
    # h2 for clients whose ALPN offers it, HTTP/1.1 for the others (wrk, Node), on one port.
    listen 127.0.0.1:$nginx_port ssl http2;
    http2_max_concurrent_streams $h2_streams;
    ssl_certificate $TMP/server.pem;
    ssl_certificate_key $TMP/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:bench:1m;
    location ~ ^/v1/chat/completions/(?<completion_id>[A-Za-z0-9._~-]+)\$ {
      default_type application/json;
      add_header x-request-id req_bench always;
      return 200 '$echoing_body';
    }
    location / { return 404; }
  }
  server {
    listen 127.0.0.1:$status_port;
    location = /status { stub_status; }
  }
}
EOF
nginx -p "$TMP/nginx" -c "$TMP/nginx.conf" -g 'daemon off;' 2>>"$TMP/nginx-error.log" &
server_pids+=($!)

# openai-mock, like nginx, speaks h2 to the clients that offer it by ALPN and HTTP/1.1 to the
# others; its stats count the h2 connections, which tells what every row really spoke.
mock_args=(--seed 1000 --api-key sk-bench --no-http --ca-out "$TMP/mock-ca.pem"
           --port-file "$TMP/mock.port" --threads 1)
"$bin/openai-mock" "${mock_args[@]}" >"$TMP/mock.log" 2>&1 &
server_pids+=($!)

for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$status_port/status" >/dev/null 2>&1 && [ -s "$TMP/mock.port" ] && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$status_port/status" >/dev/null || { cat "$TMP/nginx-error.log" >&2; exit 1; }
[ -s "$TMP/mock.port" ] || { cat "$TMP/mock.log" >&2; exit 1; }
mock_port=$(cut -d' ' -f1 "$TMP/mock.port")
log "nginx on https://127.0.0.1:$nginx_port, openai-mock on https://127.0.0.1:$mock_port"

# The fixed body really is what nginx answers, to a POST, over h2 and over HTTP/1.1.
for proto in --http2 --http1.1; do
  check=$(curl -fs "$proto" --cacert "$TMP/ca.pem" -X POST -H 'Content-Type: application/json' \
    -d '{"metadata":{"a":"b"}}' "https://127.0.0.1:$nginx_port/v1/chat/completions/chatcmpl-x")
  [ "$check" = "${body/"$fixed_id"/'"id":"chatcmpl-x"'}" ] ||
    { echo "run.sh: nginx ($proto) does not answer the fixed completion with the id asked for" >&2; exit 1; }
done
[ "$(curl -s --http2 --cacert "$TMP/ca.pem" -o /dev/null -w '%{http_version}' \
      "https://127.0.0.1:$nginx_port/")" = 2 ] ||
  { echo "run.sh: nginx does not speak h2 on its TLS port" >&2; exit 1; }

server_url() { case $1 in nginx) echo "https://127.0.0.1:$nginx_port" ;; mock) echo "https://127.0.0.1:$mock_port" ;; esac; }
server_ca() { case $1 in nginx) echo "$TMP/ca.pem" ;; mock) echo "$TMP/mock-ca.pem" ;; esac; }
# TLS connections the server has accepted so far (each query adds one of its own, subtracted).
accepted() {
  case $1 in
    nginx) curl -fs "http://127.0.0.1:$status_port/status" | awk 'NR==3{print $1}' ;;
    mock) curl -fs --http1.1 --cacert "$TMP/mock-ca.pem" "https://127.0.0.1:$mock_port/__mock/stats" |
            grep -o '"tls_handshakes":[0-9]*' | cut -d: -f2 ;;
  esac
}
# Of those, the h2 ones, where the server counts them (openai-mock); "null" for nginx, whose
# stub_status does not tell the protocols apart.
accepted_h2() {
  case $1 in
    mock) curl -fs --http1.1 --cacert "$TMP/mock-ca.pem" "https://127.0.0.1:$mock_port/__mock/stats" |
            grep -o '"h2_connections":[0-9]*' | cut -d: -f2 ;;
    *) echo null ;;
  esac
}

# ---------------------------------------------------------------- peers
# A client that speaks both protocols has a row for each: -h2 asks for HTTP/2, -h1 for HTTP/1.1.
clients=(openai-bench-h2 openai-bench-h1)
notes=("nginx announces at most $h2_streams streams per h2 connection (http2_max_concurrent_streams).")
update_many=0
if [ -x "$bin/openai" ] && "$bin/openai" chat:completions update-many --help >"$TMP/um-help" 2>&1 &&
   ! grep -q "not yet available" "$TMP/um-help"; then
  update_many=1
  # The CLI's --http1 / --http2 come with its HTTP/2 support: until its help lists them, one
  # row on the CLI's default.
  if grep -Eq -- '(^|[[:space:]])--http2([[:space:]]|$)' "$TMP/um-help" &&
     grep -Eq -- '(^|[[:space:]])--http1([[:space:]]|$)' "$TMP/um-help"; then
    clients+=(update-many-h2 update-many-h1)
  else
    clients+=(update-many)
    notes+=("\`openai chat:completions update-many\` has no --http1/--http2 in this build: one row, on its default protocol.")
  fi
else
  notes+=("\`openai chat:completions update-many\` is not available in this build: row skipped.")
fi
clients+=(h2load wrk curl-h2 curl-h1 node-sdk)
if ! have h2load; then  # only with --no-install on a machine without nghttp2-client
  notes+=("h2load (Debian nghttp2-client) is not installed: row skipped.")
  kept=(); for c in "${clients[@]}"; do [ "$c" != h2load ] && kept+=("$c"); done; clients=("${kept[@]}")
fi
# --clients names rows, or clients without their -h1/-h2 (both rows).
wanted() { [ -z "$only" ] || [[ " $only " == *" $1 "* || " $only " == *" ${1%-h[12]} "* ]]; }
kept=()
for c in "${clients[@]}"; do wanted "$c" && kept+=("$c"); done
clients=("${kept[@]}")

update_body='{"metadata":{"bench":"run","i":"0"}}'
printf '%s' "$update_body" > "$TMP/update-body.json"

# curl: one config of peer_n transfers; --parallel reuses up to --parallel-max connections over
# HTTP/1.1 and multiplexes them over h2 (one connection while the server's streams suffice).
write_curl_config() {  # server h1|h2
  local f=$TMP/curl-$1-$2.cfg url version=http1.1
  [ "$2" = h2 ] && version=http2
  url=$(server_url "$1")/v1/chat/completions/
  {
    printf 'silent\nshow-error\nparallel\nparallel-max = %s\n%s\n' "$C" "$version"
    printf 'cacert = "%s"\n' "$(server_ca "$1")"
    printf 'request = "POST"\ndata = "%s"\n' "${update_body//\"/\\\"}"
    printf 'header = "Content-Type: application/json"\nheader = "Authorization: Bearer sk-bench"\n'
    printf 'write-out = "%%{http_code} %%{time_total} %%{http_version}\\n"\n'
    # ids chatcmpl-mock-000001 ... -001000 in turn (openai-mock --seed 1000)
    awk -v n="$peer_n" -v url="$url" 'BEGIN { for (i = 0; i < n; i++)
      printf "url = \"%schatcmpl-mock-%06d\"\noutput = \"/dev/null\"\n", url, i % 1000 + 1 }'
  } > "$f"
}
write_update_many_input() {
  awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"completion_id\":\"chatcmpl-mock-%06d\",\"metadata\":{\"bench\":\"run\",\"i\":\"%d\"}}\n", i % 1000 + 1, i }' \
    > "$TMP/update-many.jsonl"
}
for s in "${servers[@]}"; do for v in h1 h2; do write_curl_config "$s" "$v"; done; done
[ $update_many = 1 ] && write_update_many_input

results=$TMP/results.jsonl
: > "$results"
own_failures=0

# The server's counters now: "TLS-connections h2-connections" (h2 "null" for nginx, whose
# stub_status does not tell the protocols apart). Each query adds one TLS connection of its own.
server_counts() {
  case $1 in
    nginx) echo "$(curl -fs "http://127.0.0.1:$status_port/status" | awk 'NR==3{print $1}') null" ;;
    mock) curl -fs --http1.1 --cacert "$TMP/mock-ca.pem" "https://127.0.0.1:$mock_port/__mock/stats" |
            tr ',{}' '\n\n\n' | awk -F: '$1 == "\"tls_handshakes\"" { t = $2 }
                                         $1 == "\"h2_connections\"" { h = $2 }
                                         END { print t, (h == "" ? "null" : h) }' ;;
  esac
}

# One client run: bench-runner measures the process; the result line joins the tool's own
# report (when it prints one) with the measurement and the server's connection counts.
run_one() {  # server client c round
  local server=$1 client=$2 c=$3 round=$4 url ca before after before_h2 after_h2 h2 n=$N
  local tool_json measured rc=0
  url=$(server_url "$server") ca=$(server_ca "$server")
  local cmd=()
  case $client in
    openai-bench-h[12]) cmd=("$bin/openai-bench" --n "$N" --c "$c" --base-url "$url/v1"
                             --api-key sk-bench --ca-file "$ca" "--http${client##*-h}") ;;
    update-many*) cmd=("$bin/openai" chat:completions update-many --input "$TMP/update-many.jsonl"
                       --base-url "$url/v1" --api-key sk-bench --ca-file "$ca" --max-retries 0)
                  case $client in *-h[12]) cmd+=("--http${client##*-h}") ;; esac
                  grep -q -- '--concurrency' "$TMP/um-help" && cmd+=(--concurrency "$c")
                  grep -q -- '--no-progress' "$TMP/um-help" && cmd+=(--no-progress) ;;
    node-sdk) n=$peer_n
              cmd=(env "NODE_EXTRA_CA_CERTS=$ca" node "$BENCH/node/bench.mjs" --n "$n" --c "$c"
                   --base-url "$url/v1" --api-key sk-bench) ;;
    curl-h[12]) n=$peer_n; cmd=(curl --config "$TMP/curl-$server-${client#curl-}.cfg") ;;
    # h2load, like wrk, runs for a fixed time on one completion and does not verify certificates;
    # -c 1 -m C: C streams in flight on one connection.
    h2load) cmd=(h2load -c 1 -m "$c" -D "$wrk_seconds" -d "$TMP/update-body.json"
                 -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-bench'
                 "$url/v1/chat/completions/chatcmpl-mock-000001") ;;
    wrk) cmd=(env "BENCH_PATH_PREFIX=/v1/chat/completions/" OPENAI_API_KEY=sk-bench
              wrk -t 2 -c "$c" -d "${wrk_seconds}s" -s "$BENCH/wrk/update.lua" "$url") ;;
  esac
  read -r before before_h2 <<<"$(server_counts "$server")"
  "$bin/bench-runner" --out "$TMP/measured.json" --timeout "$run_timeout" -- "${cmd[@]}" \
    >"$TMP/stdout" 2>"$TMP/stderr" || rc=$?
  read -r after after_h2 <<<"$(server_counts "$server")"
  h2=null; [ "$before_h2" != null ] && h2=$(( after_h2 - before_h2 ))
  measured=$(cat "$TMP/measured.json")
  case $client in
    openai-bench*|node-sdk|wrk) tool_json=$(grep -m1 '^{' "$TMP/stdout" || echo null) ;;
    curl*) tool_json=$(awk -v n="$n" '{ if ($1 != 200) e++; v[$3]++; print $2 * 1e6 | "sort -n > '"$TMP"'/curl-lat" }
                        END { close("sort -n > '"$TMP"'/curl-lat");
                              while ((getline l < "'"$TMP"'/curl-lat") > 0) a[++k] = l;
                              if (k == 0) { printf "{\"errors\":%d}", n; exit }
                              p = v["2"] == k ? "h2" : v["1.1"] == k ? "http/1.1" : "mixed";
                              printf "{\"errors\":%d,\"p50_us\":%d,\"p99_us\":%d,\"protocol\":\"%s\"}", e + n - k,
                                     a[int(0.5*(k-1)+1.5)], a[int(0.99*(k-1)+1.5)], p }' "$TMP/stdout") ;;
    # "requests: T total, S started, D done, OK succeeded, F failed, E errored, X timeout": OK
    # are the requests (as wrk's), F the errors
    # (F counts the errored, the timed out and the answers other than 2xx).
    h2load) tool_json=$(awk '/^requests:/ { d = $8; f = $10 }
                             /^Application protocol:/ { p = $3 }
                             END { if (d == "") { print "null"; exit }
                                   printf "{\"requests\":%d,\"errors\":%d,\"protocol\":\"%s\"}", d, f,
                                          (p == "h2" ? "h2" : p == "" ? "none" : "http/1.1") }' "$TMP/stdout") ;;
    update-many*) tool_json="{\"errors\":$(grep -c '"ok":false' "$TMP/stdout" || true)}" ;;
    *) tool_json=null ;;
  esac
  if [ "$rc" != 0 ]; then
    log "$client on $server (c=$c) exited $rc: $(head -c 300 "$TMP/stderr")"
    # Our own clients must not fail against these servers: the table would measure failures.
    case $client in openai-bench*|update-many*) own_failures=$((own_failures + 1)) ;; esac
  fi
  printf '{"server":"%s","client":"%s","c":%s,"n":%s,"round":%s,"exit":%s,"connections":%s,"h2_connections":%s,"tool":%s,"run":%s}\n' \
    "$server" "$client" "$c" "$n" "$round" "$rc" "$(( after - before - 1 ))" "$h2" "$tool_json" \
    "$measured" >> "$results"
}

# Ours at the other concurrencies, against nginx: over HTTP/1.1 (--scaling), over h2 (--scaling-h2).
sweep() {  # client round C...
  local client=$1 round=$2 c; shift 2
  for c in "$@"; do
    # The C=$C row comes from the comparison, when it ran.
    [ "$c" = "$C" ] && [[ " ${clients[*]} " == *" $client "* && " ${servers[*]} " == *" nginx "* ]] && continue
    log "round $round/$rounds: $client -> nginx, C=$c"
    run_one nginx "$client" "$c" "$round"
  done
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "N=$N C=$C rounds=$rounds clients: ${clients[*]}"
for ((r = 1; r <= rounds; r++)); do
  # Alternate the order from round to round so no client always runs first (or last).
  order=("${clients[@]}")
  (( r % 2 == 0 )) && order=($(printf '%s\n' "${clients[@]}" | tac))
  for server in "${servers[@]}"; do
    for client in "${order[@]}"; do
      log "round $r/$rounds: $client -> $server"
      run_one "$server" "$client" "$C" "$r"
    done
  done
  sweep openai-bench-h1 "$r" ${scaling[@]+"${scaling[@]}"}
  sweep openai-bench-h2 "$r" ${scaling_h2[@]+"${scaling_h2[@]}"}
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

micro=null
if [ -x "$bin/micro_bench" ]; then
  log "micro_bench"
  min_time=$([ $smoke = 1 ] && echo 0.01 || echo 0.3)
  "$bin/micro_bench" --benchmark_min_time="$min_time" --benchmark_format=json \
    >"$TMP/micro.json" 2>/dev/null && micro=$TMP/micro.json
fi

# ---------------------------------------------------------------- report
mem_kib=$(awk '/^MemTotal/{print $2}' /proc/meminfo)
# The commit measured; "+dirty" when the library or tools differ from it in the working tree.
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)
[ -n "$(git -C "$ROOT" status --porcelain -- lib include tools 2>/dev/null)" ] && commit+="+dirty"

export BENCH_META
BENCH_META=$(node -e '
  const [date, nproc, cpu, memKib, kernel, ...rest] = process.argv.slice(1);
  const [gxx, boost, openssl, nginx, node, sdk, curl, wrk, h2load, commit, loadStart, loadEnd,
         n, c, peerN, rounds, smoke, notes] = rest;
  console.log(JSON.stringify({date, nproc: +nproc, cpu, mem_gib: (memKib / 1048576).toFixed(1),
    kernel, versions: {gxx, boost, openssl, nginx, node, sdk, curl, wrk, h2load}, commit,
    load: {start: loadStart, end: loadEnd}, n: +n, c: +c, peer_n: +peerN, rounds: +rounds,
    smoke: smoke === "1",
    notes: notes ? notes.split("\n") : []}));' \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" \
  "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)" "$mem_kib" "$(uname -r)" \
  "$(g++ -dumpfullversion 2>/dev/null || echo ?)" "1.81" "$(openssl version | cut -d' ' -f2)" \
  "$(nginx -v 2>&1 | sed 's|.*nginx/||')" "$(node -v)" "$sdk_version" \
  "$(curl --version | head -1 | cut -d' ' -f2)" "$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)" \
  "$( (h2load --version 2>/dev/null || echo ?) | sed 's|.*nghttp2/||')" \
  "${BENCH_COMMIT:-$commit}" "$load_start" "$load_end" \
  "$N" "$C" "$peer_n" "$rounds" "$smoke" "$(printf '%s\n' "${notes[@]}")")
mkdir -p "$out"
node "$BENCH/report.mjs" "$results" "$micro" "$out"
# The real network's rows (rate-limited batches, a long round trip), after the loopback table.
log "network rows (bench/network.sh)"
network_args=(--bin "$bin" --out "$TMP/network.md"); [ "$smoke" = 1 ] && network_args+=(--smoke)
if bash "$BENCH/network.sh" "${network_args[@]}" >/dev/null; then
  { echo; cat "$TMP/network.md"; } | tee -a "$out/latest.md"
else
  echo "run.sh: bench/network.sh failed" >&2
  own_failures=$((own_failures + 1))
fi
if [ "$own_failures" -gt 0 ]; then
  echo "run.sh: $own_failures run(s) of openai-bench or update-many failed (see above)" >&2
  exit 1
fi
