#!/usr/bin/env bash
# Build one libFuzzer target with the Swift toolchain and run it.
#
#   Fuzz/run.sh TARGET [SECONDS | -runs=N] [more libFuzzer flags...]
#
#   Fuzz/run.sh fuzz-config 300               # fuzz for five minutes
#   Fuzz/run.sh fuzz-config -runs=1000000     # a fixed number of executions
#   Fuzz/run.sh fuzz-config 60 -jobs=2        # extra flags go to libFuzzer
#
# Builds in release with -sanitize=fuzzer,address (set FUZZ_SANITIZERS=fuzzer
# to leave ASan out) into Fuzz/.build, never the main package's build directory. The corpus
# is Fuzz/corpus/TARGET (kept between runs; seeded from the seeds listed below); crashes and
# the last log go to Fuzz/artifacts/TARGET/. A crash is reproduced with
#   Fuzz/.build/release/TARGET Fuzz/artifacts/TARGET/crash-...
# Prints "fuzz TARGET: executions=N crashes=N" last; exits non-zero when libFuzzer found one.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
usage="usage: Fuzz/run.sh TARGET [SECONDS|-runs=N] [libFuzzer flags...]"
target="${1:?$usage}"
shift
limit="${1:-60}"
[ $# -gt 0 ] && shift
case "$limit" in
    -*) limit_flag="$limit" ;;
    '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;;
    *) limit_flag="-max_total_time=$limit" ;;
esac

# Seeds for each target: files copied into its corpus before every run.
seeds() {
    case "$1" in
        fuzz-config) ls "$root"/config/*.yaml ;;
        fuzz-control) ;;
    esac
    if [ -d "$here/seeds/$1" ]; then find "$here/seeds/$1" -type f; fi
}

# One combined -sanitize= flag: given as two separate flags (SwiftPM's --sanitize=fuzzer
# --sanitize=address), swiftc keeps only the last one's instrumentation, and libFuzzer then
# runs blind ("Is the code instrumented for coverage?").
# SwiftPM's --sanitize=fuzzer is still given, for its link step (libFuzzer's main).
build=(swift build -c release --package-path "$here" --scratch-path "$here/.build" --sanitize=fuzzer
       -Xswiftc "-sanitize=${FUZZ_SANITIZERS:-fuzzer,address}")
"${build[@]}" --product "$target"
binary="$("${build[@]}" --show-bin-path)/$target"

corpus="$here/corpus/$target"
artifacts="$here/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
while IFS= read -r seed; do
    [ -n "$seed" ] && cp "$seed" "$corpus/seed-$(basename "$seed")"
done < <(seeds "$target")

flags=(-artifact_prefix="$artifacts/" -print_final_stats=1 -timeout=30 "$limit_flag")
if [ -f "$here/dictionaries/$target.dict" ]; then flags+=(-dict="$here/dictionaries/$target.dict"); fi

log="$artifacts/last-run.log"
stamp="$artifacts/.run-started"
touch "$stamp"
echo "running: $binary $corpus ${flags[*]} $*"
set +e
"$binary" "$corpus" "${flags[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
executions="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$' || true)"
crashes="$(find "$artifacts" -maxdepth 1 -newer "$stamp" -type f \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)"
echo "fuzz $target: executions=${executions:-unknown} crashes=$crashes exit=$status (artifacts: $artifacts)"
exit "$status"
