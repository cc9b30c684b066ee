#!/usr/bin/env bash
# Lists the chain files that a push added or changed, for `cxchain run` on merge (SPEC 8).
#
#   changed-chains.sh BEFORE AFTER [DIR...]
#
# Prints, one per line, the *.yaml / *.yml files under each DIR (default: chains) that were added,
# changed or renamed between the commits BEFORE and AFTER and still exist; hidden folders and
# node_modules are left out, as cxchain's own discovery does. Deleted chains are not listed:
# there is nothing to run. A chain that uses a changed or deleted chain file (`uses:`, directly or
# through others) is listed too, since what it runs changed (SPEC 3.3).
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

is_chain_file() {
  case "$1" in
    *.yaml | *.yml) ;;
    *) return 1 ;;
  esac
  case "/$1" in
    */.* | */node_modules/*) return 1 ;;
  esac
}

declare -A touched=() listed=()
order=()
# --relative: names relative to this directory, as cxchain takes them (working-directory may be a subfolder).
while IFS= read -r -d '' status && IFS= read -r -d '' file; do
  is_chain_file "$file" || continue
  touched["$file"]=1
  if [ "$status" != D ] && [ -f "$file" ]; then
    listed["$file"]=1
    order+=("$file")
  fi
done < <(git -c core.quotePath=false diff --name-status --no-renames -z --relative --diff-filter=ACMRTD "$before" "$after" -- "${dirs[@]}")

# The callers of what changed, until no new one turns up. `uses:` is read from the text (block or
# flow style); a path it misses only means a caller does not run, never that a wrong one does.
mapfile -d '' -t all < <(git -c core.quotePath=false ls-files -z -- "${dirs[@]}")
grew=1
while [ "$grew" = 1 ]; do
  grew=0
  for file in "${all[@]}"; do
    is_chain_file "$file" && [ -f "$file" ] || continue
    [ -z "${listed[$file]:-}" ] || continue
    while IFS= read -r uses; do
      target=$(realpath -m --relative-to=. "$(dirname "$file")/$uses")
      if [ -n "${touched[$target]:-}" ]; then
        touched["$file"]=1
        listed["$file"]=1
        order+=("$file")
        grew=1
        break
      fi
    done < <(grep -oE "uses:[[:space:]]*[\"']?\.{1,2}/[^\"',}[:space:]]+" "$file" | sed -E "s/^uses:[[:space:]]*[\"']?//")
  done
done
if [ ${#order[@]} -gt 0 ]; then printf '%s\n' "${order[@]}" | sort; fi
