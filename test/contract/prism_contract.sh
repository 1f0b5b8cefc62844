#!/usr/bin/env bash
# Contract test: the `openai` command line against Prism serving the official OpenAPI spec.
#   prism_contract.sh OPENAI SPEC
# Prism (npm @stoplight/prism-cli, pinned) answers 422 when a request breaks the spec's schema,
# 415 for a wrong Content-Type, 401 without a bearer token; every command must get a 2xx.
# Exit 77 (SKIPPED) when the spec or npm is absent, or Prism cannot be installed.
set -u

openai=$1
spec=$2
prism_version=5.14.2
cache=${OPENAI_ASIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openai-asio}/prism-$prism_version
skip=77

skipped() { echo "SKIPPED: $*"; exit "$skip"; }

[[ -f $spec ]] || skipped "no spec at $spec"
command -v npm >/dev/null || skipped "npm is not installed"
command -v node >/dev/null || skipped "node is not installed"


prism=$cache/node_modules/.bin/prism
if [[ ! -x $prism ]]; then
  echo "installing @stoplight/prism-cli@$prism_version into $cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
    "@stoplight/prism-cli@$prism_version" >"$cache/install.log" 2>&1 ||
    { cat "$cache/install.log"; skipped "could not install Prism (offline?)"; }
fi

work=$(mktemp -d)
prism_pid=
stop_prism() {
  # Prism runs in its own process group (setsid): stop that group, which we started.
  if [[ -n $prism_pid ]]; then
    kill -TERM -- "-$prism_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$prism_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$prism_pid" 2>/dev/null
    wait "$prism_pid" 2>/dev/null
    prism_pid=
  fi
}
trap 'stop_prism; rm -rf "$work"' EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Start Prism on a free loopback port; try again on another port if it loses a race for it.
started=
for _ in 1 2 3; do
  port=$((20000 + RANDOM % 40000))
  port_free "$port" || continue
  setsid "$prism" mock -h 127.0.0.1 -p "$port" "$spec" >"$work/prism.log" 2>&1 &
  prism_pid=$!
  echo "starting Prism on 127.0.0.1:$port (takes ~13 s)"
  for _ in $(seq 1200); do  # up to 120 s: the spec is large
    if ! kill -0 "$prism_pid" 2>/dev/null; then break; fi
    if grep -q "Prism is listening" "$work/prism.log"; then started=1; break; fi
    sleep 0.1
  done
  [[ -n $started ]] && break
  stop_prism
done
if [[ -z $started ]]; then
  echo "FAIL: Prism did not start"
  tail -20 "$work/prism.log"
  exit 1
fi

export OPENAI_API_KEY=sk-contract-test-key
export OPENAI_BASE_URL=http://127.0.0.1:$port  # Prism serves the paths without /v1
failures=0
# Prism's static mock answers every object with "id": "string"; the client checks that an answer
# carries the id asked for (verify_response_id, on by default), so this is the id to ask for.
id=string

contract() {
  local name=$1
  shift
  if "$openai" --max-retries 0 --format json "$@" >"$work/out" 2>"$work/err"; then
    echo "  ok: $name: $(head -c 160 "$work/out")"
  else
    echo "  FAIL: $name (exit $?)"
    echo "    stderr: $(cat "$work/err")"
    echo "    stdout: $(head -c 400 "$work/out")"
    failures=$((failures + 1))
  fi
  if grep -qF "$OPENAI_API_KEY" "$work/out" "$work/err"; then
    echo "  FAIL: $name printed the API key"
    failures=$((failures + 1))
  fi
}

contract "update" chat:completions update --completion-id "$id" --metadata '{foo: string}'
contract "retrieve" chat:completions retrieve "$id"
contract "list with a metadata filter" chat:completions list --metadata foo=string --limit 5 \
  --max-items 5 --order desc --model gpt-4o
contract "delete" chat:completions delete "$id"
contract "messages list" chat:completions:messages list "$id" --limit 5 --max-items 5 --order asc

if [[ $failures != 0 ]]; then
  echo "Prism log (requests that broke the contract):"
  grep -iE "violation|error|422|415" "$work/prism.log" | tail -30
fi
echo "contract: $((5 - failures)) of 5 commands passed"
[[ $failures == 0 ]]
