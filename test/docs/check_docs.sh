#!/usr/bin/env bash
# The README and the guides in docs/ against the repository:
# - a code block whose first line is a comment naming a file ("// docs/examples/x.cpp",
#   "# docs/examples/x.sh") must, after that line, be the whole file, byte for byte, so the
#   code a reader copies is the code the tests compile and run;
# - every relative link must name a file or folder inside the repository that exists.
# Usage: check_docs.sh SOURCE_DIR
set -uo pipefail
source=$(realpath "$1")
cd "$source"
failures=0 blocks=0 links=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for md in README.md docs/*.md; do
  [[ -e $md ]] || continue
  dir=$(dirname "$md")
  # Code blocks: write each named block out and compare.
  tmp=$(mktemp -d)
  awk -v out="$tmp" '
    /^```/ { if (inblock) { inblock = 0; if (name != "") close(out "/" n) } else { inblock = 1; first = 1; name = "" } next }
    inblock && first { first = 0
      if (match($0, /^(\/\/|#) (\.\.\/)*[A-Za-z0-9_.\/-]+\.(cpp|hpp|sh|cmake|txt)$/)) {
        name = $0; sub(/^(\/\/|#) /, "", name); n++; print name > (out "/" n ".name"); close(out "/" n ".name"); next } }
    inblock && name != "" { print > (out "/" n) }
  ' "$md"
  for f in "$tmp"/*.name; do
    [[ -e $f ]] || continue
    name=$(cat "$f") body=${f%.name}
    blocks=$((blocks + 1))
    target=$(realpath -m "$source/$name")  # named from the repository root
    if [[ $target != "$source"/* || ! -f $target ]]; then
      fail "$md: block names $name, which is not a file of the repository"
    elif ! diff -q "$body" "$target" >/dev/null; then
      fail "$md: the block of $name differs from the file:"; diff "$body" "$target" | head -10
    fi
  done
  rm -rf "$tmp"

  # Links: [text](target) outside code, that are not URLs or anchors.
  prose=$(awk '/^```/ { code = !code; next } !code' "$md" | sed 's/`[^`]*`//g')
  while IFS= read -r link; do
    target=${link%%#*}
    [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
    links=$((links + 1))
    resolved=$(realpath -m "$dir/$target")
    if [[ $resolved != "$source" && $resolved != "$source"/* ]]; then
      fail "$md: links outside the repository: $link"
    elif [[ ! -e $resolved ]]; then
      fail "$md: links to a missing file: $link"
    fi
  done < <(grep -o '\]([^)]*)' <<<"$prose" | sed 's/^](//; s/)$//')
  # Paths in backticks that climb out of the repository (`../shared/...`).
  if grep -n '`\.\./[^`]*`' "$md"; then fail "$md: names a path outside the repository"; fi
done
echo "$blocks code blocks, $links links checked, $failures failure(s)"
[[ $blocks -gt 0 && $failures == 0 ]]
