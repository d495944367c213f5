#!/usr/bin/env bash
# Times `scopecheck scan --history` against the peers' full-history scans on a generated
# repository: COMMITS commits over FILES source files (fast-import), a few with secrets.
#
# usage: benches/history.sh [COMMITS=2000] [FILES=5000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
commits=${1:-2000}
files=${2:-5000}
repo="$root/target/bench-repos/history-$commits"

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/scopecheck"

if [ ! -d "$repo/.git" ]; then
  rm -rf "$repo"
  git init -q -b main "$repo"
  awk -v commits="$commits" -v files="$files" 'BEGIN {
    srand(7)
    for (c = 0; c < commits; c++) {
      print "commit refs/heads/main"
      printf "committer bench <bench@example.com> %d +0000\n", 1700000000 + c
      print "data 7"; print "change"
      n = (c == 0) ? files : 5
      for (k = 0; k < n; k++) {
        f = (c == 0) ? k : int(rand() * files)
        body = ""
        for (l = 0; l < 30; l++)
          body = body sprintf("pub fn f_%d_%d_%d(x: u64) -> u64 { x ^ %d }\n", f, c, l, int(rand() * 1000000))
        if (c % 500 == 250 && k == 0)
          body = body sprintf("const TOKEN: &str = \"ghp_%s\";\n", substr("Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4abcdef", 1 + (c % 5), 36))
        printf "M 100644 inline src/m%03d/f%05d.rs\n", int(f / 100), f
        printf "data %d\n%s\n", length(body), body
      }
    }
  }' | git -C "$repo" fast-import --quiet
  git -C "$repo" reset -q --hard main
fi
echo "$repo: $(git -C "$repo" rev-list --count HEAD) commits, $(git -C "$repo" ls-files | wc -l) files"

cd "$repo"
cmds=("$bin scan --history --default-policy --fail-on block")
peers=${PEERS_ROOT:-/opt/peers}/bin
[ -x "$peers/betterleaks" ] && cmds+=("$peers/betterleaks git --no-banner --exit-code=0 .")
[ -x "$peers/gitleaks" ] && cmds+=("$peers/gitleaks git --no-banner --exit-code 0 .")
[ -x "$peers/kingfisher" ] && cmds+=("$peers/kingfisher scan . --git-history full --no-update-check --quiet")
hyperfine -N --warmup 1 --runs 5 -i "${cmds[@]}"
