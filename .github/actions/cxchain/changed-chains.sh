#!/usr/bin/env bash
# Lists the chain files that a push added or changed, for `cxchain run` on merge (SPEC 8).
#
#   changed-chains.sh BEFORE AFTER [DIR...]
#
# Prints, one per line, the *.yaml / *.yml files under each DIR (default: chains) that were added,
# changed or renamed between the commits BEFORE and AFTER and still exist; hidden folders and
# node_modules are left out, as cxchain's own discovery does. Deleted chains are not listed:
# there is nothing to run.
#
# When BEFORE is empty, all zeros (the first push of a branch) or not in this clone (history was
# rewritten, or the checkout is shallow), there is nothing to compare with: it prints the DIRs
# themselves, so every chain runs, and says why in a workflow notice on stderr.
set -euo pipefail

before=${1:-}
after=${2:-HEAD}
shift $(( $# < 2 ? $# : 2 ))
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then dirs=(chains); fi

if [[ -z "$before" || "$before" =~ ^0+$ ]] || ! git cat-file -e "${before}^{commit}" 2>/dev/null; then
  echo "::notice title=cxchain::no earlier commit to compare with (a new branch, rewritten history or a shallow clone): every chain in ${dirs[*]} runs" >&2
  printf '%s\n' "${dirs[@]}"
  exit 0
fi

# --relative: names relative to this directory, as cxchain takes them (working-directory may be a subfolder).
git -c core.quotePath=false diff --name-only -z --relative --diff-filter=ACMRT "$before" "$after" -- "${dirs[@]}" |
  while IFS= read -r -d '' file; do
    case "$file" in
      *.yaml | *.yml) ;;
      *) continue ;;
    esac
    case "/$file" in
      */.* | */node_modules/*) continue ;;
    esac
    if [ -f "$file" ]; then printf '%s\n' "$file"; fi
  done
