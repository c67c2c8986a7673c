#!/usr/bin/env bash
# Installs what the tests need, builds with warnings as errors, and runs the whole test suite.
# Usage: scripts/test.sh [extra swift test arguments, e.g. --filter ParleyStoreTests]
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1

if ! command -v swift >/dev/null; then
  echo "test: the Swift toolchain (swift 6.1 or later) is not on PATH — install it from swift.org first" >&2
  exit 1
fi

export PARLEY_WERROR=1
echo "test: building (debug, warnings are errors in Parley's targets)"
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] '
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "test: build failed (exit $status)" >&2
  exit "$status"
fi

echo "test: running the suite"
mkdir -p .build
# Every test is a Swift Testing test; --disable-xctest leaves out XCTest's empty "Executed 0 tests".
# Passing tests and suites are not echoed (they are in .build/test-output.txt); failures, issues
# and the closing "Test run with N tests" line are.
# --no-parallel: many tests run real devices, daemons and real-time audio; one at a time they
# are not starved on a 2-core CI machine (about 100 s here, against 40 s in parallel with
# occasional load-induced failures).
swift test --skip-build --disable-xctest --no-parallel "$@" 2>&1 | tee .build/test-output.txt \
  | awk '/Test run with/ { print; fflush(); next } /^(◇|↳|✔) / { next } { print; fflush() }'
status=${PIPESTATUS[0]}

# A plain summary line, from Swift Testing's own closing line.
summary=$(grep -E '^[^ ]+ Test run with [0-9]+ tests? ' .build/test-output.txt | tail -1)
total=$(echo "$summary" | sed -nE 's/.*Test run with ([0-9]+) tests?.*/\1/p')
failed=$(grep -cE '^✘ Test .* failed after' .build/test-output.txt || true)
if [ -n "$total" ]; then
  echo "$((total - failed)) passed, $failed failed"
fi
echo "test: swift test exited $status"
exit "$status"
