#!/usr/bin/env bash
# Real-code false-alarm suite: scans the whole history of a real repository and compares
# every finding with a checked-in expectations file, where each one is justified.
#
# usage: benches/false-alarms.sh REPO EXPECT
#   REPO    a clone of the repository, e.g. git.git:
#             git clone https://github.com/git/git /tmp/git.git
#             benches/false-alarms.sh /tmp/git.git benches/expect/git.git-history.txt
#   EXPECT  lines `keep|known-false-alarm RULE PATH -- reason`
#
# Prints findings the file does not list (unjustified: a new false alarm, or a real
# finding to add with its reason) and `keep` entries no longer found (lost recall).
# Exits 1 if there is either.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
repo=$(cd "${1:?usage: benches/false-alarms.sh REPO EXPECT}" && pwd)
expect=$(cd "$(dirname "${2:?usage: benches/false-alarms.sh REPO EXPECT}")" && pwd)/$(basename "$2")
bin=${SCOPECHECK:-$root/target/release/scopecheck}
[ -x "$bin" ] || cargo build --release --quiet --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$repo" && "$bin" scan --history --format json --default-policy >"$work/report.json" 2>"$work/stderr") || true
python3 - "$work/report.json" "$expect" <<'PY'
import json, sys
report, expect = sys.argv[1], sys.argv[2]
found = {(f["rule"], f["path"]) for f in json.load(open(report))["findings"]}
listed = {}
for line in open(expect):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    head = line.split(" -- ", 1)[0].split()
    verdict, rule, path = head[0], head[1], head[2]
    listed[(rule, path)] = verdict
unjustified = sorted(found - listed.keys())
lost = sorted(k for k, v in listed.items() if v == "keep" and k not in found)
fixed = sorted(k for k, v in listed.items() if v == "known-false-alarm" and k not in found)
print(f"{len(found)} findings (rule, path): "
      f"{sum(1 for k in found if listed.get(k) == 'keep')} justified, "
      f"{sum(1 for k in found if listed.get(k) == 'known-false-alarm')} known false alarms, "
      f"{len(unjustified)} unjustified")
for r, p in unjustified:
    print(f"  unjustified: {r} {p}")
for r, p in lost:
    print(f"  lost: {r} {p}")
for r, p in fixed:
    print(f"  no longer reported (remove from the file): {r} {p}")
sys.exit(1 if unjustified or lost else 0)
PY
