#!/usr/bin/env bash
# The conventions of the official `openai` CLI, run with the built binary against the
# openai-mock executable, one group per run:
#   parity_test.sh OPENAI OPENAI_MOCK GROUP
# Groups: formats, transform, stdin, references, debug, headers, errors, shell, pager, mtls,
# proxy.
source "$(dirname "$0")/group_script.sh"

id=chatcmpl-mock-000001

group_formats() {
  start_mock 3
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  run "$openai" chat:completions retrieve $id
  check "auto prints the object as the reference's example does: indented, two spaces" \
    '[[ $rc == 0 ]] && [[ $(head -1 "$work/out") == "{" ]] && has_out "  \"id\": \"$id\"," && has_out "\"temperature\": 1.0"'
  run "$openai" chat:completions retrieve $id --format auto
  check "--format auto is the default" '[[ $rc == 0 && $(head -2 "$work/out" | tail -1) == "  \"id\": \"$id\"," ]]'
  run "$openai" chat:completions retrieve $id --format jsonl
  check "jsonl prints one line" '[[ $rc == 0 && $(lines_out) == 1 ]] && has_out "{\"id\":\"$id\""'
  # raw: the body byte for byte (the library hands it over: request_options::on_response_body).
  run "$openai" chat:completions retrieve $id --format raw
  curl -s -H "Authorization: Bearer $key" "$http_url/chat/completions/$id" >"$work/body"
  check "raw prints the response body exactly as sent" '[[ $rc == 0 ]] && cmp -s <(printf "%s\n" "$(cat "$work/body")") "$work/out"'
  run "$openai" chat:completions retrieve $id --format json
  check "json indents as the official CLI, numbers as the server wrote them" \
    '[[ $rc == 0 && $(head -1 "$work/out") == "{" ]] && has_out "  \"id\": \"$id\"," && has_out "\"temperature\": 1E0"'
  run "$openai" chat:completions retrieve $id --format yaml
  check "yaml prints a YAML mapping" \
    '[[ $rc == 0 ]] && has_out "id: $id" && has_out "object: chat.completion" && has_out "  - index: 0" && has_out "temperature: 1.0"'
  run "$openai" chat:completions list --format yaml --max-items 2
  check "yaml lists are one document per item" '[[ $rc == 0 && $(grep -c "^---$" "$work/out") == 2 ]]'
  run "$openai" chat:completions retrieve $id --format pretty
  check "pretty draws a tree" '[[ $rc == 0 ]] && has_out "├─ id: \"$id\"" && has_out "└─ "'
  run "$openai" chat:completions retrieve $id --format text
  check "text shows the message, then labelled fields" \
    '[[ $rc == 0 ]] && [[ $(head -1 "$work/out") == "Mock answer 1"* ]] && has_out "ID: $id" && has_out "Model: "'
  run "$openai" chat:completions list --format text --max-items 2
  check "text separates list items by a blank line" '[[ $rc == 0 && $(grep -c "^$" "$work/out") -ge 2 && $(grep -c "^ID: chatcmpl-mock-" "$work/out") == 2 ]]'
  run "$openai" chat:completions retrieve $id --format explore
  check "explore without a terminal prints json with a warning" \
    '[[ $rc == 0 && $(head -2 "$work/out" | tail -1) == "  \"id\": \"$id\"," ]] && has_err "warning: --format explore"'
  run env FORCE_COLOR=1 "$openai" chat:completions retrieve $id --format json
  check "FORCE_COLOR=1 colours json in the official palette" '[[ $rc == 0 ]] && grep -q $'"'"'\x1b\[94m"id"'"'"' "$work/out"'
  run env FORCE_COLOR=0 "$openai" chat:completions retrieve $id --format json
  check "FORCE_COLOR=0 never colours" '[[ $rc == 0 ]] && ! grep -q $'"'"'\x1b'"'"' "$work/out"'
  run env FORCE_COLOR=1 NO_COLOR=1 "$openai" chat:completions retrieve $id --format json
  check "NO_COLOR wins over FORCE_COLOR" '[[ $rc == 0 ]] && ! grep -q $'"'"'\x1b'"'"' "$work/out"'
  run "$openai" chat:completions retrieve $id --format json
  check "no colour when piped" '[[ $rc == 0 ]] && ! grep -q $'"'"'\x1b'"'"' "$work/out"'
  run "$openai" chat:completions retrieve $id --format xml
  check "an unknown format is a usage error naming the choices" '[[ $rc == 2 ]] && has_err "auto, text, json, jsonl, pretty, raw, yaml, explore"'
}

