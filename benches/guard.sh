#!/usr/bin/env bash
# Times one `scopecheck guard` call (a Claude Code PreToolUse event: a shell command, and
# an edit of a tracked file) on a generated repository of FILES tracked files, against
# `git rev-parse HEAD` (the cost of merely starting git there).
#
# usage: benches/guard.sh [FILES=100000]
# Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
files=${1:-100000}
repo="$root/target/bench-repos/guard-$files"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/scopecheck"
"$here/make-repo.sh" "$repo" "$files" 1 1
cd "$repo"
target=$(git ls-files | sed -n 1p)
tmp=$(mktemp -d)
printf '{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cargo test --workspace && git status"},"cwd":"%s"}' "$repo" > "$tmp/bash.json"
printf '{"hook_event_name":"PreToolUse","tool_name":"Edit","tool_input":{"file_path":"%s/%s","old_string":"fn","new_string":"pub fn"},"cwd":"%s"}' "$repo" "$target" "$repo" > "$tmp/edit.json"
hyperfine --warmup 3 --runs 30 \
  "$bin guard --agent claude < $tmp/bash.json" \
  "$bin guard --agent claude < $tmp/edit.json" \
  "git rev-parse HEAD"
rm -rf "$tmp"
