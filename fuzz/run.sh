#!/usr/bin/env bash
# Runs fuzz targets one after another for SECONDS each, keeping each target's corpus in
# fuzz/corpus/<target> (seeded from fixtures/ on first run), and appends one line per run
# to fuzz/campaign.log: target, wall seconds, CPU seconds, runs, corpus size, outcome.
#
#   fuzz/run.sh SECONDS [TARGET...]        (default: every target in fuzz/Cargo.toml)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or stable with
# RUSTC_BOOTSTRAP=1. A crash stops that target's run and leaves the input in
# fuzz/artifacts/<target>/; fix it and keep the input as a regression test.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v '^scopecheck-fuzz$')
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo=(cargo +nightly)
else
  export RUSTC_BOOTSTRAP=1
  cargo=(cargo)
fi
"${cargo[@]}" fuzz build -O || exit 2
status=0
for t in "${targets[@]}"; do
  corpus="corpus/$t"
  if [ ! -d "$corpus" ]; then
    mkdir -p "$corpus"
    find ../fixtures -type f -size -64k -exec cp --backup=numbered -t "$corpus" {} +
  fi
  log="target/$t.log"
  # Built before the clock starts, so wall and CPU time are the fuzzing's own.
  "${cargo[@]}" fuzz build -O "$t" || exit 2
  start=$(date +%s)
  # -timeout: one input taking longer than 30 s is a finding (a hostile file must not
  # stall a hook), as is one needing more than 2 GiB.
  /usr/bin/time -f '%U %S' -o "target/$t.time" \
    "${cargo[@]}" fuzz run -O "$t" "$corpus" -- \
    -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1
  rc=$?
  wall=$(( $(date +%s) - start ))
  # /usr/bin/time puts "Command exited with non-zero status" first when the run failed.
  cpu=$(tail -n 1 "target/$t.time" | awk '{ printf "%d", $1 + $2 }')
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  outcome=ok
  [ "$rc" -ne 0 ] && { outcome="FAILED (exit $rc, see fuzz/$log and fuzz/artifacts/$t)"; status=1; }
  line="$(date -u +%FT%TZ) $t wall=${wall}s cpu=${cpu}s runs=${runs:-?} corpus=$(ls "$corpus" | wc -l) $outcome"
  echo "$line" | tee -a campaign.log
done
exit $status
