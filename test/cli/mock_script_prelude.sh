# Sourced first by the shell tests that drive openai-mock: a scratch folder ($work), the
# counters check_helpers.sh keeps, and a clean-up on exit that stops the mock (mock_pid, with
# $mock_kill_signal, default TERM) and removes the folder. A script with more to undo
# (background programs, descriptors) redefines extra_cleanup, which runs first.
work=$(mktemp -d)
mock_pid=
failures=0
cases=0

extra_cleanup() { :; }
cleanup() {
  extra_cleanup
  if [[ -n $mock_pid ]]; then
    kill -"${mock_kill_signal:-TERM}" "$mock_pid" 2>/dev/null
    wait "$mock_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

source "$(dirname "${BASH_SOURCE[0]}")/mock_helpers.sh"
source "$(dirname "${BASH_SOURCE[0]}")/check_helpers.sh"