group_transform() {
  start_mock 5
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  run "$openai" chat:completions retrieve $id --transform choices.0.message.content
  check "--transform selects a field (a JSON string)" '[[ $rc == 0 && $out == "\"Mock answer 1: a short poem about the sea.\"" ]]'
  run "$openai" chat:completions retrieve $id --transform choices.0.message.content -r
  check "-r prints the string bare" '[[ $rc == 0 && $out == "Mock answer 1: a short poem about the sea." ]]'
  run "$openai" chat:completions retrieve $id --transform choices.0.message.content --raw-output
  check "--raw-output is -r" '[[ $rc == 0 && $out == "Mock answer 1: a short poem about the sea." ]]'
  run "$openai" chat:completions list --transform id -r
  check "lists transform each item" '[[ $rc == 0 && $(lines_out) == 5 && $(head -1 "$work/out") == chatcmpl-mock-000001 ]]'
  run "$openai" chat:completions list --transform 'choices.#' --max-items -1
  check "--max-items -1 means no limit" '[[ $rc == 0 && $(lines_out) == 5 && $(sort -u "$work/out") == 1 ]]'
  run "$openai" chat:completions retrieve $id --transform 'usage.@keys' --format jsonl
  check "modifiers apply" '[[ $rc == 0 ]] && [[ $out == "[\"prompt_tokens\",\"completion_tokens\",\"total_tokens\""* ]]'
  run "$openai" chat:completions retrieve $id --transform 'choices.#(finish_reason=="stop").index'
  check "queries apply" '[[ $rc == 0 && $out == 0 ]]'
  run "$openai" chat:completions retrieve $id --transform no.such.path --format jsonl
  check "a path that selects nothing prints the whole object" '[[ $rc == 0 ]] && has_out "{\"id\":\"$id\""'
  run "$openai" chat:completions update $id --metadata '{n: 5}' --transform metadata --format jsonl
  check "update results transform too" '[[ $rc == 0 && $out == "{\"n\":\"5\"}" ]]'
}

group_stdin() {
  start_mock 6
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  run bash -c "echo '{completion_id: $id, metadata: {a: b}}' | \"\$0\" chat:completions update" "$openai"
  check "a piped YAML mapping fills --completion-id and --metadata" \
    '[[ $rc == 0 && $(mock_metadata $id) == "{\"a\":\"b\"}" ]]'
  run bash -c "printf 'completion_id: $id\nmetadata:\n  block: yaml\n  n: 5\n' | \"\$0\" chat:completions update" "$openai"
  check "block YAML on stdin, numbers sent as strings" \
    '[[ $rc == 0 && $(mock_metadata $id) == "{\"block\":\"yaml\",\"n\":\"5\"}" ]]'
  run bash -c "echo '{\"completion_id\": \"nope\", \"metadata\": {\"a\": \"x\"}}' | \"\$0\" chat:completions update $id --metadata '{from: flag}'" "$openai"
  check "flags win over stdin" '[[ $rc == 0 && $(mock_metadata $id) == "{\"from\":\"flag\"}" ]]'
  run bash -c "echo '{limit: 2, order: desc}' | \"\$0\" chat:completions list --max-items 2 --transform id -r" "$openai"
  check "list parameters from stdin" '[[ $rc == 0 && $(head -1 "$work/out") == chatcmpl-mock-000006 ]]'
  run bash -c "echo '{metadata: {from: flag}}' | \"\$0\" chat:completions list --transform id -r" "$openai"
  check "a list filter mapping from stdin" '[[ $rc == 0 && $out == $id ]]'
  run "$openai" chat:completions list --metadata '{from: "flag"}' --transform id -r
  check "list --metadata takes the official mapping form" '[[ $rc == 0 && $out == $id ]]'
  run bash -c "echo '{bogus: 1}' | \"\$0\" chat:completions retrieve $id" "$openai"
  check "an unknown key on stdin is a usage error" '[[ $rc == 2 ]] && has_err "'"'"'bogus'"'"' is not a parameter"'
  run bash -c "echo '[1, 2]' | \"\$0\" chat:completions retrieve $id" "$openai"
  check "a stdin that is not a mapping is a usage error" '[[ $rc == 2 ]] && has_err "must be a mapping"'
  run "$openai" chat:completions retrieve $id extra
  check "extra positional arguments are an error" '[[ $rc == 2 ]] && has_err "unexpected argument '"'"'extra'"'"'"'
}

