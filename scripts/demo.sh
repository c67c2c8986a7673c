#!/usr/bin/env bash
# Installs what Parley needs, builds it, and runs parleyd on config/demo.yaml with everything
# (store, control socket) in ./demo-state. Stop it with Ctrl-C (graceful: the store is flushed).
#
# While it runs, in another terminal:
#   .build/release/parleyctl --socket demo-state/control.sock tail
#   .build/release/parleyctl --socket demo-state/control.sock status
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1
if ! command -v swift >/dev/null; then
  echo "demo: the Swift toolchain (swift 6.1 or later) is not on PATH — install it from swift.org first" >&2
  exit 1
fi

echo "demo: building parleyd, parleyctl and parley-sim (release; the first build takes a few minutes)"
swift build -c release --product parleyd 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' ; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
swift build -c release --product parleyctl 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' ; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
swift build -c release --product parley-sim 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' ; [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
bin=.build/release

mkdir -p demo-state
"$bin/parleyd" --check-config --config config/demo.yaml || exit 1

"$bin/parleyd" --config config/demo.yaml &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon' INT TERM EXIT

for _ in $(seq 1 100); do
  [ -S demo-state/control.sock ] && break
  sleep 0.1
done

cat <<INFO

  parleyd is running (pid $daemon) on config/demo.yaml; store: demo-state/incidents.sqlite
  In another terminal, follow what is committed to the store:

      $bin/parleyctl --socket demo-state/control.sock tail

  and try:  $bin/parleyctl --socket demo-state/control.sock status
            $bin/parleyctl --socket demo-state/control.sock incidents list
            $bin/parleyctl verify --database demo-state/incidents.sqlite

  Ctrl-C stops the daemon.

INFO

# Demo traffic through the control socket, as a dispatcher would make it, every few seconds.
# (The radio and telephony simulators in parley-sim will add device traffic.)
ctl() { "$bin/parleyctl" --socket demo-state/control.sock "$@" >/dev/null; }
round=0
while kill -0 $daemon 2>/dev/null; do
  round=$((round + 1))
  ref=$("$bin/parleyctl" --socket demo-state/control.sock --json incidents open --channel 999 \
          --category "Public Safety / Concern for safety" --grade 1 --summary "demo call $round" 2>/dev/null \
        | sed -n 's/.*"reference":"\([^"]*\)".*/\1/p' | head -1)
  if [ -n "$ref" ]; then
    sleep 2; ctl incidents assess "$ref" --threat "none seen" --harm "caller distressed" --risk "medium" \
                  --investigation "CCTV nearby" --vulnerability "elderly caller" --engagement "stay on line"
    sleep 2; ctl incidents grade "$ref" --grade 2 --reason "no immediate threat"
    sleep 2; ctl incidents close "$ref" --category "Public Safety / Concern for safety"
  fi
  sleep 4
done
wait $daemon
