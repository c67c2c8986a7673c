#!/usr/bin/env python3
"""The Python reference for `parley-bench store` (issue 2): hash-chained events written with
the `sqlite3` module, in WAL with synchronous=FULL, 1,000 events per transaction.

Each event's SHA-256 covers its content and the previous event's hash, as Parley's chain does
(the canonical form differs). Prints events/s. Run it next to `parley-bench store`, in the same
minutes: the machine's speed moves from minute to minute, so only figures taken together
compare.

Usage: python3 scripts/store-reference.py [--events N] [--batch N] [--dir DIR]
"""
import argparse
import hashlib
import json
import os
import sqlite3
import tempfile
import time

SCHEMA = """
CREATE TABLE events (
    sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),
    recorded_at INTEGER NOT NULL,
    priority TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    payload TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--dir", default=None, help="directory for the scratch database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        path = os.path.join(directory, "reference.sqlite")
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if db.execute("PRAGMA synchronous").fetchone()[0] != 2:
            raise SystemExit("store-reference: synchronous = FULL did not hold")
        db.executescript(SCHEMA)
        previous = "0" * 64
        start = time.perf_counter()
        sequence = 0
        while sequence < args.events:
            rows = []
            for _ in range(min(args.batch, args.events - sequence)):
                sequence += 1
                recorded_at = int(time.time() * 1000)
                payload = json.dumps({"channel": "north", "seconds": sequence % 60, "unit": f"N{sequence % 97}"},
                                     separators=(",", ":"), sort_keys=True)
                content = f"{sequence}|{recorded_at}|routine|radio.transmission|channel:north|{payload}|{previous}"
                digest = hashlib.sha256(content.encode()).hexdigest()
                rows.append((sequence, recorded_at, "routine", "radio.transmission", "channel:north", payload, previous, digest))
                previous = digest
            db.execute("BEGIN")
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.execute("COMMIT")
        elapsed = time.perf_counter() - start
        db.close()
    print(f"python sqlite3 reference: {args.events} events in {elapsed:.2f} s, {args.events / elapsed:.0f} events/s "
          f"(batch {args.batch}, WAL, synchronous=FULL)")


if __name__ == "__main__":
    main()