group_references() {
  start_mock 3
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  printf 'note text' >"$work/note.txt"
  printf 'ab' >"$work/two.bin"
  run "$openai" chat:completions update $id --metadata "{a: \"@$work/note.txt\", b: \"@file://$work/note.txt\", c: \"@data://$work/two.bin\", d: \"\\\\@x\"}"
  check "@path, @file://, @data:// and \\@ inside the mapping" \
    '[[ $rc == 0 && $(mock_metadata $id) == "{\"a\":\"note text\",\"b\":\"note text\",\"c\":\"YWI=\",\"d\":\"@x\"}" ]]'
  printf 'from: block yaml\nn: 5\nok: true\n' >"$work/block.yaml"
  run "$openai" chat:completions update $id --metadata "@$work/block.yaml"
  check "@FILE holding block YAML (libfyaml), numbers and booleans as strings" \
    '[[ $rc == 0 && $(mock_metadata $id) == "{\"from\":\"block yaml\",\"n\":\"5\",\"ok\":\"true\"}" ]]'
  run "$openai" chat:completions update $id --metadata "{a: \"@$work/missing.txt\"}"
  check "a missing referenced file is a usage error, nothing sent" '[[ $rc == 2 ]] && has_err "cannot read"'
}

group_debug() {
  start_mock 3
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  printf '{"%s": [{"status": 503, "body": "{}"}, "ok"]}' $id >"$work/faults.json"
  curl -s -X POST --data-binary @"$work/faults.json" "http://127.0.0.1:$http_port/__mock/faults" >/dev/null
  run "$openai" --debug chat:completions retrieve $id -H 'X-Trace-Id: t-1' --transform id
  check "--debug shows every attempt, a retry included, from the library's debug_log" \
    '[[ $rc == 0 ]] && [[ $(grep -c "openai: debug: request GET $http_url/chat/completions/$id attempt" "$work/err") == 2 ]] && has_err "response 503 GET" && has_err "response 200 GET $http_url/chat/completions/$id request-id: req_" && has_err "attempt: 2"'
  check "each attempt's headers as sent, Authorization as Bearer <REDACTED>" \
    '[[ $(grep -c "Authorization: Bearer <REDACTED>" "$work/err") == 2 && $(grep -c "X-Trace-Id: t-1" "$work/err") == 2 ]] && has_err "Host: 127.0.0.1:$http_port" && has_err "x-request-id: req_" && no_key_anywhere'
  run "$openai" chat:completions update $id --metadata '{a: b}' --debug --transform id
  check "--debug shows the request body as sent" \
    '[[ $rc == 0 ]] && has_err "openai: debug: request POST $http_url/chat/completions/$id" && has_err "body: {\"metadata\":{\"a\":\"b\"}}" && has_err "Content-Type: application/json"'
  run "$openai" chat:completions retrieve $id --transform id
  check "without --debug nothing goes to stderr" '[[ $rc == 0 && -z $err ]]'
}

# A one-shot HTTP server that records the request it gets (python3), for what the mock
# does not show: the headers sent.
capture_request() {
  python3 - "$work/request.txt" "$work/capture_port" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.settimeout(20)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); c.settimeout(10); data = b""
while b"\r\n\r\n" not in data:
    chunk = c.recv(65536)
    if not chunk: break
    data += chunk
