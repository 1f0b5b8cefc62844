#!/usr/bin/env bash
# Fails when a file includes one from a layer above its own. The layers, lowest first:
#   support (lib/support)  <- http (lib/http)  <- transport (lib/transport)  <- api (lib/api)
#   <- the call pipeline (lib/call.*, lib/client*, lib/pager.cpp, lib/batch/)  <- public (include/)
# The public vocabulary headers (<openai/metadata.hpp>, error, options, chat_completion,
# pagination, detail/operations) may be used from api up; <openai/pool_stats.hpp> from transport
# up (it is the pool's snapshot type); <openai/client.hpp> and <openai/batch.hpp> only by the
# call pipeline. Public headers include no lib/ file and no Beast or OpenSSL header.
#   bash test/layering/check_layers.sh [ROOT]
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

# The rank of a file of lib/ (or of a quoted include, relative to lib/).
rank_of() {
  case $1 in
    support/*) echo 0 ;;
    http/*) echo 1 ;;
    transport/*) echo 2 ;;
    api/*) echo 3 ;;
    call.* | client* | pager.* | batch/*) echo 4 ;;
    *) echo 9 ;;  # unknown: refused below
  esac
}
names=(support http transport api pipeline)

# The lowest rank that may include a public header.
public_rank() {
  case $1 in
    openai/pool_stats.hpp) echo 2 ;;
    openai/client.hpp | openai/batch.hpp) echo 4 ;;
    *) echo 3 ;;
  esac
}

failures=0
fail() {
  echo "layering: $1"
  failures=$((failures + 1))
}

files=0
while IFS= read -r file; do
  files=$((files + 1))
  rel=${file#lib/}
  own=$(rank_of "$rel")
  if [[ $own == 9 ]]; then
    fail "$file belongs to no layer (add it to test/layering/check_layers.sh)"
    continue
  fi
  while IFS= read -r line; do
    if [[ $line =~ ^#include\ \"([^\"]+)\" ]]; then
      target=${BASH_REMATCH[1]}
      theirs=$(rank_of "$target")
      if [[ $theirs == 9 ]]; then
        fail "$file includes \"$target\", which belongs to no layer"
      elif ((theirs > own)); then
        fail "$file (${names[$own]}) includes \"$target\" (${names[$theirs]}, a higher layer)"
      fi
    elif [[ $line =~ ^#include\ \<(openai/[^\>]+)\> ]]; then
      target=${BASH_REMATCH[1]}
      lowest=$(public_rank "$target")
      if ((own < lowest)); then
        fail "$file (${names[$own]}) includes <$target>, allowed from ${names[$lowest]} up"
      fi
    fi
  done < <(grep -E '^#include' "$file")
done < <(find lib -name '*.hpp' -o -name '*.cpp' | sort)

while IFS= read -r file; do
  files=$((files + 1))
  while IFS= read -r line; do
    if [[ $line =~ ^#include\ \" ]]; then
      fail "$file (public) includes a file of lib/: $line"
    elif [[ $line =~ ^#include\ \<(boost/beast|boost/asio/ssl|openssl/) ]]; then
      fail "$file (public) includes Beast or OpenSSL: $line"
    fi
  done < <(grep -E '^#include' "$file")
done < <(find include -name '*.hpp' -o -name '*.hpp.in' | sort)

if ((failures > 0)); then
  echo "layering: $failures violation(s) in $files files"
  exit 1
fi
echo "layering: $files files, every include goes to its own layer or a lower one"
