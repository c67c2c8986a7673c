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
swift test --skip-build "$@" 2>&1 | tee .build/test-output.txt | grep -vE '^(◇|✔|↳) |^Test Suite .* (started|passed)|^Test Case .* (started|passed)'
status=${PIPESTATUS[0]}
echo "test: swift test exited $status"
exit "$status"