open(sys.argv[1], "wb").write(data)
body = b'{"error":{"message":"captured","type":"invalid_request_error","param":null,"code":"x"}}'
c.sendall(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nx-should-retry: false\r\ncontent-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
c.close()
PY
  capture_pid=$!
  for _ in $(seq 100); do [[ -s $work/capture_port ]] && break; sleep 0.05; done
  capture_url="http://127.0.0.1:$(cat "$work/capture_port")/v1"
}

group_headers() {
  command -v python3 >/dev/null || { echo "SKIPPED: python3 is not installed"; exit 77; }
  export OPENAI_API_KEY=$key
  rm -f "$work/capture_port"
  capture_request
  run env OPENAI_CUSTOM_HEADERS=$'X-Env: from-env\nX-Both: env' "$openai" chat:completions retrieve $id \
    --base-url "$capture_url" --max-retries 0 -H 'X-Trace-Id: abc: d,e' --header 'x-trace-id:  last  ' -H 'X-Both: flag' -H 'X-Empty:'
  wait "$capture_pid"
  local req
  req=$(cat "$work/request.txt")
  check "-H sends the header, the last of a name wins whatever its case, value trimmed" \
    'grep -qi "^x-trace-id: last"$'"'"'\r'"'"'"$" <<<"$req" && ! grep -q "abc" <<<"$req"'
  check "OPENAI_CUSTOM_HEADERS sends one header per line" 'grep -q "^X-Env: from-env" <<<"$req"'
  check "-H replaces an OPENAI_CUSTOM_HEADERS entry" 'grep -q "^X-Both: flag" <<<"$req" && ! grep -q "X-Both: env" <<<"$req"'
  check "an empty value is sent" 'grep -q "^X-Empty:" <<<"$req"'
  rm -f "$work/capture_port"
  capture_request
  run bash -c 'echo "{\"completion_id\": \"$1\", \"metadata\": {\"a\": \"b\"}}" | "$0" chat:completions update-many --input - --max-retries 0 --base-url "$2" -H "X-Batch: b-1"' "$openai" $id "$capture_url"
  wait "$capture_pid"
  check "update-many sends -H headers too" 'grep -q "^X-Batch: b-1" "$work/request.txt"'
  run "$openai" chat:completions retrieve $id --base-url http://127.0.0.1:1/v1 -H 'Content-Length: 5'
  check "headers go through the library's checks (exit 2, nothing sent)" '[[ $rc == 2 ]] && has_err "Content-Length"'
  run "$openai" chat:completions retrieve $id --base-url http://127.0.0.1:1/v1 -H 'no colon'
  check "a header without a colon is a usage error" '[[ $rc == 2 ]] && has_err "Name: Value"'
}

