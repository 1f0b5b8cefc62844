#!/usr/bin/env bash
# openai-mock out of file descriptors: started with a low `ulimit -n`, flooded with more idle
# connections than it can accept, its accept loop must back off (little CPU while saturated)
# and serve again once the connections close.
#   mock_descriptors_test.sh OPENAI_MOCK
set -u

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }
[[ -r /proc/self/stat ]] || { echo "SKIPPED: no /proc"; exit 77; }

mock=$1
key='sk-descriptor-test-key'
fds=()
source "$(dirname "$0")/../cli/mock_script_prelude.sh"
extra_cleanup() {
  local fd
  for fd in "${fds[@]}"; do exec {fd}>&-; done
}

# The mock under a descriptor limit: the wrapper sets it, then becomes the mock (same pid).
printf '#!/usr/bin/env bash\nulimit -n 40 || exit 1\nexec "%s" "$@"\n' "$mock" >"$work/limited-mock"
chmod +x "$work/limited-mock"
real_mock=$mock
mock=$work/limited-mock

# cpu_ticks PID: user + system CPU time of the process so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

echo "openai-mock descriptor exhaustion tests"
start_mock 1 --no-https --idle-timeout 600
check "the mock runs under the limit and serves" \
  '[[ $(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$http_port/__mock/stats") == 200 ]]'

# Three times the limit in idle connections: the kernel completes them all (the listen
# backlog), the mock can accept only some before every accept fails with EMFILE.
for _ in $(seq 120); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$http_port" || break
  fds+=("$fd")
done
check "120 connections are open against the mock (${#fds[@]})" '[[ ${#fds[@]} == 120 ]]'
sleep 1  # let it accept what it can and reach EMFILE
ticks_per_second=$(getconf CLK_TCK)
window=3
t0=$(cpu_ticks "$mock_pid")
sleep "$window"
t1=$(cpu_ticks "$mock_pid")
used=$((t1 - t0))
check "saturated, the mock uses under a quarter of a core ($used ticks of $((window * ticks_per_second)))" \
  '[[ $((used * 4)) -lt $((window * ticks_per_second)) ]]'
check "the connections it could not accept are still waiting, not refused" 'kill -0 "$mock_pid"'

for fd in "${fds[@]}"; do exec {fd}>&-; done
fds=()
served=
for _ in $(seq 50); do
  if [[ $(curl -s -m 2 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$http_port/__mock/stats") == 200 ]]; then
    served=yes
    break
  fi
  sleep 0.1
done
check "once the connections close, the mock serves again" '[[ $served == yes ]]'
accepted=$(mock_stat connections_accepted)
check "it accepted the backlog as descriptors came free ($accepted connections)" \
  '[[ $accepted -ge 120 ]]'
mock=$real_mock

echo "descriptors: $((cases - failures)) of $cases cases passed"
[[ $failures == 0 ]]
