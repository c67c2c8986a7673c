#!/usr/bin/env bash
# Crash soak: SIGKILLs parleyd under load again and again on one state directory and checks
# that nothing acknowledged is lost. It runs the same check as the test
# ParleyDaemonTests.CrashSafetyTests (20 rounds in the normal suite), for as many rounds as
# you ask. Each round: start parleyd, submit `incidents.open` over 4 connections (8 requests
# in flight each) and record every acknowledged (reference, event sequence), SIGKILL parleyd
# after a random 50–500 ms, `parleyctl verify --database --expect-head` on the killed store,
# restart, and check that every acknowledged incident is stored at its sequence, shows, and
# that online `verify` is intact up to at least the highest acknowledged sequence. Every
# fourth round also kills a daemon at a random moment of its startup. (The suite's short
# SIGTERM-under-load test runs once as well.)
#
# Usage: scripts/crash-soak.sh [ROUNDS] [SEED]
#   ROUNDS   kill/restart rounds (default 200; about 1 s each on 2 cores, debug build)
#   SEED     replay the kill timings of an earlier run (the seed is printed at the end and in
#            any failure message)
# Environment:
#   SCRATCH=DIR        swift --scratch-path to build and run in (default .build)
#   NO_BUILD=1         do not build first (parleyd, parleyctl and the tests must be built)
#   PARLEY_KEEP_TMP=1  keep the state directory (/tmp/pd-crash-*) and parleyd's stderr log
# Exit status: 0 when every round passed; otherwise swift test's status (the failing round,
# the seed and what was missing are in the output).
set -uo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-200}
seed=${2:-}
scratch=${SCRATCH:-.build}
case "$rounds" in
  '' | *[!0-9]* | 0) echo "crash-soak: ROUNDS must be a positive whole number (got '$rounds')" >&2; exit 2 ;;
esac
case "$seed" in
  *[!0-9]*) echo "crash-soak: SEED must be a whole number (got '$seed')" >&2; exit 2 ;;
esac

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "crash-soak: building parleyd, parleyctl and the tests in $scratch"
  for step in "--product parleyd" "--product parleyctl" "--build-tests"; do
    # shellcheck disable=SC2086
    swift build --scratch-path "$scratch" $step 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
    status=${PIPESTATUS[0]}
    if [ "$status" -ne 0 ]; then
      echo "crash-soak: build failed (swift build $step, exit $status)" >&2
      exit "$status"
    fi
  done
fi

export PARLEY_CRASH_ROUNDS=$rounds PARLEY_CRASH_VERBOSE=1
if [ -n "$seed" ]; then export PARLEY_CRASH_SEED=$seed; fi
echo "crash-soak: $rounds rounds${seed:+, seed $seed}"
started=$(date +%s)
swift test --scratch-path "$scratch" --skip-build --filter 'ParleyDaemonTests.CrashSafetyTests' 2>&1 \
  | grep -vE '^(◇|↳) |^Test Suite .* (started|passed)|^\s+Executed 0 tests'
status=${PIPESTATUS[0]}
echo "crash-soak: $rounds rounds, $(( $(date +%s) - started )) s, swift test exited $status"
exit "$status"
