#!/usr/bin/env bash
# A long run of the differential test against git (crates/git/tests/differential.rs):
# random repositories and changes, and scopecheck's change sets must equal what
# `git diff --raw` and `git diff -U0 --histogram` say, staged and for a range; and random
# histories (reverts, cherry-picks, clean and evil merges) judged commit by commit must
# equal `git diff` per commit and `git diff-tree -c` per merge.
#
# usage: benches/differential.sh [CASES]   (default 10000; the test suite runs 64)
# A mismatch stops the run with the smallest failing case proptest could shrink it to.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cases=${1:-10000}
start=$(date +%s)
SCOPECHECK_DIFF_CASES=$cases cargo test --release --quiet \
  --manifest-path "$here/../Cargo.toml" -p scopecheck-git --test differential
echo "differential: $cases cases, no mismatch, $(($(date +%s) - start)) s"
