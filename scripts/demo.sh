#!/usr/bin/env bash
# Installs what Parley needs, builds it, and runs parleyd on config/demo.yaml with everything
# (store, control socket) in ./demo-state. Stop it with Ctrl-C (graceful: the store is flushed).
#
# Two simulated radios (`parley-sim radio`) feed the demo's channels through files in
# demo-state/demo-radio: north with speech only (VOX squelch), south with speech and a CM108
# COR report file (and a PTT stand-in, so south can be keyed). Simulated voice and GSM modems
# (`parley-sim voice-modem`, `gsm-modem`) on ptys linked from demo-state/sim carry 101, 999,
# textphone and SMS callers.
#
# While it runs, in another terminal:
#   .build/release/parleyctl --socket demo-state/control.sock tail
#   .build/release/parleyctl --socket demo-state/control.sock channels
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

mkdir -p demo-state/demo-radio
"$bin/parleyd" --check-config --config config/demo.yaml || exit 1

# The simulated radios (paths as in config/demo.yaml, relative to the state directory).
# Last run's files go first, before parleyd opens them: a capture file is read from its start
# in real time, so old audio would put the channel minutes behind (--fresh would empty them
# too, but only once the simulator is up). The PTT stand-in must exist: parleyd appends CM108
# output reports to it.
radio=demo-state/demo-radio
rm -f "$radio/north.raw" "$radio/south.raw" "$radio/airwave.raw" "$radio/south-cor.hid"
: > "$radio/south-ptt.hid"
sims=()
"$bin/parley-sim" radio --fresh --audio "$radio/north.raw" --seed 1 &
sims+=($!)
"$bin/parley-sim" radio --fresh --audio "$radio/south.raw" --cor "$radio/south-cor.hid" --cor-bit 1 --seed 2 &
sims+=($!)
"$bin/parley-sim" radio --fresh --audio "$radio/airwave.raw" --seed 3 &
sims+=($!)
for _ in $(seq 1 50); do
  [ -e "$radio/north.raw" ] && [ -e "$radio/south.raw" ] && break
  sleep 0.1
done

# The simulated modems (device paths as in config/demo.yaml): each links demo-state/sim/NAME.pty
# to a pseudo-terminal. The 101 caller rings first with caller ID, the 999 caller a few seconds
# later with the number withheld (and is still queued ahead); the textphone caller types once
# answered; the SMS arrives in two parts, the second announced first. Each caller rings again
# a minute after their call ends.
sim=demo-state/sim
mkdir -p "$sim"
"$bin/parley-sim" voice-modem --link "$sim/l101.pty" --cli 01632960123 --name "ALICE SMITH" --delay 3 --repeat-every 60 &
sims+=($!)
"$bin/parley-sim" voice-modem --link "$sim/l999.pty" --withheld --delay 8 --repeat-every 60 --hang-up-after 120 &
sims+=($!)
"$bin/parley-sim" voice-modem --link "$sim/text.pty" --cli 01632960999 --tty "HELLO I NEED HELP AT 12 HIGH ST GA" --delay 5 --repeat-every 60 &
sims+=($!)
# The TETRA terminal of channel airwave: units 2001 and 2002 talk, 2002 reports "at scene",
# 2003 sends a text and 2004 raises an emergency, then again every three minutes.
"$bin/parley-sim" tetra --link "$sim/tetra.pty" --gssi 1001 --talker 2001 --talker 2002 --status 2002:0x8002 \
  --text "2003:ON SCENE AT THE RED LION" --emergency 2004 --delay 15 --gap 8 --every 180 &
sims+=($!)
"$bin/parley-sim" gsm-modem --link "$sim/sms.pty" --from +447700900123 --delay 10 \
  --text "HELP there is a man with a knife outside the Red Lion on High Street, I cannot talk, please send someone" &
sims+=($!)

"$bin/parleyd" --config config/demo.yaml &
daemon=$!
stop_all() {
  kill -TERM "${sims[@]}" $daemon 2>/dev/null
  wait "${sims[@]}" $daemon 2>/dev/null
}
# Ctrl-C or SIGTERM ends the script (and the dispatcher loop below) at once; leaving runs
# stop_all, which stops the simulators and parleyd.
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

  Radio: two simulated radios talk on channels north (VOX) and south (COR); every
  transmission is recorded (demo-state/recordings/) with a row in the store:

            $bin/parleyctl --socket demo-state/control.sock channels
            $bin/parleyctl --socket demo-state/control.sock recall north
            $bin/parleyctl --socket demo-state/control.sock key south --for 3

  Keying is refused while south is receiving (wait for a gap, or add --priority emergency);
  the PTT reports land in demo-state/demo-radio/south-ptt.hid (xxd shows them).

  Telephony: simulated callers ring the 101, 999 and textphone lines, and an SMS arrives:

            $bin/parleyctl --socket demo-state/control.sock calls     # 999 queued ahead of 101
            $bin/parleyctl --socket demo-state/control.sock answer    # takes the head of the queue
            $bin/parleyctl --socket demo-state/control.sock answer CALL   # the textphone call: its
                                                   # text appears in tail as text.received
            $bin/parleyctl --socket demo-state/control.sock hangup CALL

  TETRA: channel airwave is a talkgroup on a simulated terminal; its units' statuses,
  texts and an emergency arrive within half a minute:

            $bin/parleyctl --socket demo-state/control.sock units
            $bin/parleyctl --socket demo-state/control.sock emergencies
            $bin/parleyctl --socket demo-state/control.sock ack ID
            $bin/parleyctl --socket demo-state/control.sock sds 2003 "RETURN TO STATION"
            $bin/parleyctl --socket demo-state/control.sock key airwave --for 3

  Ctrl-C stops the daemon.

INFO

# Demo traffic through the control socket, as a dispatcher would make it, every few seconds.
# (The radio and modem simulators above add channel and telephone traffic.)
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
