import GRDB

/// The store's schema, as string-only migrations.
///
/// NEVER edit a migration once it has shipped: add a new one. SQLite enforces the rules
/// (NOT NULL, FOREIGN KEY, CHECK) so that no code path can write a row the model forbids.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: v1Foundation)
        }
        migrator.registerMigration("v2-transmissions") { db in
            try db.execute(sql: v2Transmissions)
        }
        migrator.registerMigration("v3-events-time-by-sequence") { db in
            try db.execute(sql: v3EventsTimeBySequence)
        }
        return migrator
    }

    static let v1Foundation = """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 64),
            opened_at INTEGER NOT NULL,
            opened_by TEXT NOT NULL CHECK (length(opened_by) > 0),
            contact_channel TEXT NOT NULL
                CHECK (contact_channel IN ('999', '101', 'text-relay', 'direct-textphone', 'sms', 'radio', 'other')),
            opening_category TEXT NOT NULL CHECK (length(opening_category) BETWEEN 1 AND 200),
            current_grade INTEGER NOT NULL CHECK (current_grade BETWEEN 1 AND 4),
            summary TEXT NOT NULL DEFAULT '',
            closed_at INTEGER CHECK (closed_at IS NULL OR closed_at >= opened_at),
            closed_by TEXT,
            closing_category TEXT CHECK (closing_category IS NULL OR length(closing_category) BETWEEN 1 AND 200),
            CHECK ((closed_at IS NULL) = (closing_category IS NULL)),
            CHECK ((closed_at IS NULL) = (closed_by IS NULL))
        ) STRICT;

        CREATE TABLE grade_history (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
            graded_at INTEGER NOT NULL,
            graded_by TEXT NOT NULL CHECK (length(graded_by) > 0),
            reason TEXT NOT NULL
        ) STRICT;
        CREATE INDEX grade_history_incident ON grade_history(incident_id);

        CREATE TABLE thrive_assessments (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            assessed_at INTEGER NOT NULL,
            assessed_by TEXT NOT NULL CHECK (length(assessed_by) > 0),
            threat TEXT NOT NULL,
            harm TEXT NOT NULL,
            risk TEXT NOT NULL,
            investigation TEXT NOT NULL,
            vulnerability TEXT NOT NULL,
            engagement TEXT NOT NULL
        ) STRICT;
        CREATE INDEX thrive_assessments_incident ON thrive_assessments(incident_id);

        CREATE TABLE events (
            sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),
            recorded_at INTEGER NOT NULL,
            -- An OR chain, not IN (…): SQLite evaluates a CHECK … IN list through an ephemeral
            -- table on every insert, which cost 40% of the insert rate here.
            priority TEXT NOT NULL
                CHECK (priority = 'routine' OR priority = 'emergency' OR priority = 'priority' OR priority = 'admin'),
            kind TEXT NOT NULL CHECK (length(kind) > 0),
            source TEXT NOT NULL CHECK (length(source) > 0),
            incident_id INTEGER REFERENCES incidents(id),
            payload TEXT NOT NULL,
            previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
            hash TEXT NOT NULL CHECK (length(hash) = 64)
        ) STRICT;
        CREATE INDEX events_incident ON events(incident_id) WHERE incident_id IS NOT NULL;
        CREATE INDEX events_recorded_at ON events(recorded_at);

        -- The event log is append-only. These triggers stop accidental edits; deliberate
        -- tampering (dropping them) is caught by the hash chain (`parleyctl verify`).
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

        -- The last sequence and hash the writer acknowledged, updated in the same transaction
        -- as the events, so that a truncated tail is detectable.
        CREATE TABLE chain_anchor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0),
            last_hash TEXT NOT NULL CHECK (length(last_hash) = 64)
        ) STRICT;

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            peer_uid INTEGER,
            peer_gid INTEGER,
            peer_pid INTEGER,
            role TEXT CHECK (role IS NULL OR role IN ('engineer', 'dispatcher', 'admin')),
            command TEXT NOT NULL,
            arguments TEXT NOT NULL,
            result TEXT NOT NULL CHECK (result IN ('ok', 'refused', 'error')),
            detail TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX audit_at ON audit(at);
        """

    /// One row per over-the-air transmission (radio-channels issue). A row is created when the
    /// squelch opens (status `recording`) so that a crash never leaves a silent orphan file; on
    /// restart such rows are completed from the partial file and marked `interrupted`.
    static let v2Transmissions = """
        CREATE TABLE transmissions (
            id INTEGER PRIMARY KEY,
            channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 64),
            started_at INTEGER NOT NULL,
            ended_at INTEGER CHECK (ended_at IS NULL OR ended_at >= started_at),
            duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
            direction TEXT NOT NULL CHECK (direction IN ('rx', 'tx')),
            transmitted_by TEXT CHECK (transmitted_by IS NULL OR length(transmitted_by) > 0),
            talker_id TEXT,
            emergency INTEGER NOT NULL DEFAULT 0 CHECK (emergency IN (0, 1)),
            peak_dbfs REAL,
            rms_dbfs REAL,
            file_path TEXT NOT NULL CHECK (length(file_path) > 0),
            file_sha256 TEXT CHECK (file_sha256 IS NULL OR length(file_sha256) = 64),
            incident_id INTEGER REFERENCES incidents(id),
            status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'interrupted')),
            CHECK ((status = 'recording') = (ended_at IS NULL)),
            CHECK ((direction = 'tx') = (transmitted_by IS NOT NULL))
        ) STRICT;
        CREATE INDEX transmissions_channel ON transmissions(channel_id, started_at);
        CREATE INDEX transmissions_recording ON transmissions(status) WHERE status = 'recording';
        """

    /// The writer never lets `recorded_at` go backwards along the chain (see `EventWriter`), so
    /// a time range is a sequence range, found by binary search on the primary key
    /// (`EventFilter`). The index cost a third of the insert rate (`parley-bench store`, writer
    /// 87–96k → 119–124k events/s) and answered nothing the primary key cannot.
    static let v3EventsTimeBySequence = """
        DROP INDEX events_recorded_at;
        """
}
