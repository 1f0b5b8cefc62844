#!/usr/bin/env bash
# openai-mock's listen addresses: 127.0.0.1 only by default, ::1 as well with --ipv6 or
# --listen, and never an address another machine could reach.
#   listen_test.sh OPENAI_MOCK
set -u

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }

mock=$1
key='sk-listen-test-key'
source "$(dirname "$0")/../cli/mock_script_prelude.sh"

# status URL: the HTTP status of GET URL/__mock/stats, or 000 when nothing answers.
status() { curl -s -m 5 -o /dev/null -w "%{http_code}" "$1/__mock/stats"; }

echo "openai-mock listen address tests"
start_mock 1
check "by default it serves on 127.0.0.1" '[[ $(status "http://127.0.0.1:$http_port") == 200 ]]'
check "by default nothing answers on ::1" '[[ $(status "http://[::1]:$http_port") == 000 ]]'

start_mock 1 --ipv6
check "--ipv6 serves on ::1 with the same port" \
  '[[ $(status "http://[::1]:$http_port") == 200 ]]'
check "--ipv6 still serves on 127.0.0.1" '[[ $(status "http://127.0.0.1:$http_port") == 200 ]]'
check "--ipv6 verifies over TLS on ::1 (the leaf names IP ::1)" \
  '[[ $(curl -s -m 5 --cacert "$work/ca.pem" -o /dev/null -w "%{http_code}" "https://[::1]:$https_port/__mock/stats") == 200 ]]'
check "it prints the [::1] base URL" 'grep -qF "https://[::1]:$https_port/v1" "$work/mock.log"'

start_mock 1 --listen ::1
check "--listen ::1 alone serves on ::1" '[[ $(status "http://[::1]:$http_port") == 200 ]]'
check "--listen ::1 alone leaves 127.0.0.1 out" \
  '[[ $(status "http://127.0.0.1:$http_port") == 000 ]]'

for address in 0.0.0.0 :: 192.0.2.1 localhost; do
  "$mock" --listen "$address" >"$work/out" 2>"$work/err"
  rc=$?
  check "--listen $address is refused with exit 2" \
    '[[ $rc == 2 ]] && grep -qF "not a loopback IP address" "$work/err"'
done

echo "listen: $((cases - failures)) of $cases cases passed"
[[ $failures == 0 ]]
