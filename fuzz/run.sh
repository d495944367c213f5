#!/usr/bin/env bash
# Runs fuzz targets one after another, keeping each target's corpus in fuzz/corpus/<target>
# (seeded from fixtures/ on first run), and appends one line per run to fuzz/campaign.log:
# target, wall seconds, CPU seconds, runs, corpus size, outcome.
#
#   fuzz/run.sh SECONDS [TARGET...]              each target for SECONDS of wall time
#   fuzz/run.sh --cpu-total SECONDS [TARGET...]  each target until the CPU time of its
#                                                runs without a crash in campaign.log
#                                                adds up to SECONDS (resumable)
#
# With no TARGET, every target in fuzz/Cargo.toml. On a shared machine wall time says
# little about how much fuzzing was done; --cpu-total tops a campaign up to a CPU budget,
# stopping the fuzzer with SIGINT once its own CPU time covers what is missing.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or stable with
# RUSTC_BOOTSTRAP=1. A crash stops that target's run and leaves the input in
# fuzz/artifacts/<target>/; fix it and keep the input as a regression test.
#
# SIGTERM or SIGINT to this script ends the current run cleanly (the fuzzer is
# interrupted, the run is recorded with the CPU time it had) and stops the campaign, so
# a campaign cut short keeps what it did. Do not SIGSTOP a fuzzer: its -timeout counts
# wall time, and a pause longer than that is recorded as a timeout.
set -uo pipefail
cd "$(dirname "$0")"
mode=wall
if [ "${1:-}" = --cpu-total ]; then
  mode=cpu
  shift
fi
secs=${1:?usage: fuzz/run.sh [--cpu-total] SECONDS [TARGET...]}
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
ticks=$(getconf CLK_TCK)

# CPU seconds of the runs of target $1 that ended without a crash.
cpu_so_far() {
  [ -f campaign.log ] || { echo 0; return; }
  awk -v t="$1" '$2 == t && $NF == "ok" { sub(/^cpu=/, "", $4); sub(/s$/, "", $4); s += $4 }
    END { printf "%d", s }' campaign.log
}

# CPU seconds (user + system) used so far by process $1, or nothing once it is gone.
cpu_of() {
  awk -v hz="$ticks" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null
}

"${cargo[@]}" fuzz build -O || exit 2
status=0
stopping=false
fuzzer_pid() { pgrep -n -f -- "/release/$1 -" || true; }
# Set per run below; a signal to the script interrupts the fuzzer and ends the campaign
# after this run is recorded.
current=""
on_stop() {
  stopping=true
  if [ -n "$current" ]; then
    pid=$(fuzzer_pid "$current")
    [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null
  fi
}
trap on_stop TERM INT
for t in "${targets[@]}"; do
  $stopping && break
  budget=$secs
  if [ "$mode" = cpu ]; then
    budget=$(( secs - $(cpu_so_far "$t") ))
    if [ "$budget" -le 0 ]; then
      echo "$t: already $(cpu_so_far "$t") CPU seconds, skipped"
      continue
    fi
  fi
  corpus="corpus/$t"
  if [ ! -d "$corpus" ]; then
    mkdir -p "$corpus"
    find ../fixtures -type f -size -64k -exec cp --backup=numbered -t "$corpus" {} +
  fi
  log="target/$t.log"
  # Built before the clock starts, so wall and CPU time are the fuzzing's own.
  "${cargo[@]}" fuzz build -O "$t" || exit 2
  wall_limit=$budget
  # A CPU budget has no wall limit of its own: the watcher below ends the run.
  [ "$mode" = cpu ] && wall_limit=0
  start=$(date +%s)
  # -timeout: one input taking longer than 30 s is a finding (a hostile file must not
  # stall a hook), as is one needing more than 2 GiB.
  /usr/bin/time -f '%U %S' -o "target/$t.time" \
    "${cargo[@]}" fuzz run -O "$t" "$corpus" -- \
    -max_total_time="$wall_limit" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 &
  runner=$!
  current=$t
  if [ "$mode" = cpu ]; then
    while kill -0 "$runner" 2>/dev/null; do
      sleep 5
      # The fuzzer is cargo-fuzz's child; its arguments start with the binary's path.
      pid=$(fuzzer_pid "$t")
      [ -n "$pid" ] || continue
      used=$(cpu_of "$pid")
      if [ -n "$used" ] && [ "$used" -ge "$budget" ]; then
        kill -INT "$pid" 2>/dev/null
        break
      fi
    done
  fi
  # `wait` returns early when a trapped signal arrives: wait again for the run's end.
  while kill -0 "$runner" 2>/dev/null; do
    wait "$runner"
  done
  wait "$runner"
  rc=$?
  current=""
  wall=$(( $(date +%s) - start ))
  # /usr/bin/time puts "Command exited with non-zero status" first when the run failed.
  cpu=$(tail -n 1 "target/$t.time" | awk '{ printf "%d", $1 + $2 }')
  # No figure when /usr/bin/time itself was signalled (a wrapper that signals the
  # whole process group): count nothing rather than write an unreadable line.
  cpu=${cpu:-0}
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  outcome=ok
  # libFuzzer leaves with a non-zero code when interrupted (by the CPU budget or a stop
  # signal); such a run found nothing. A crash, leak, timeout or out-of-memory says
  # "ERROR" or "deadly signal" instead.
  if [ "$rc" -ne 0 ] && ! grep -q 'libFuzzer: run interrupted' "$log"; then
    outcome="FAILED (exit $rc, see fuzz/$log and fuzz/artifacts/$t)"
    status=1
  fi
  line="$(date -u +%FT%TZ) $t wall=${wall}s cpu=${cpu}s runs=${runs:-?} corpus=$(ls "$corpus" | wc -l) $outcome"
  echo "$line" | tee -a campaign.log
done
exit $status