group_errors() {
  start_mock 3
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  run "$openai" chat:completions retrieve nope
  check "errors print the official summary by default" \
    '[[ $rc == 1 && -z $out ]] && [[ $(head -1 "$work/err") == "HTTP 404: Not Found." && $(sed -n 2p "$work/err") == "Request ID: req_"* ]] && has_err "No chat completion found" && has_err "Hint: "'
  run "$openai" chat:completions retrieve nope -H "X-Request-ID: my-own-id"
  check "a request id the caller sent is not shown as the server's" '[[ $rc == 1 ]] && ! has_err "Request ID:"'
  run "$openai" chat:completions retrieve nope --format-error text
  check "--format-error text prints the official summary" \
    '[[ $rc == 1 && -z $out ]] && [[ $(head -1 "$work/err") == "HTTP 404: Not Found." ]] && has_err "No chat completion found" && has_err "Request ID: req_" && has_err "Hint: "'
  run "$openai" chat:completions retrieve nope --format-error json
  printf '%s\n' '{' "  \"message\": \"No chat completion found with id 'nope'.\"," \
    '  "type": "invalid_request_error",' '  "param": null,' '  "code": null' '}' >"$work/expected"
  check "--format-error json prints the API error object, indented" \
    '[[ $rc == 1 ]] && cmp -s "$work/expected" "$work/err"'
  run "$openai" chat:completions retrieve nope --format jsonl
  check "an explicit --format jsonl applies to errors too" '[[ $rc == 1 ]] && has_err "{\"message\":" && [[ $(wc -l <"$work/err") == 1 ]]'
  run "$openai" chat:completions retrieve nope --format jsonl --format-error auto
  check "--format-error auto restores the summary" '[[ $rc == 1 && $(head -1 "$work/err") == "HTTP 404: Not Found." ]]'
  run "$openai" chat:completions retrieve nope --format-error yaml
  check "--format-error yaml" '[[ $rc == 1 ]] && has_err "type: invalid_request_error"'
  run "$openai" chat:completions retrieve nope --transform-error type -r
  check "--transform-error extracts from the error object" '[[ $rc == 1 && $err == invalid_request_error ]]'
  run "$openai" chat:completions retrieve nope --transform-error type --format-error text
  check "--transform-error with text prints the data" '[[ $rc == 1 && $err == "\"invalid_request_error\"" ]]'
  # A body that is not JSON: the mock's malformed fault on a 500 is not that; use a plain-text
  # server error through the fault script of one id.
  run "$openai" chat:completions update $id --metadata '{a: b}' --format-error json --transform-error message
  check "success is unaffected by error flags" '[[ $rc == 0 ]]'
  run "$openai" chat:completions retrieve $id --base-url "http://127.0.0.1:1/v1" --max-retries 0 --format-error jsonl
  check "a network error still yields a JSON error object" '[[ $rc == 1 ]] && [[ $err == "{\"message\":"* ]]'
  run "$openai" chat:completions retrieve $id --base-url "http://127.0.0.1:1/v1" --max-retries 0
  check "a network error is one line of ours by default (no HTTP status to summarize)" '[[ $rc == 1 && $(wc -l <"$work/err") == 1 ]] && has_err "openai: network error: "'
  printf '{"%s": [{"status": 502, "headers": {"content-type": "text/html"}, "body": "<html>bad gateway</html>"}]}' $id >"$work/faults.json"
  curl -s -X POST --data-binary @"$work/faults.json" "http://127.0.0.1:$http_port/__mock/faults" >/dev/null
  run "$openai" chat:completions retrieve $id --max-retries 0 --format-error jsonl
  check "a non-JSON error body still yields a JSON error object with the status" \
    '[[ $rc == 1 ]] && [[ $err == "{\"message\":\"<html>bad gateway</html>\",\"status_code\":502}" ]]'
  run "$openai" chat:completions update $id --metadata '{a: {b: c}}' --format-error json
  check "usage errors stay one line with exit 2" '[[ $rc == 2 ]] && has_err "openai: "'
}

