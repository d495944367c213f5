#!/usr/bin/env bash
# Builds a benchmark repository: FILES tracked files (in nested directories, one commit,
# written with git fast-import so a 100k-file repository takes seconds), then STAGED
# files modified in the working tree and staged with `git add`, adding LINES lines in all.
#
# usage: benches/make-repo.sh DIR [FILES=50000] [STAGED=10] [LINES=500]
set -euo pipefail
dir=${1:?usage: make-repo.sh DIR [FILES] [STAGED] [LINES]}
files=${2:-50000}
staged=${3:-10}
lines=${4:-500}

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE

rm -rf "$dir"
git init -q -b main "$dir"
cd "$dir"

path_of() { # file number -> path, 50 files per directory, 20 directories per parent
  local n=$1
  printf 'src/mod%03d/sub%02d/file%05d.rs' $((n / 1000)) $(((n / 50) % 20)) "$n"
}

awk -v files="$files" 'BEGIN {
  print "commit refs/heads/main"
  print "committer bench <bench@example.com> 1700000000 +0000"
  print "data 4"; print "base"
  for (n = 0; n < files; n++) {
    body = ""
    for (l = 0; l < 20; l++)
      body = body sprintf("pub fn f%d_%d(x: u64) -> u64 { x.wrapping_mul(%d) + %d }\n", n, l, n + 1, l)
    printf "M 100644 inline src/mod%03d/sub%02d/file%05d.rs\n", int(n / 1000), int(n / 50) % 20, n
    printf "data %d\n%s\n", length(body), body
  }
}' | git fast-import --quiet
git read-tree HEAD   # index with a valid cache-tree, as after a checkout

per_file=$((lines / staged))
for ((i = 0; i < staged; i++)); do
  n=$(((i * 4999 + 17) % files))
  p=$(path_of "$n")
  mkdir -p "$(dirname "$p")"
  git cat-file -p "HEAD:$p" > "$p"
  for ((l = 0; l < per_file; l++)); do
    echo "pub fn added_${i}_${l}(s: &str) -> usize { s.len() + ${l} }" >> "$p"
  done
  git add -- "$p"
done
echo "$dir: $(git ls-files | wc -l) tracked files, $(git diff --cached --numstat | awk '{a += $1} END {print a}') added lines in $(git diff --cached --name-only | wc -l) staged files"
