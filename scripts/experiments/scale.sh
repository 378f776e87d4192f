#!/usr/bin/env bash
# Issue 17's experiments (docs/scaling.md), for the next long sitting on an otherwise idle machine:
#
#   scripts/experiments/scale.sh start    # everything below, in the background, niced, logging to $OUT/scale.log
#   scripts/experiments/scale.sh status   # running or not, and the log's last lines
#   scripts/experiments/scale.sh stop     # stops it; `start` again resumes each unfinished run from its last checkpoint
#   scripts/experiments/scale.sh run      # the same steps in the foreground
#
# Every step is `amplify experiment figure2 … --keep --publish docs/results`: a run that has
# stopped (its goal or its budget) is kept, one that was interrupted continues, and after each run
# its summary is merged into docs/results/summary.json, its curves copied to docs/results/curves/
# and docs/results/figure2.svg redrawn. Run folders stay in $OUT (out of git).
#
# Budgets are per run and count the run's training time over all sittings. Environment:
#   SCALE_OUT             the experiment folder (default .amplification/experiments/issue-17; relative paths from the repository's root)
#   SCALE_PUBLISH         the results folder (default docs/results)
#   SCALE_HOLD_BUDGET     step 1's budget options (default --budget-minutes 120)
#   SCALE_CURRICULUM_BUDGET  step 2a's and 2b's (default --budget-minutes 120)
#   SCALE_PP_BUDGET       step 3's, permutation powering pushed as far as it goes (default --budget-minutes 360)
#   SCALE_EXTRA           options added to every step (e.g. --model tiny --contexts 4 for a smoke test)
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."
OUT=${SCALE_OUT:-.amplification/experiments/issue-17}
PUBLISH=${SCALE_PUBLISH:-docs/results}
LOG=$OUT/scale.log
PIDFILE=$OUT/scale.pid

experiment() {
  # shellcheck disable=SC2086 # SCALE_EXTRA and the budgets are lists of options
  nice -n 19 node bin/amplify.js experiment figure2 "$@" ${SCALE_EXTRA:-} --out "${EXPERIMENT_OUT:-$OUT}" --keep --publish "$PUBLISH"
}

steps() {
  echo "== issue 17 experiments, $(date -u +%FT%TZ), in $OUT"
  # 1. H′ on all five tasks at N = 8 (union find 10): until X's held-out accuracy holds ≥ 95% for 5 rounds.
  #    The summary has calls to H and H′'s agreement with H (per round in curves/<task>-amplify-learned-h.json).
  # shellcheck disable=SC2086
  experiment --modes amplify-learned-h --hold 0.95 --hold-rounds 5 ${SCALE_HOLD_BUDGET:---budget-minutes 120}
  # 2a. Curriculum runs to N = 16, then X trained at 16 until 90%: the gate (agreement 0.85) raises N
  #     while X's held-out accuracy is ~75-80% (session 6: union find climbed to N = 39 at 70-80%), so
  #     a run reaches 90% at some N only where the curriculum stops climbing (--max-size). In $OUT/n16.
  # shellcheck disable=SC2086
  EXPERIMENT_OUT=$OUT/n16 experiment --curriculum --max-size 16 --modes supervised,amplify ${SCALE_CURRICULUM_BUDGET:---budget-minutes 120}
  # 2b. Curriculum runs from N = 8 (union find 10) on the agreement gate: amplification with H′ where it
  #    has reached 90% (permutation powering, wildcard search), with H elsewhere; supervised beside each.
  # shellcheck disable=SC2086
  experiment --curriculum --tasks wildcard-search --modes supervised,amplify-learned-h ${SCALE_CURRICULUM_BUDGET:---budget-minutes 120}
  # shellcheck disable=SC2086
  experiment --curriculum --tasks sequential-assignments,shortest-path,union-find --modes supervised,amplify ${SCALE_CURRICULUM_BUDGET:---budget-minutes 120}
  # 3. Permutation powering pushed as far as the budget allows (the largest N and the rate per N go into docs/scaling.md's cost to N = 64).
  # shellcheck disable=SC2086
  experiment --curriculum --tasks permutation-powering --modes supervised,amplify-learned-h ${SCALE_PP_BUDGET:---budget-minutes 360}
  echo "== done, $(date -u +%FT%TZ)"
}

running() {
  [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

case "${1:-}" in
  start)
    if running; then echo "already running (pid $(cat "$PIDFILE")); log: $LOG"; exit 1; fi
    mkdir -p "$OUT"
    # A session of its own, so that `stop` ends this script and the training under it, nothing else.
    setsid nohup "$SELF" run >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    echo "started (pid $!); log: $LOG"
    ;;
  run)
    steps
    ;;
  status)
    if running; then echo "running (pid $(cat "$PIDFILE"))"; else echo 'not running'; fi
    [[ -f $LOG ]] && tail -n 20 "$LOG"
    ;;
  stop)
    if running; then kill -- "-$(cat "$PIDFILE")" && echo 'stopped'; else echo 'not running'; fi
    ;;
  *)
    sed -n '2,7p' "$SELF" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
