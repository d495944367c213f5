#!/usr/bin/env bash
# Times scopecheck on a real repository against git itself and, when installed under
# /opt/peers (../shared/bench/peers-install.sh), against betterleaks and gitleaks:
#
#   pre-commit   10 staged files (3 lines each) vs `git diff --cached --stat`
#   range        `ci --base A --head B`       vs `git log -p A..B` and the peers' range scans
#   history      `scan --history` (all refs)  vs the peers' `--log-opts=--all`   (HISTORY=1)
#
# Each figure is the median of RUNS runs (default 3) of /usr/bin/time: wall seconds, CPU
# seconds (user + system) and peak resident memory (MiB, the largest process).
#
# With BEFORE=/path/to/an/older/scopecheck, the range is also scanned by that binary and
# the findings compared: every (rule, path) the older build reported must still be
# reported, except `policy/skipped-hooks` on merge commits (a merge is judged by its own
# lines now, not again by everything its branch brought).
#
# usage: benches/real-repo.sh REPO [BASE] [HEAD]
#   REPO  a clone of the repository to measure. git.git (the reference benchmark):
#           git clone https://github.com/git/git /tmp/git.git   # BASE=v2.50.0 HEAD=v2.55.0
#         a JS monorepo, e.g. https://github.com/microsoft/vscode (pick two release tags).
#         The clone is never modified: pre-commit runs in a shared temporary clone.
#   BASE HEAD  the range (default: HEAD~200 and HEAD)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
repo=$(cd "${1:?usage: benches/real-repo.sh REPO [BASE] [HEAD]}" && pwd)
base=${2:-HEAD~200}
head=${3:-HEAD}
runs=${RUNS:-3}
peers=${PEERS_ROOT:-/opt/peers}/bin

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/scopecheck"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure LABEL CMD...: the median of $runs runs, one line.
measure() {
  local label=$1
  shift
  local out="$work/times"
  : >"$out"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/one" "$@" >/dev/null 2>&1 || true
    tail -1 "$work/one" >>"$out"
  done
  local m=$(((runs + 1) / 2))
  col() { awk "{ print $1 }" "$out" | sort -g | sed -n "${m}p"; }
  printf "%-44s wall %8.3f s   cpu %8.3f s   peak %7.1f MiB\n" "$label" \
    "$(col '$1')" "$(col '$2 + $3')" "$(col '$4 / 1024')"
}

echo "repository: $repo ($(git -C "$repo" rev-list --count --all) commits, $(git -C "$repo" ls-tree -r HEAD | wc -l) files)"
echo "range: $base..$head ($(git -C "$repo" rev-list --count "$base..$head") commits)"
echo

echo "== pre-commit, 10 staged files"
clone="$work/clone"
git clone -q --shared "$repo" "$clone"
# awk, not head: head would close the pipe early and pipefail would end the script.
git -C "$clone" ls-files | grep -E '\.(c|h|js|ts|py|go|rs|md|txt)$' | awk 'NR <= 10' >"$work/staged"
while read -r f; do
  printf 'one more line\nand another\nand a third\n' >>"$clone/$f"
  git -C "$clone" add -- "$f"
done <"$work/staged"
(cd "$clone" && measure "scopecheck pre-commit" "$bin" pre-commit)
(cd "$clone" && measure "git diff --cached --stat" git diff --cached --stat)
[ -x "$peers/betterleaks" ] && (cd "$clone" && measure "betterleaks git --staged" "$peers/betterleaks" git --staged --no-banner --exit-code=0 .)
[ -x "$peers/gitleaks" ] && (cd "$clone" && measure "gitleaks git --pre-commit --staged" "$peers/gitleaks" git --pre-commit --staged --no-banner --exit-code 0 .)
echo

echo "== range $base..$head"
cd "$repo"
measure "scopecheck ci" "$bin" ci --base "$base" --head "$head" --format json
measure "git log -p" git log -p "$base..$head"
[ -x "$peers/betterleaks" ] && measure "betterleaks git --log-opts=$base..$head" "$peers/betterleaks" git "--log-opts=$base..$head" --no-banner --exit-code=0 .
[ -x "$peers/gitleaks" ] && measure "gitleaks git --log-opts=$base..$head" "$peers/gitleaks" git "--log-opts=$base..$head" --no-banner --exit-code 0 .

if [ -n "${BEFORE:-}" ]; then
  "$BEFORE" ci --base "$base" --head "$head" --format json >"$work/before.json" 2>/dev/null || true
  "$bin" ci --base "$base" --head "$head" --format json >"$work/after.json" 2>/dev/null || true
  python3 - "$work/before.json" "$work/after.json" "$repo" <<'EOF'
import json, subprocess, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
def merge(commit):
    out = subprocess.run(["git", "-C", sys.argv[3], "rev-list", "--parents", "-n1", commit],
                         capture_output=True, text=True).stdout.split()
    return len(out) > 2
def keys(report):
    return {(f["rule"], f["path"]) for f in report["findings"]}
lost = set()
for f in before["findings"]:
    if (f["rule"], f["path"]) in keys(after):
        continue
    if f["rule"] == "policy/skipped-hooks" and merge(f["message"].split()[1]):
        continue
    lost.add((f["rule"], f["path"]))
print(f"findings: before {len(before['findings'])}, after {len(after['findings'])}, lost {len(lost)}")
for rule, path in sorted(lost):
    print(f"  LOST {rule} {path}")
sys.exit(1 if lost else 0)
EOF
fi
echo

if [ "${HISTORY:-0}" = 1 ]; then
  echo "== history, all refs"
  measure "scopecheck scan --history" "$bin" scan --history --format json
  [ -x "$peers/betterleaks" ] && measure "betterleaks git --log-opts=--all" "$peers/betterleaks" git --log-opts=--all --no-banner --exit-code=0 .
fi
