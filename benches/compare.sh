#!/usr/bin/env bash
# Times `scopecheck pre-commit` against `git diff --cached --stat` (the floor: git's own
# staged diff) and, when installed under /opt/peers (../shared/bench/peers-install.sh),
# against gitleaks and betterleaks staged scans, on the same generated repository.
#
# usage: benches/compare.sh [FILES=100000] [STAGED=10] [LINES=500]
# Needs hyperfine (apt-get install hyperfine); falls back to a plain timing loop.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
files=${1:-100000}
staged=${2:-10}
lines=${3:-500}
repo="$root/target/bench-repos/compare-$files"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/scopecheck"
"$here/make-repo.sh" "$repo" "$files" "$staged" "$lines"
cd "$repo"

cmds=("$bin pre-commit" "git diff --cached --stat")
peers=${PEERS_ROOT:-/opt/peers}/bin
[ -x "$peers/gitleaks" ] && cmds+=("$peers/gitleaks git --pre-commit --staged --no-banner --exit-code 0 .")
[ -x "$peers/betterleaks" ] && cmds+=("$peers/betterleaks git --staged --no-banner --exit-code=0 .")

if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 "${cmds[@]}"
else
  for c in "${cmds[@]}"; do
    start=$(date +%s%N)
    for _ in $(seq 20); do $c >/dev/null 2>&1 || true; done
    end=$(date +%s%N)
    echo "$c: $(((end - start) / 20000)) µs mean of 20 runs"
  done
fi
