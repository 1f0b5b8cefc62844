# Sourced first by the CLI test scripts that run one group of cases against openai-mock
# (cli_test.sh, parity_test.sh), called as SCRIPT OPENAI OPENAI_MOCK GROUP: reads the
# arguments, makes the scratch folder, stops the mock and cleans up at exit, sources the
# helpers. run_group (at the end of the script) runs group_$group and reports.
set -u
# The tool reads a piped standard input as flags: never let it inherit the runner's.
exec </dev/null

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }

openai=$1
mock=$2
group=$3
key='My API Key'
source "$(dirname "${BASH_SOURCE[0]}")/mock_script_prelude.sh"

lines_out() { [[ -z $out ]] && echo 0 || wc -l <<<"$out"; }

# run_group NAME: runs group_$group (NAME titles the output), then exits 0 when every case passed.
run_group() {
  declare -F "group_$group" >/dev/null || { echo "unknown group $group"; exit 2; }
  echo "$1 tests: $group"
  "group_$group"
  echo "$group: $((cases - failures)) of $cases cases passed"
  [[ $failures == 0 ]]
}