group_shell() {
  run "$openai" -v
  check "-v prints the version" '[[ $rc == 0 ]] && has_out "openai "'
  run "$openai" chat:completions update --help
  check "--help says numbers and booleans are sent as strings" '[[ $rc == 0 ]] && has_out "sent as strings" && has_out "-H, --header"'
  run "$openai" --help
  check "--help lists the proxy and mTLS flags" \
    '[[ $rc == 0 ]] && has_out "--proxy URL" && has_out "--no-proxy" && has_out "--mtls-client-cert-file" && has_out "--mtls-client-key-file"'
  run "$openai" @completion bash
  check "@completion bash prints a script" '[[ $rc == 0 ]] && has_out "complete -F _openai openai"'
  local script=$work/openai.bash
  cp "$work/out" "$script"
  complete_line() {
    bash -c 'source "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _openai; printf "%s\n" "${COMPREPLY[@]}"' _ "$script" "$1"
  }
  out=$(complete_line "openai chat:completions u")
  check "bash completes the command words" '[[ $out == *update* && $out == *update-many* ]]'
  out=$(complete_line "openai chat:completions update --f")
  check "bash completes a command's flags" '[[ $out == *--format* && $out == *--format-error* ]]'
  out=$(complete_line "openai chat:completions list --format y")
  check "bash completes --format values" '[[ $out == yaml ]]'
  out=$(complete_line "openai chat:completions:messages list --")
  check "messages list offers its flags, not update's" '[[ $out == *--limit* && $out != *--metadata* ]]'
  run "$openai" @completion zsh
  check "@completion zsh" '[[ $rc == 0 ]] && has_out "#compdef openai" && has_out "bashcompinit"'
  if command -v zsh >/dev/null; then
    cp "$work/out" "$work/openai.zsh"
    out=$(zsh -c 'autoload -U compinit && compinit -u -d "$2/zcompdump"; source "$1"; print -r -- ${_comps[openai]}' _ "$work/openai.zsh" "$work" 2>&1)
    check "zsh loads its script and registers the completion" '[[ $out == *_openai* ]]'
  fi
  run "$openai" @completion fish
  check "@completion fish lists the flags and formats" '[[ $rc == 0 ]] && has_out "complete -c openai -l format" && has_out "auto text json"'
  if command -v fish >/dev/null; then
    cp "$work/out" "$work/openai.fish"
    out=$(fish -c 'source $argv[1]; complete -C "openai chat:completions list --format y"; complete -C "openai chat:completions u"' "$work/openai.fish" 2>&1)
    check "fish loads its script and completes commands and --format values" \
      '[[ $out == yaml* && $out == *update* && $out == *update-many* ]]'
  fi
  run "$openai" @completion tcsh
  check "an unknown shell is a usage error" '[[ $rc == 2 ]]'
  run "$openai" @manpages -o "$work/man"
  check "@manpages -o DIR writes openai.1" '[[ $rc == 0 && -s $work/man/openai.1 ]]'
  if command -v man >/dev/null; then
    local page
    page=$(MANWIDTH=100 man -l "$work/man/openai.1" 2>"$work/man.err" | col -b)
    check "man -l renders it with every global flag" \
      '[[ -n $page ]] && ! grep -q "warning" "$work/man.err" && grep -q "OPENAI(1)" <<<"$page" && grep -q -- "--transform-error" <<<"$page" && grep -q -- "--format-error" <<<"$page" && grep -q "chat:completions update" <<<"$page"'
  fi
  run "$openai" @manpages
  check "@manpages without -o is a usage error" '[[ $rc == 2 ]] && has_err "missing -o DIR"'
}

group_pager() {
  command -v script >/dev/null || { echo "SKIPPED: script (bsdutils) is not installed"; exit 77; }
  start_mock 70
  export OPENAI_API_KEY=$key OPENAI_BASE_URL=$http_url
  # A pseudo-terminal 20 rows high; the "pager" marks what it is given.
  printf '#!/bin/sh\necho PAGER-RAN; cat\n' >"$work/pager"
  chmod +x "$work/pager"
  run env PAGER="$work/pager" script -qec "stty rows 20 cols 120; $openai chat:completions list --transform id -r" /dev/null
  check "output taller than the terminal goes through \$PAGER" '[[ $rc == 0 ]] && has_out PAGER-RAN && has_out chatcmpl-mock-000070'
  run env PAGER="$work/pager" script -qec "stty rows 20 cols 120; $openai chat:completions list --transform id -r --max-items 3" /dev/null
  check "output that fits is printed directly" '[[ $rc == 0 ]] && ! has_out PAGER-RAN && has_out chatcmpl-mock-000003'
  run env PAGER="$work/pager" "$openai" chat:completions list --transform id -r
  check "never a pager when piped" '[[ $rc == 0 && $(lines_out) == 70 ]] && ! has_out PAGER-RAN'
}

# Proxies: --proxy / --no-proxy and the proxy variables, with tinyproxy (BasicAuth on) in front
# of the mock.
start_tinyproxy() {
  proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s\n' "Port $proxy_port" "Listen 127.0.0.1" "Timeout 30" "MaxClients 20" \
    "LogFile \"$work/tinyproxy.log\"" "LogLevel Connect" "BasicAuth user s3cret-pass" >"$work/tinyproxy.conf"
  : >"$work/tinyproxy.log"
  tinyproxy -d -c "$work/tinyproxy.conf" 2>/dev/null &
  proxy_pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$proxy_port) 2>/dev/null && return; sleep 0.05; done
  echo "tinyproxy did not start"; exit 1
}
proxy_requests() { grep -c "Request (file descriptor" "$work/tinyproxy.log"; }

