# Sourced by the shell test scripts (CLI, batch, examples): run a command, then check named
# conditions on what it printed. Expects $work (a scratch folder) and $key (the API key), and
# counts into $cases and $failures.

# run CMD...: runs it with stdout/stderr captured in $out/$err, status in $rc.
run() {
  "$@" >"$work/out" 2>"$work/err"
  rc=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}

fail() {
  echo "  FAIL: $*"
  echo "    exit status: ${rc:-}"
  echo "    stdout: $(head -c 2000 <<<"${out:-}")"
  echo "    stderr: $(tail -c 1000 <<<"${err:-}")"
  failures=$((failures + 1))
}

# check NAME CONDITION...: one case; CONDITION is a shell command evaluated after `run`.
check() {
  local name=$1
  shift
  cases=$((cases + 1))
  if eval "$*"; then echo "  ok: $name"; else fail "$name: $*"; fi
}

has_out() { grep -qF -- "$1" <<<"$out"; }
has_err() { grep -qF -- "$1" <<<"$err"; }
# The key must never be printed, whatever the command did.
no_key_anywhere() { ! grep -qF -- "$key" "$work/out" "$work/err"; }