group_proxy() {
  # The mock's certificate also names this machine's host name, for the proxy variables below.
  local host_name
  host_name=$(hostname)
  start_mock 3 --tls-name "$host_name"
  export OPENAI_API_KEY=$key
  local ca=(--ca-file "$work/ca.pem")
  run "$openai" chat:completions retrieve $id --base-url "$http_url" --proxy http://127.0.0.1:1 --no-proxy
  check "--proxy with --no-proxy is a usage error (exit 2)" '[[ $rc == 2 ]] && has_err "contradict"'
  run "$openai" chat:completions retrieve $id --base-url "$http_url" --proxy 127.0.0.1:1
  check "--proxy needs an http:// or https:// URL (exit 2)" '[[ $rc == 2 ]] && has_err "http:// or https://"'
  command -v tinyproxy >/dev/null || { echo "SKIPPED: tinyproxy is not installed"; exit 77; }
  start_tinyproxy
  trap 'kill "$proxy_pid" 2>/dev/null; cleanup' EXIT
  local good="http://user:s3cret-pass@127.0.0.1:$proxy_port"
  # Loopback APIs bypass a proxy of the environment (as Go does), and --no-proxy bypasses all.
  run env HTTPS_PROXY=$good HTTP_PROXY=$good "$openai" chat:completions retrieve $id --base-url "$https_url" "${ca[@]}"
  check "the proxy variables leave a loopback API alone" '[[ $rc == 0 && $(proxy_requests) == 0 ]]'
  run env ALL_PROXY=$good "$openai" chat:completions retrieve $id --base-url "$https_url" "${ca[@]}" --no-proxy
  check "--no-proxy connects directly" '[[ $rc == 0 && $(proxy_requests) == 0 ]]'
  run "$openai" chat:completions retrieve $id --base-url "$https_url" "${ca[@]}" --proxy "$good" --debug
  check "--proxy tunnels an https API through the proxy, the password never shown" \
    '[[ $rc == 0 ]] && grep -q "CONNECT 127.0.0.1:$https_port" "$work/tinyproxy.log" && ! grep -q s3cret-pass "$work/out" "$work/err" && no_key_anywhere'
  local before
  before=$(proxy_requests)
  printf '{"completion_id": "chatcmpl-mock-%06d", "metadata": {"via": "proxy"}}\n' 1 2 3 >"$work/updates.jsonl"
  run "$openai" chat:completions update-many --input "$work/updates.jsonl" --base-url "$https_url" "${ca[@]}" --proxy "$good" --concurrency 1
  check "update-many goes through --proxy, over one reused tunnel" \
    '[[ $rc == 0 && $(mock_metadata chatcmpl-mock-000003) == "{\"via\":\"proxy\"}" && $(proxy_requests) == $((before + 1)) ]]'
  run "$openai" chat:completions retrieve $id --base-url "$https_url" "${ca[@]}" --proxy "http://user:wrong-pass@127.0.0.1:$proxy_port" --max-retries 0
  check "wrong proxy credentials fail (exit 1) without showing the password" \
    '[[ $rc == 1 ]] && ! grep -q wrong-pass "$work/out" "$work/err" && no_key_anywhere'

  # The proxy variables for an API that is not named as loopback: the machine's host name, when
  # it resolves to a loopback address (the mock listens there only). tinyproxy resolves it.
  if ! getent hosts "$host_name" | grep -qE '^(127\.|::1 )'; then
    echo "SKIPPED: the proxy-variable cases: host name $host_name is not a loopback address here"
    exit 77
  fi
  local named_url="https://$host_name:$https_port/v1"
  before=$(proxy_requests)
  run env HTTPS_PROXY=$good "$openai" chat:completions retrieve $id --base-url "$named_url" "${ca[@]}" --debug
  check "HTTPS_PROXY carries a command to an API of another name, the password never shown" \
    '[[ $rc == 0 ]] && grep -q "CONNECT $host_name:$https_port" "$work/tinyproxy.log" && [[ $(proxy_requests) == $((before + 1)) ]] && ! grep -q s3cret-pass "$work/out" "$work/err" && no_key_anywhere'
  before=$(proxy_requests)
  printf '{"completion_id": "chatcmpl-mock-%06d", "metadata": {"via": "env-proxy"}}\n' 1 2 3 >"$work/updates.jsonl"
  run env https_proxy=$good "$openai" chat:completions update-many --input "$work/updates.jsonl" --base-url "$named_url" "${ca[@]}" --concurrency 1
  check "update-many follows https_proxy, over one reused tunnel" \
    '[[ $rc == 0 && $(mock_metadata chatcmpl-mock-000002) == "{\"via\":\"env-proxy\"}" && $(proxy_requests) == $((before + 1)) ]]'
  before=$(proxy_requests)
  run env HTTPS_PROXY=$good NO_PROXY=".$host_name,example.com" "$openai" chat:completions retrieve $id --base-url "$named_url" "${ca[@]}"
  check "NO_PROXY naming the host reaches it directly" '[[ $rc == 0 && $(proxy_requests) == $before ]]'
  run env HTTPS_PROXY=http://127.0.0.1:1 "$openai" chat:completions retrieve $id --base-url "$named_url" "${ca[@]}" --max-retries 0
  check "a refused proxy of the environment is a network error (exit 1) naming the proxy" \
    '[[ $rc == 1 ]] && has_err "proxy http://127.0.0.1:1"'
}

# Mutual TLS: a certificate the library cannot load stops the command with exit 2 instead of
# being ignored; the flags and the variables present the certificate to a mock that requires
# one; without one, the error says what is missing.
group_mtls() {
  export OPENAI_API_KEY=$key
  local base=(--base-url http://127.0.0.1:1/v1 --max-retries 0)
  run "$openai" chat:completions retrieve $id "${base[@]}" --mtls-client-cert-file "$work/none.pem" --mtls-client-key-file "$work/none-key.pem"
  check "an unreadable --mtls-client-cert-file is a configuration error (exit 2), never ignored" \
    '[[ $rc == 2 ]] && has_err "openai: invalid configuration" && no_key_anywhere'
  run env OPENAI_MTLS_CLIENT_CERT_FILE="$work/none.pem" OPENAI_MTLS_CLIENT_KEY_FILE="$work/none-key.pem" "$openai" chat:completions retrieve $id "${base[@]}"
  check "OPENAI_MTLS_CLIENT_CERT_FILE and _KEY_FILE reach the library too" '[[ $rc == 2 ]] && has_err "openai: invalid configuration"'
  run "$openai" chat:completions retrieve $id "${base[@]}" --mtls-client-cert-file "$work/none.pem"
  check "a certificate without its key is a configuration error" '[[ $rc == 2 ]] && has_err "openai: invalid configuration"'

  # A mock that requires a client certificate (its own CA signs the one it writes out).
  start_mock 3 --client-cert-out "$work/client.pem" --client-key-out "$work/client-key.pem"
  local ca=(--ca-file "$work/ca.pem" --base-url "$https_url" --max-retries 0)
  run "$openai" chat:completions update $id --metadata '{via: mtls}' "${ca[@]}" --mtls-client-cert-file "$work/client.pem" --mtls-client-key-file "$work/client-key.pem"
  check "the mTLS flags present the certificate to a server that requires one" \
    '[[ $rc == 0 && $(mock_metadata $id) == "{\"via\":\"mtls\"}" ]]'
  run env OPENAI_MTLS_CLIENT_CERT_FILE="$work/client.pem" OPENAI_MTLS_CLIENT_KEY_FILE="$work/client-key.pem" "$openai" chat:completions retrieve $id "${ca[@]}"
  check "so do the OPENAI_MTLS_* variables" '[[ $rc == 0 ]]'
  run "$openai" chat:completions retrieve $id "${ca[@]}"
  check "without a certificate the error says one is required (exit 1)" \
    '[[ $rc == 1 ]] && has_err "requires a client certificate"'
}

run_group parity
